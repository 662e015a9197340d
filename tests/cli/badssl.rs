//! A local badssl.com: the cases of chromium/badssl.com (expired, wrong.host, self-signed,
//! untrusted-root, incomplete-chain, rsa512/rsa1024, md5, sha1 leaf and intermediate,
//! 10000-sans, reversed-chain, no-san (CN only), a company proxy's root only in the OS
//! store, an intermediate without key identifiers), made by this test with the `openssl`
//! crate (rcgen cannot make weak keys or MD5 signatures), each served on 127.0.0.1 by an
//! OpenSSL server, and judged twice: by `certpatch diagnose` and by a real Python
//! (`python3`, the CA variables removed, `ssl.create_default_context(cafile=bundle)`).
//! For every case diagnose's verdict under that Python's rules must be Python's, with the
//! cause named; it never says "ok" where Python fails.
#![cfg(unix)]

use std::net::TcpListener;
use std::path::Path;
use std::process::Command as StdCommand;
use std::sync::Arc;

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{SslAcceptor, SslMethod, SslVersion};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use serde_json::Value;

use crate::common::*;
use crate::pyvenv::{python3, CA_OVERRIDES};

/// A certificate and its key.
struct Made {
    cert: X509,
    key: PKey<Private>,
}

fn rsa(bits: u32) -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap()
}

/// How to make one certificate.
struct Spec<'a> {
    cn: &'a str,
    sans: &'a [&'a str],
    ca: bool,
    bits: u32,
    digest: MessageDigest,
    /// Validity in years from now (negative: in the past).
    from_days: i64,
    until_days: i64,
    key_ids: bool,
    extra_sans: usize,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            cn: "",
            sans: &["localhost"],
            ca: false,
            bits: 2048,
            digest: MessageDigest::sha256(),
            from_days: -30,
            until_days: 365,
            key_ids: true,
            extra_sans: 0,
        }
    }
}

fn asn1_days(d: i64) -> Asn1Time {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    Asn1Time::from_unix(now + d * 86400).unwrap()
}

fn make(spec: Spec, issuer: Option<&Made>) -> Made {
    let key = rsa(spec.bits);
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("O", "certpatch badssl").unwrap();
    name.append_entry_by_text("CN", spec.cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_u32(rand_u32()).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&asn1_days(spec.from_days)).unwrap();
    b.set_not_after(&asn1_days(spec.until_days)).unwrap();
    if spec.ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(BasicConstraints::new().critical().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap();
        if !spec.sans.is_empty() || spec.extra_sans > 0 {
            let mut san = SubjectAlternativeName::new();
            for s in spec.sans {
                san.dns(s);
            }
            for i in 0..spec.extra_sans {
                san.dns(&format!("name-{i:05}.certpatch-badssl.invalid"));
            }
            let ext = san.build(&b.x509v3_context(None, None)).unwrap();
            b.append_extension(ext).unwrap();
        }
    }
    if spec.key_ids {
        let ski = SubjectKeyIdentifier::new()
            .build(&b.x509v3_context(None, None))
            .unwrap();
        b.append_extension(ski).unwrap();
        if let Some(i) = issuer {
            let aki = AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&b.x509v3_context(Some(&i.cert), None))
                .unwrap();
            b.append_extension(aki).unwrap();
        }
    }
    let signer = issuer.map_or(&key, |i| &i.key);
    b.sign(signer, spec.digest).unwrap();
    Made {
        cert: b.build(),
        key,
    }
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    openssl::rand::rand_bytes(&mut b).unwrap();
    u32::from_be_bytes(b) >> 1 | 1
}

fn root(cn: &str) -> Made {
    make(
        Spec {
            cn,
            ca: true,
            until_days: 3650,
            ..Spec::default()
        },
        None,
    )
}

fn int(cn: &str, issuer: &Made) -> Made {
    make(
        Spec {
            cn,
            ca: true,
            until_days: 1825,
            ..Spec::default()
        },
        Some(issuer),
    )
}

