//! Every refusal: each reason of the contract's "What a refusal protects", with its JSON
//! code, the bundle left byte for byte as it was, and no backup taken.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// Runs `check` and `add` (text and `--json`) of `file` against `bundle_src` and asserts the
/// refusal: exit 1 each time, the bundle's bytes unchanged, no backup, and every code of
/// `want` among the reasons of certificate `cert`. Returns the `add --json` document.
fn assert_refused_with(
    bundle_src: &[u8],
    file: &Path,
    cert: &Path,
    want: &[&str],
    extra: &[&str],
) -> Value {
    let sb = Sandbox::new();
    let bundle = sb.write_bundle("cacert.pem", bundle_src);
    let sha = fp(cert);

    for cmd in ["check", "add"] {
        let text = sb
            .cmd()
            .arg(cmd)
            .arg(file)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK])
            .args(extra)
            .run_output()
            .unwrap();
        assert_exit(&text, 1, &format!("{cmd} {}", file.display()));
        assert!(
            !stderr(&text).trim().is_empty(),
            "{cmd}: a refusal explains itself on stderr"
        );
        assert_file_is(
            &bundle,
            bundle_src,
            &format!("{cmd} refused: bundle unchanged"),
        );
    }

    let out = sb
        .cmd()
        .args(["add", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(file)
        .args(extra)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "add --json");
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["bundles"][0]["status"], "refused", "{v:#}");
    assert_eq!(
        v["bundles"][0]["added"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0,
        "nothing added"
    );
    let entry = cert_entry(&v, &sha);
    assert_eq!(entry["decision"], "refused", "{entry:#}");
    let got: Vec<&str> = entry["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for w in want {
        assert!(got.contains(w), "reason `{w}` expected among {got:?}");
    }
    for r in entry["reasons"].as_array().unwrap() {
        assert!(
            !r["message"].as_str().unwrap_or("").is_empty(),
            "every reason has a message"
        );
    }

    let check = sb
        .cmd()
        .args(["check", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(file)
        .args(extra)
        .run_output()
        .unwrap();
    assert_exit(&check, 1, "check --json");
    let c = json(&check);
    assert_eq!(c["bundles"][0]["status"], "refused");
    let check_codes: Vec<&str> = cert_entry(&c, &sha)["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(check_codes, got, "check and add give the same reasons");

    assert_file_is(&bundle, bundle_src, "bundle unchanged after every refusal");
    assert!(!sb.backups_exist(), "a refusal takes no backup");
    assert_eq!(
        sb.bundle_dir_entries(),
        vec!["cacert.pem"],
        "nothing beside the bundle"
    );
    v
}

fn refused(name: &str, want: &[&str]) -> Value {
    let f = gen(name);
    assert_refused_with(&test_bundle_bytes(), &f, &f, want, &[])
}

fn refused_real(name: &str, want: &[&str]) -> Value {
    let f = real(name);
    assert_refused_with(&read(real(CERTIFI)), &f, &f, want, &[])
}

#[test]
fn refuses_basic_constraints_ca_false_as_not_ca() {
    refused("int-bc-false.pem", &["not-ca"]);
}

#[test]
fn refuses_missing_basic_constraints_as_not_ca() {
    refused("int-no-bc.pem", &["not-ca"]);
}

#[test]
fn refuses_a_leaf_as_not_ca() {
    refused("leaf.pem", &["not-ca"]);
}

#[test]
fn refuses_missing_key_cert_sign() {
    refused("int-no-keycertsign.pem", &["no-key-cert-sign"]);
}

#[test]
fn refuses_missing_key_usage_as_no_key_cert_sign() {
    refused("int-no-ku.pem", &["no-key-cert-sign"]);
}

#[test]
fn refuses_expired() {
    refused("int-expired.pem", &["expired"]);
}

#[test]
fn refuses_real_expired_r3() {
    refused_real("le-r3-expired.pem", &["expired"]);
}

#[test]
fn refuses_not_yet_valid() {
    refused("int-not-yet-valid.pem", &["not-yet-valid"]);
}

#[test]
fn refuses_md5_signature() {
    refused("int-md5.pem", &["weak-signature"]);
}

#[test]
fn refuses_sha1_signature() {
    refused("int-sha1.pem", &["weak-signature"]);
}

#[test]
fn refuses_rsa_key_under_2048_bits() {
    refused("int-rsa1024.pem", &["weak-key"]);
}

#[test]
fn refuses_self_signed_root_without_allow_root() {
    refused("self-signed-root.pem", &["self-signed-root"]);
}

#[test]
fn refuses_wrong_signature_even_when_issuer_name_matches() {
    // int-wrong-sig names test-root as issuer (DN and AKI) but was signed by another key.
    refused("int-wrong-sig.pem", &["bad-signature"]);
}

#[test]
fn refuses_unknown_issuer_and_names_it() {
    let v = refused("int-unknown-issuer.pem", &["issuer-missing"]);
    let sha = fp(&gen("int-unknown-issuer.pem"));
    let msg = cert_entry(&v, &sha)["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "issuer-missing")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("certpatch Unknown Root"),
        "message names the issuer: {msg}"
    );

    // The text form names it too.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add(gen("int-unknown-issuer.pem"), &bundle, &[]);
    assert_exit(&out, 1, "add int-unknown-issuer");
    assert!(
        stderr(&out).contains("certpatch Unknown Root"),
        "stderr names the missing issuer: {}",
        stderr(&out)
    );
}

#[test]
fn refuses_intermediate_whose_root_is_not_in_that_bundle() {
    // int-good chains to test-root, which the plain certifi bundle lacks.
    let f = gen("int-good.pem");
    let v = assert_refused_with(&read(real(CERTIFI)), &f, &f, &["issuer-missing"], &[]);
    let msg = v["bundles"][0]["certificates"][0]["reasons"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        msg.contains("certpatch Test Root CA"),
        "names the issuer: {msg}"
    );
}

#[test]
fn refuses_real_ocsp_signer_with_every_reason() {
    // Not a CA and expired at the test clock: both reasons are reported, not just the first.
    refused_real("isrg-root-ocsp-x1.pem", &["not-ca", "expired"]);
}

#[test]
fn refuses_md5_and_rsa1024_reasons_together_when_both_apply() {
    // A file with two bad certificates: each one's reason is reported.
    let sb = Sandbox::new();
    let mut both = read(gen("int-md5.pem"));
    both.extend(read(gen("int-rsa1024.pem")));
    let input = sb.file("two-bad.pem", &both);
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb
        .cmd()
        .args(["add", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(&input)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "add two bad certificates");
    let v = json(&out);
    let md5 = cert_entry(&v, &fp(&gen("int-md5.pem")));
    let rsa = cert_entry(&v, &fp(&gen("int-rsa1024.pem")));
    assert!(
        md5["reasons"].to_string().contains("weak-signature"),
        "{md5:#}"
    );
    assert!(rsa["reasons"].to_string().contains("weak-key"), "{rsa:#}");
    assert_file_is(&bundle, &before, "bundle unchanged");
}

#[test]
fn at_moves_the_clock() {
    // int-expiring ends 2026-06-15: accepted at the test clock, expired a month later.
    let f = gen("int-expiring.pem");
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let later = sb
        .cmd()
        .args([
            "check",
            "--json",
            "--at",
            "2026-07-01T00:00:00Z",
            "--bundle",
        ])
        .arg(&bundle)
        .arg(&f)
        .run_output()
        .unwrap();
    assert_exit(&later, 1, "int-expiring a month later");
    assert_eq!(codes(&json(&later), "reasons", 0), vec!["expired"]);

    // int-not-yet-valid starts 2030: accepted then.
    let future = sb
        .cmd()
        .args(["check", "--at", "2031-01-01T00:00:00Z", "--bundle"])
        .arg(&bundle)
        .arg(gen("int-not-yet-valid.pem"))
        .run_output()
        .unwrap();
    assert_exit(&future, 0, "int-not-yet-valid in 2031");
    assert_file_is(&bundle, &before, "check writes nothing");
}

// ---------------------------------------------------------------------------------------
// Input-level refusals: the whole FILE is refused before any bundle is considered.

/// `add` (text and JSON) of `file` exits 1 with error code `code`, the bundle unchanged.
fn assert_input_refused(file: &Path, code: &str) -> Sandbox {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let text = sb.add(file, &bundle, &[]);
    assert_exit(&text, 1, &format!("add {}", file.display()));
    assert!(
        !stderr(&text).trim().is_empty(),
        "the failure is explained on stderr"
    );
    let out = sb.add(file, &bundle, &["--json"]);
    assert_exit(&out, 1, &format!("add --json {}", file.display()));
    let v = json(&out);
    assert_eq!(v["ok"], false, "{v:#}");
    assert_eq!(v["error"]["code"], code, "{v:#}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(v["bundles"], Value::Array(vec![]), "{v:#}");
    let check = sb
        .cmd()
        .args(["check", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(file)
        .run_output()
        .unwrap();
    assert_exit(&check, 1, "check");
    assert_file_is(&bundle, &before, "bundle unchanged");
    assert!(!sb.backups_exist(), "no backup for a refused input");
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);
    sb
}

#[test]
fn refuses_truncated_pem_as_malformed() {
    assert_input_refused(&gen("truncated.pem"), "malformed");
}

#[test]
fn refuses_truncated_der_as_malformed() {
    assert_input_refused(&gen("truncated-der.der"), "malformed");
}

#[test]
fn refuses_bad_base64_as_malformed() {
    assert_input_refused(&gen("bad-base64.pem"), "malformed");
}

#[test]
fn refuses_mismatched_begin_end_labels_as_malformed() {
    assert_input_refused(&gen("mismatched-labels.pem"), "malformed");
}

#[test]
fn refuses_der_that_is_not_a_certificate_as_malformed() {
    assert_input_refused(&gen("garbage-der.pem"), "malformed");
}

#[test]
fn refuses_text_without_certificate() {
    assert_input_refused(&gen("no-cert.txt"), "no-certificate");
}

#[test]
fn refuses_empty_file() {
    assert_input_refused(&gen("empty.pem"), "no-certificate");
}

#[test]
fn refuses_certificate_request() {
    assert_input_refused(&gen("csr.pem"), "no-certificate");
}

#[test]
fn refuses_oversized_input() {
    let sb = Sandbox::new();
    let mut big = read(gen("int-good.pem"));
    let filler = b"# filler line: this input is far larger than any certificate file\n";
    while big.len() < 16 * 1024 * 1024 {
        big.extend_from_slice(filler);
    }
    let f = sb.file("huge.pem", &big);
    assert_input_refused(&f, "too-large");
}

#[test]
fn missing_file_is_a_failure_exit_1() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let missing = sb.root().join("no-such-file.pem");
    for cmd in ["check", "add"] {
        let out = sb
            .cmd()
            .arg(cmd)
            .arg(&missing)
            .args(["--at", TEST_CLOCK, "--bundle"])
            .arg(&bundle)
            .run_output()
            .unwrap();
        assert_exit(&out, 1, &format!("{cmd} missing FILE"));
        assert!(
            stderr(&out).contains("no-such-file.pem"),
            "{cmd}: the error names the file: {}",
            stderr(&out)
        );
    }
    let out = sb.add(&missing, &bundle, &["--json"]);
    assert_exit(&out, 1, "add --json missing FILE");
    assert_eq!(json(&out)["error"]["code"], "unreadable");
    assert_file_is(&bundle, &before, "bundle unchanged");
}

#[test]
fn directory_as_file_is_a_failure_exit_1() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.add(sb.root(), &bundle, &[]);
    assert_exit(&out, 1, "add DIRECTORY");
    assert_file_is(&bundle, &before, "bundle unchanged");
}

#[test]
fn missing_bundle_is_a_failure_exit_1() {
    let sb = Sandbox::new();
    let missing = sb.bundle_dir().join("nope.pem");
    let out = sb.add(gen("int-good.pem"), &missing, &[]);
    assert_exit(&out, 1, "add to a missing bundle");
    assert!(
        stderr(&out).contains("nope.pem"),
        "names the bundle: {}",
        stderr(&out)
    );
    assert!(!missing.exists(), "a missing bundle is not created");
}

// ---------------------------------------------------------------------------------------
// Private keys: refused, never echoed, copied or stored.

/// The base64 lines of every `... PRIVATE KEY` block of a fixture.
fn key_lines(file: &Path) -> Vec<String> {
    let text = String::from_utf8(read(file)).unwrap();
    let mut inside = false;
    let mut lines = Vec::new();
    for l in text.lines() {
        if l.starts_with("-----BEGIN") && l.contains("PRIVATE KEY") {
            inside = true;
        } else if l.starts_with("-----END") {
            inside = false;
        } else if inside && l.len() >= 16 && !l.contains(':') {
            lines.push(l.to_string());
        }
    }
    assert!(!lines.is_empty(), "{} holds a key", file.display());
    lines
}

fn assert_key_refused_and_never_echoed(name: &str) {
    let file = gen(name);
    let keys = key_lines(&file);
    let sb = assert_input_refused(&file, "private-key");
    let bundle = sb.bundle_dir().join("cacert.pem");

    let mut outputs = Vec::new();
    for args in [
        vec!["add"],
        vec!["add", "--json"],
        vec!["check"],
        vec!["check", "--json"],
        vec!["add", "--dry-run"],
    ] {
        let out = sb
            .cmd()
            .args(&args)
            .arg(&file)
            .args(["--at", TEST_CLOCK, "--bundle"])
            .arg(&bundle)
            .run_output()
            .unwrap();
        assert_exit(&out, 1, &format!("{args:?} {name}"));
        outputs.push(out);
    }
    // And from standard input.
    let out = sb
        .cmd()
        .args(["add", "-", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .write_stdin(read(&file))
        .run_output()
        .unwrap();
    assert_exit(&out, 1, &format!("add - < {name}"));
    outputs.push(out);

    for out in &outputs {
        let all = format!("{}{}", stdout(out), stderr(out));
        for k in &keys {
            assert!(
                !all.contains(k.as_str()),
                "{name}: key material echoed: {k}"
            );
        }
        assert!(
            !all.contains("PRIVATE KEY-----"),
            "{name}: key block echoed"
        );
    }
    // Nothing of the key reached the bundle or certpatch's home.
    let mut stored = vec![bundle.clone()];
    stored.extend(files_under(&sb.home()));
    for f in stored {
        let text = String::from_utf8_lossy(&read(&f)).into_owned();
        for k in &keys {
            assert!(
                !text.contains(k.as_str()),
                "key material stored in {}",
                f.display()
            );
        }
    }
    assert!(!sb.backups_exist(), "no backup was taken");
}

#[test]
fn private_key_after_certificate_is_refused_and_never_echoed() {
    assert_key_refused_and_never_echoed("with-key.pem");
}

#[test]
fn traditional_rsa_key_before_certificate_is_refused_and_never_echoed() {
    assert_key_refused_and_never_echoed("key-first.pem");
}

#[test]
fn ec_private_key_is_refused_and_never_echoed() {
    assert_key_refused_and_never_echoed("ec-key.pem");
}

#[test]
fn encrypted_private_key_is_refused_and_never_echoed() {
    assert_key_refused_and_never_echoed("encrypted-key.pem");
}

#[test]
fn one_refused_certificate_refuses_the_whole_input() {
    // int-good alone would be accepted; with int-expired in the same file nothing is added.
    let sb = Sandbox::new();
    let mut both = read(gen("int-good.pem"));
    both.extend(read(gen("int-expired.pem")));
    let input = sb.file("good-and-expired.pem", &both);
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.add(&input, &bundle, &["--json"]);
    assert_exit(&out, 1, "add good + expired");
    let v = json(&out);
    assert_eq!(v["bundles"][0]["status"], "refused", "{v:#}");
    assert_eq!(
        cert_entry(&v, &fp(&gen("int-expired.pem")))["decision"],
        "refused"
    );
    assert_file_is(&bundle, &before, "whole input refused: bundle unchanged");
    assert!(!sb.backups_exist());
}

#[test]
fn der_private_key_is_refused_and_never_echoed() {
    let sb = Sandbox::new();
    let key = pem::parse(read(gen("int-good.key"))).unwrap();
    let key_der = key.contents().to_vec();
    let input = sb.file("key.der", &key_der);
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.add(&input, &bundle, &["--json"]);
    assert_exit(&out, 1, "add a DER private key");
    assert_eq!(json(&out)["error"]["code"], "private-key");
    let text = sb.add(&input, &bundle, &[]);
    assert_exit(&text, 1, "add a DER private key (text)");
    let all = format!(
        "{}{}{}{}",
        stdout(&out),
        stderr(&out),
        stdout(&text),
        stderr(&text)
    );
    let b64 = pem::encode(&key);
    for line in b64.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!all.contains(line), "key material echoed: {line}");
    }
    assert!(
        !all.contains(&hex(&key_der[..32])),
        "key bytes echoed as hex"
    );
    assert_file_is(&bundle, &before, "bundle unchanged");
    assert!(!sb.backups_exist());
}

#[test]
fn openssh_and_indented_private_keys_are_refused() {
    let cert = read(gen("int-good.pem"));
    let key_text = String::from_utf8(read(gen("int-good.key"))).unwrap();
    let openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\n\
                   b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
                   -----END OPENSSH PRIVATE KEY-----\n"
        .to_string();
    let indented: String = key_text.lines().map(|l| format!("    {l}\n")).collect();
    for (name, key) in [("openssh.pem", openssh), ("indented-key.pem", indented)] {
        let sb = Sandbox::new();
        let mut input = cert.clone();
        input.extend_from_slice(key.as_bytes());
        let f = sb.file(name, &input);
        let bundle = sb.test_bundle();
        let before = read(&bundle);
        let out = sb.add(&f, &bundle, &["--json"]);
        assert_exit(&out, 1, name);
        assert_eq!(json(&out)["error"]["code"], "private-key", "{name}");
        let all = format!("{}{}", stdout(&out), stderr(&out));
        for l in key
            .lines()
            .map(str::trim)
            .filter(|l| l.len() > 20 && !l.starts_with("---"))
        {
            assert!(!all.contains(l), "{name}: key echoed");
        }
        assert_file_is(&bundle, &before, "bundle unchanged");
    }
}

#[test]
fn at_accepts_rfc3339_with_offset() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb
        .cmd()
        .args(["check", "--at", "2026-06-01T02:00:00+02:00", "--bundle"])
        .arg(&bundle)
        .arg(gen("int-good.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "--at with an offset");
}

#[cfg(unix)] // a symbolic link (creating one on Windows needs a privilege)
#[test]
fn dangling_symlink_or_directory_as_bundle_is_exit_1() {
    let sb = Sandbox::new();
    let link = sb.bundle_dir().join("cacert.pem");
    std::os::unix::fs::symlink(sb.root().join("gone.pem"), &link).unwrap();
    let out = sb.add(gen("int-good.pem"), &link, &[]);
    assert_exit(&out, 1, "add to a dangling symlink");
    assert!(!sb.root().join("gone.pem").exists(), "no bundle created");

    let out = sb.add(gen("int-good.pem"), &sb.bundle_dir(), &[]);
    assert_exit(&out, 1, "add to a directory");
}

// ---------------------------------------------------------------------------------------
// From the third adversarial round (acceptance rules).

#[test]
fn refuses_an_rsa_pss_key_under_2048_bits() {
    let f = gen("int-rsapss-1024.pem");
    let v = assert_refused_with(&test_bundle_bytes(), &f, &f, &["weak-key"], &[]);
    let key = cert_entry(&v, &fp(&f))["key"].as_str().unwrap().to_string();
    assert!(key.contains("RSA-PSS 1024 bits"), "{key}");
}

#[test]
fn an_rsa_pss_signature_it_cannot_check_is_unverifiable_not_forged() {
    let f = gen("int-pss-salt-default.pem");
    let v = assert_refused_with(
        &test_bundle_bytes(),
        &f,
        &f,
        &["signature-unverifiable"],
        &[],
    );
    let codes: Vec<String> = codes(&v, "reasons", 0);
    assert!(!codes.contains(&"bad-signature".to_string()), "{codes:?}");
}

#[test]
fn an_rsa_pss_signature_with_digest_length_salt_is_accepted() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-pss-salt-digest.pem"), &bundle, &[]);
    assert_eq!(patch_count(&read(&bundle)), 1);
}

#[test]
fn an_input_issuer_that_does_not_sign_is_a_bad_signature() {
    // The input holds the test root (accepted with --allow-root, so it chains) and
    // int-wrong-sig, which names the test root as issuer but was signed by another key.
    let mut input = read(gen("test-root.pem"));
    input.extend(read(gen("int-wrong-sig.pem")));
    let sb = Sandbox::new();
    let file = sb.file("root-and-wrong.pem", &input);
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let out = sb.add(&file, &bundle, &["--json", "--allow-root"]);
    assert_exit(&out, 1, "input issuer that does not sign");
    let v = json(&out);
    let entry = cert_entry(&v, &fp(&gen("int-wrong-sig.pem")));
    let got: Vec<&str> = entry["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["bad-signature"], "{entry:#}");
}

/// Regression (contract sweep): a refused input was named by its base name only (`zero`
/// is larger than 4 MiB, `key.pem` holds a private key), which left the user guessing
/// which folder. Every refusal of a file names its whole path; the patch header keeps
/// the base name (`add` of a good file from the same folder shows it in `list`).
#[test]
fn a_refused_input_file_is_named_by_its_whole_path() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let dir = sb.root().join("exports of ops");
    std::fs::create_dir(&dir).unwrap();
    let mut big = read(gen("int-good.pem"));
    big.resize(5 * 1024 * 1024, b'\n');
    let cases = [
        ("key.pem", read(gen("key-first.pem")), "private-key"),
        ("empty.pem", Vec::new(), "no-certificate"),
        ("notes.txt", b"just some text\n".to_vec(), "no-certificate"),
        ("csr.pem", read(gen("csr.pem")), "no-certificate"),
        (
            "cut.pem",
            read(gen("int-good.pem"))[..300].to_vec(),
            "malformed",
        ),
        ("big.pem", big, "too-large"),
        ("ca.p12", read(gen("int-good.p12")), "private-key"),
    ];
    for (name, bytes, code) in cases {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let out = sb
            .cmd()
            .args(["check", "--at", TEST_CLOCK, "--bundle"])
            .arg(&bundle)
            .arg(&file)
            .run_output()
            .unwrap();
        assert_exit(&out, 1, name);
        let shown = file.to_string_lossy().into_owned();
        assert!(
            stderr(&out).contains(&format!("`{shown}`")),
            "{name}: the message names `{shown}`: {}",
            stderr(&out)
        );
        let v = json(&sb.add(&file, &bundle, &["--json"]));
        assert_eq!(v["error"]["code"], code, "{v:#}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(&shown),
            "{name}: the JSON message names the path too: {v:#}"
        );
    }
    let good = dir.join("int-good.pem");
    std::fs::copy(gen("int-good.pem"), &good).unwrap();
    sb.add_ok(&good, &bundle, &[]);
    let after = String::from_utf8(read(&bundle)).unwrap();
    let header = after
        .lines()
        .find(|l| l.starts_with("# certpatch:"))
        .unwrap();
    assert!(
        header.ends_with(" from int-good.pem"),
        "the patch header keeps the base name: {header}"
    );
}

/// A file that holds no certificate: the hint says what to give (`check`/`add` want the
/// CA certificate).
#[test]
fn a_file_without_a_certificate_says_what_to_give() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add(gen("empty.pem"), &bundle, &[]);
    assert_exit(&out, 1, "add empty.pem");
    let err = stderr(&out);
    assert!(err.contains("holds no certificate"), "{err}");
    assert!(
        err.contains("hint: give a file holding the CA certificate"),
        "{err}"
    );
}

/// Regression (contract sweep): standard input that is a folder (`check - < DIR`) got
/// the hint "give `-`", which is what was given. It now says what `-` reads and how.
#[cfg(unix)]
#[test]
fn standard_input_that_is_a_folder_gets_a_hint_that_fits() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb
        .std_cmd()
        .args(["check", "-", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .stdin(std::fs::File::open(sb.root()).unwrap())
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "check - < DIR");
    let err = stderr(&out);
    assert!(err.contains("cannot read standard input"), "{err}");
    assert!(
        !err.contains("give `-`"),
        "no hint to do what was done: {err}"
    );
    assert!(err.contains("redirect a certificate file into it"), "{err}");
    let out = sb
        .std_cmd()
        .args(["check", "-", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .stdin(std::fs::File::open(sb.root()).unwrap())
        .run_output()
        .unwrap();
    assert_eq!(json(&out)["error"]["code"], "unreadable");
}