/// An OpenSSL server on 127.0.0.1 presenting `chain` (leaf first) with `key`, at security
/// level 0 so that it can serve weak keys; TLS 1.2 only when `tls12` (an RSA-512 key cannot
/// make TLS 1.3's RSA-PSS signature). Runs until the test ends.
fn serve(chain: &[&X509], key: &PKey<Private>, tls12: bool) -> u16 {
    serve_with(chain, key, tls12, None)
}

/// [`serve`], offering only `ciphers` (TLS 1.2) when given.
fn serve_with(chain: &[&X509], key: &PKey<Private>, tls12: bool, ciphers: Option<&str>) -> u16 {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_cipher_list(ciphers.unwrap_or("DEFAULT:@SECLEVEL=0"))
        .unwrap();
    b.set_security_level(0);
    if ciphers.is_some() {
        b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        b.set_tmp_dh(&openssl::dh::Dh::get_2048_256().unwrap())
            .unwrap();
    }
    if tls12 {
        b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        // The only signature a 512-bit RSA key can make in TLS 1.2.
        b.set_sigalgs_list("RSA+SHA256").unwrap();
    }
    b.set_certificate(chain[0]).unwrap();
    for c in &chain[1..] {
        b.add_extra_chain_cert((*c).clone()).unwrap();
    }
    b.set_private_key(key).unwrap();
    let acceptor = Arc::new(b.build());
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(stream) = stream else { continue };
            let acceptor = acceptor.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(20)));
                if let Ok(mut s) = acceptor.accept(stream) {
                    let _ = s.shutdown();
                }
            });
        }
    });
    port
}

/// One badssl case: what the server sends, with which key, what the bundle holds.
struct Case {
    name: &'static str,
    chain: Vec<X509>,
    key: PKey<Private>,
    bundle: Vec<X509>,
    /// The OS store certpatch sees (`SSL_CERT_FILE`), when the case needs one.
    os_store: Vec<X509>,
    tls12: bool,
    /// The only TLS 1.2 ciphers the server offers, when restricted.
    ciphers: Option<&'static str>,
    /// The cause code diagnose must name when Python fails (under Python's rules).
    cause: Option<&'static str>,
    /// A warning diagnose must give when Python connects.
    warning: Option<&'static str>,
}

fn case(name: &'static str, chain: Vec<&Made>, key_of: &Made, bundle: Vec<&Made>) -> Case {
    Case {
        name,
        chain: chain.iter().map(|m| m.cert.clone()).collect(),
        key: key_of.key.clone(),
        bundle: bundle.iter().map(|m| m.cert.clone()).collect(),
        os_store: Vec::new(),
        tls12: false,
        ciphers: None,
        cause: None,
        warning: None,
    }
}

fn cases() -> Vec<Case> {
    let r = root("badssl root");
    let i = int("badssl intermediate", &r);
    let leaf = |spec: Spec, issuer: &Made| make(spec, Some(issuer));
    let good = leaf(
        Spec {
            cn: "localhost",
            ..Spec::default()
        },
        &i,
    );
    let mut out = vec![case("good", vec![&good, &i], &good, vec![&r])];

    let expired = leaf(
        Spec {
            cn: "localhost",
            from_days: -400,
            until_days: -10,
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        cause: Some("expired"),
        ..case("expired", vec![&expired, &i], &expired, vec![&r])
    });

    let wrong = leaf(
        Spec {
            cn: "wrong.host",
            sans: &["wrong.host"],
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        cause: Some("name-mismatch"),
        ..case("wrong.host", vec![&wrong, &i], &wrong, vec![&r])
    });

    let selfsigned = make(
        Spec {
            cn: "localhost",
            ..Spec::default()
        },
        None,
    );
    out.push(Case {
        cause: Some("self-signed-leaf"),
        ..case("self-signed", vec![&selfsigned], &selfsigned, vec![&r])
    });

    let other_root = root("badssl untrusted root");
    let other_int = int("badssl untrusted intermediate", &other_root);
    let untrusted = leaf(
        Spec {
            cn: "localhost",
            ..Spec::default()
        },
        &other_int,
    );
    out.push(Case {
        cause: Some("root-not-in-bundle"),
        ..case(
            "untrusted-root",
            vec![&untrusted, &other_int, &other_root],
            &untrusted,
            vec![&r],
        )
    });

    out.push(Case {
        cause: Some("missing-issuer"),
        ..case("incomplete-chain", vec![&good], &good, vec![&r])
    });

    let rsa1024 = leaf(
        Spec {
            cn: "localhost",
            bits: 1024,
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        cause: Some("weak-key"),
        ..case("rsa1024", vec![&rsa1024, &i], &rsa1024, vec![&r])
    });
    let rsa512 = leaf(
        Spec {
            cn: "localhost",
            bits: 512,
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        cause: Some("weak-key"),
        tls12: true,
        ..case("rsa512", vec![&rsa512, &i], &rsa512, vec![&r])
    });

    let md5 = leaf(
        Spec {
            cn: "localhost",
            digest: MessageDigest::md5(),
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        cause: Some("weak-signature"),
        ..case("md5", vec![&md5, &i], &md5, vec![&r])
    });
    let sha1 = leaf(
        Spec {
            cn: "localhost",
            digest: MessageDigest::sha1(),
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        cause: Some("weak-signature"),
        ..case("sha1-leaf", vec![&sha1, &i], &sha1, vec![&r])
    });
    let i_sha1 = make(
        Spec {
            cn: "badssl sha1 intermediate",
            ca: true,
            digest: MessageDigest::sha1(),
            ..Spec::default()
        },
        Some(&r),
    );
    let under_sha1 = leaf(
        Spec {
            cn: "localhost",
            ..Spec::default()
        },
        &i_sha1,
    );
    out.push(Case {
        cause: Some("weak-signature"),
        ..case(
            "sha1-intermediate",
            vec![&under_sha1, &i_sha1],
            &under_sha1,
            vec![&r],
        )
    });

    // A certificate message over OpenSSL's 100 KiB limit (badssl: 210 KB).
    let many = leaf(
        Spec {
            cn: "localhost",
            extra_sans: 4000,
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        cause: Some("too-large"),
        ..case("10000-sans", vec![&many, &i], &many, vec![&r])
    });

    // The server presents its intermediate (with its key) first, then the leaf.
    out.push(Case {
        cause: Some("ca-as-server-certificate"),
        ..case("reversed-chain", vec![&i, &good], &i, vec![&r])
    });

    let cn_only = leaf(
        Spec {
            cn: "localhost",
            sans: &[],
            ..Spec::default()
        },
        &i,
    );
    out.push(Case {
        warning: Some("only in the certificate's common name"),
        ..case("no-san", vec![&cn_only, &i], &cn_only, vec![&r])
    });

    // Servers rustls cannot talk to: only DHE (Python, through OpenSSL, can), only static
    // RSA key exchange (Python's default ciphers cannot either).
    out.push(Case {
        ciphers: Some("DHE-RSA-AES128-GCM-SHA256"),
        ..case("dh2048", vec![&good, &i], &good, vec![&r])
    });
    out.push(Case {
        ciphers: Some("AES128-GCM-SHA256"),
        cause: Some("tls-mismatch"),
        ..case("static-rsa", vec![&good, &i], &good, vec![&r])
    });

    // A company proxy: leaf + its intermediate sent, its root only in the OS store.
    let proxy_root = root("Example Corp TLS Inspection Root");
    let proxy_int = int("Example Corp TLS Inspection CA", &proxy_root);
    let inspected = leaf(
        Spec {
            cn: "localhost",
            ..Spec::default()
        },
        &proxy_int,
    );
    out.push(Case {
        cause: Some("root-not-in-bundle"),
        os_store: vec![proxy_root.cert.clone()],
        ..case(
            "company-proxy",
            vec![&inspected, &proxy_int],
            &inspected,
            vec![&r],
        )
    });

    // An intermediate with no key identifiers: Python 3.13's strict mode refuses it.
    let bare = make(
        Spec {
            cn: "badssl bare intermediate",
            ca: true,
            key_ids: false,
            ..Spec::default()
        },
        Some(&r),
    );
    let under_bare = make(
        Spec {
            cn: "localhost",
            key_ids: false,
            ..Spec::default()
        },
        Some(&bare),
    );
    out.push(Case {
        cause: Some("python313-strict"),
        ..case(
            "no-key-identifiers",
            vec![&under_bare, &bare],
            &under_bare,
            vec![&r],
        )
    });
    out
}

const PY_CONNECT: &str = r#"
import socket, ssl, sys
port, bundle = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=bundle)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        with ctx.wrap_socket(s, server_hostname="localhost"):
            print("ok")
except ssl.SSLCertVerificationError as e:
    print("fail", e.verify_code, e.verify_message)
except (ssl.SSLError, OSError) as e:
    print("fail", e)
"#;

/// Python's verdict: (connects, its words).
fn python_verdict(python: &Path, port: u16, bundle: &Path) -> (bool, String) {
    let mut cmd = StdCommand::new(python);
    for v in CA_OVERRIDES {
        cmd.env_remove(v);
    }
    let out = cmd
        .args(["-I", "-c", PY_CONNECT, &port.to_string()])
        .arg(bundle)
        .run_output()
        .expect("run python3");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && !text.is_empty(),
        "python3 failed to run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (text == "ok", text)
}

fn python_rules(python: &Path) -> &'static str {
    let v = crate::pyvenv::run_ok(
        StdCommand::new(python).args([
            "-I",
            "-c",
            "import sys; print(sys.version_info >= (3, 13))",
        ]),
        "python3 version",
    );
    if v.trim() == "True" {
        "python>=3.13"
    } else {
        "python<3.13"
    }
}

fn pem(certs: &[X509]) -> Vec<u8> {
    certs.iter().flat_map(|c| c.to_pem().unwrap()).collect()
}

#[test]
fn diagnose_agrees_with_python3_on_every_badssl_case() {
    suite(&python3().expect("python3 on PATH: the badssl suite needs it"));
}

/// The same suite under Python 3.13's strict rules (`python3.13` on `PATH` or a pyenv
/// version): the intermediate without key identifiers fails there, and diagnose's 3.13
/// verdict must say so.
#[test]
fn diagnose_agrees_with_python313_on_every_badssl_case() {
    let python = crate::pyvenv::python313()
        .expect("a Python 3.13+ (python3.13 on PATH, or a pyenv version): the strict-rules badssl suite needs one");
    assert_eq!(python_rules(&python), "python>=3.13");
    suite(&python);
}

fn suite(python: &Path) {
    let python = python.to_path_buf();
    let rules = python_rules(&python);
    let mut report = Vec::new();
    for c in cases() {
        let sb = Sandbox::new();
        let bundle = sb.write_bundle("cacert.pem", &pem(&c.bundle));
        let port = serve_with(
            &c.chain.iter().collect::<Vec<_>>(),
            &c.key,
            c.tls12,
            c.ciphers,
        );
        let (py_ok, py_words) = python_verdict(&python, port, &bundle);
        let mut cmd = sb.cmd();
        if !c.os_store.is_empty() {
            let store = sb.root().join("os-store.pem");
            std::fs::write(&store, pem(&c.os_store)).unwrap();
            cmd.env("SSL_CERT_FILE", &store);
        } else {
            // An empty OS store: no test root is ever trusted by the machine.
            let store = sb.root().join("os-store.pem");
            std::fs::write(&store, b"").unwrap();
            cmd.env("SSL_CERT_FILE", &store);
        }
        let out = cmd
            .args([
                "--json",
                "diagnose",
                &format!("localhost:{port}"),
                "--bundle",
            ])
            .arg(&bundle)
            .run_output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: no JSON ({e}): {}",
                c.name,
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let (cp_ok, causes, warnings) = match doc["bundles"].as_array() {
            Some(b) if !b.is_empty() => {
                let b = &b[0];
                let per_rules = b["python_rules"]
                    .as_array()
                    .and_then(|v| v.iter().find(|v| v["rules"] == rules))
                    .unwrap_or_else(|| panic!("{}: no verdict for {rules}: {b}", c.name));
                let causes: Vec<String> = b["causes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["cause"].as_str().unwrap().to_string())
                    .collect();
                let warnings = b["warnings"].to_string();
                // Never "verifies" overall where this Python fails.
                if !py_ok {
                    assert_ne!(b["status"], "verifies", "{}: {b}", c.name);
                }
                (per_rules["verifies"].as_bool().unwrap(), causes, warnings)
            }
            // No chain at all (e.g. a certificate message too large): the error's code.
            _ => (
                false,
                vec![doc["error"]["code"].as_str().unwrap_or("?").to_string()],
                doc["error"].to_string(),
            ),
        };
        report.push(format!(
            "{}: python {py_words}; certpatch {cp_ok} {causes:?}",
            c.name
        ));
        assert_eq!(
            cp_ok, py_ok,
            "{}: certpatch {causes:?}, python: {py_words}",
            c.name
        );
        if !py_ok {
            let want = c.cause.unwrap_or_else(|| {
                panic!(
                    "{}: python fails ({py_words}) but the case names no cause",
                    c.name
                )
            });
            assert!(
                causes.iter().any(|x| x == want),
                "{}: want cause {want}, got {causes:?} {warnings}",
                c.name
            );
            assert!(
                !out.status.success(),
                "{}: diagnose exits 0 where Python fails",
                c.name
            );
        }
        if let Some(w) = c.warning {
            assert!(
                warnings.contains(w),
                "{}: want warning {w:?}, got {warnings}",
                c.name
            );
        }
    }
    eprintln!("badssl suite ({rules}):\n{}", report.join("\n"));
}

/// A venv of `python` without pip whose certifi is a stub holding `bundle`'s certificates.
fn venv_with_bundle(sb: &Sandbox, python: &Path, bundle: &[u8]) -> std::path::PathBuf {
    let dir = sb.root().join("venv");
    crate::pyvenv::run_ok(
        StdCommand::new(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&dir),
        "python3 -m venv --without-pip",
    );
    let version = crate::pyvenv::run_ok(
        StdCommand::new(python).args([
            "-I",
            "-c",
            "import sys; print('%d.%d' % sys.version_info[:2])",
        ]),
        "python3 version",
    );
    let certifi = dir.join(format!(
        "lib/python{}/site-packages/certifi",
        version.trim()
    ));
    std::fs::create_dir_all(&certifi).unwrap();
    std::fs::write(
        certifi.join("__init__.py"),
        "import os\n\ndef where():\n    return os.path.join(os.path.dirname(__file__), 'cacert.pem')\n",
    )
    .unwrap();
    std::fs::write(certifi.join("core.py"), "from certifi import where\n").unwrap();
    std::fs::write(certifi.join("cacert.pem"), bundle).unwrap();
    dir
}

#[test]
fn diagnose_asks_the_targets_own_python_and_reports_it_beside_its_verdict() {
    let python = python3().expect("python3 on PATH");
    let r = root("badssl root");
    let i = int("badssl intermediate", &r);
    let good = make(
        Spec {
            cn: "localhost",
            ..Spec::default()
        },
        Some(&i),
    );
    let weak = make(
        Spec {
            cn: "localhost",
            bits: 1024,
            ..Spec::default()
        },
        Some(&i),
    );
    let sb = Sandbox::new();
    let venv = venv_with_bundle(&sb, &python, &pem(std::slice::from_ref(&r.cert)));
    for (leaf, connects) in [(&good, true), (&weak, false)] {
        let port = serve(&[&leaf.cert, &i.cert], &leaf.key, false);
        let out = sb
            .cmd()
            .args(["--json", "diagnose", &format!("localhost:{port}"), "--env"])
            .arg(&venv)
            .run_output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let b = &v["bundles"][0];
        assert_eq!(b["python"]["verifies"], connects, "{v:#}");
        assert_eq!(b["status"] == "verifies", connects, "{v:#}");
        assert_eq!(
            b["python_rules"].as_array().map(Vec::len),
            Some(1),
            "the venv's version is known: {v:#}"
        );
        let text = sb
            .cmd()
            .args(["diagnose", &format!("localhost:{port}"), "--env"])
            .arg(&venv)
            .run_output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&text.stdout).contains("confirmed by Python:"),
            "{}\n{}",
            String::from_utf8_lossy(&text.stdout),
            String::from_utf8_lossy(&text.stderr)
        );
    }
}
