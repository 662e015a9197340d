//! The `net` layer (capture, judge, the issuer walk) against servers on 127.0.0.1 made by
//! the test ([`crate::netlab`]), through the library's public API.

use std::time::Duration;

use rustls::pki_types::ServerName;

use crate::netlab::*;
use certpatch::bundle::Bundle;
use certpatch::net::capture::{capture, CaptureError, Timeouts};
use certpatch::net::endpoint::Endpoint;
use certpatch::net::issuers::{walk, Aia, End, Source};
use certpatch::net::judge::{judge, Cause, OsRoots};
use certpatch::x509::cert::Cert;
use certpatch::x509::clock::parse_at;

fn at() -> time::OffsetDateTime {
    parse_at("2026-06-01T00:00:00Z").unwrap()
}

fn local(port: u16) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port,
    }
}

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(10),
        handshake: Duration::from_secs(10),
    }
}

fn certs(ders: &[Vec<u8>]) -> Vec<Cert> {
    ders.iter().map(|d| Cert::from_der(d).unwrap()).collect()
}

fn bundle_of(root: &Issued) -> Bundle {
    Bundle::parse(root.pem().into_bytes())
}

fn ip() -> ServerName<'static> {
    ServerName::try_from("127.0.0.1").unwrap()
}

#[test]
fn a_leaf_only_server_is_captured_and_judged_missing_its_intermediate_with_the_aia_url() {
    let (root, int) = cas();
    let url = "http://127.0.0.1:9/int.der";
    let leaf = site_leaf(&int, url, VALID);
    let port = tls_server(vec![leaf.der()], &leaf.key);
    let got = capture(&local(port), quick()).unwrap();
    assert_eq!(got.chain, vec![leaf.der()]);
    let j = judge(
        &certs(&got.chain),
        &bundle_of(&root),
        Some(&ip()),
        at(),
        &OsRoots::default(),
    );
    assert!(!j.verifies);
    match &j.causes[..] {
        [Cause::MissingIssuer {
            issuer, ca_issuers, ..
        }] => {
            assert!(issuer.contains("certpatch Test Intermediate"), "{issuer}");
            assert_eq!(ca_issuers, &vec![url.to_string()]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_full_chain_server_verifies() {
    let (root, int) = cas();
    let leaf = site_leaf(&int, "http://127.0.0.1:9/x", VALID);
    let port = tls_server(vec![leaf.der(), int.der(), root.der()], &leaf.key);
    let got = capture(&local(port), quick()).unwrap();
    assert_eq!(got.chain.len(), 3);
    let j = judge(
        &certs(&got.chain),
        &bundle_of(&root),
        Some(&ip()),
        at(),
        &OsRoots::default(),
    );
    assert!(j.verifies, "{j:?}");
    // The same chain for another name: the name is the only cause.
    let other = ServerName::try_from("example.org").unwrap();
    let j = judge(
        &certs(&got.chain),
        &bundle_of(&root),
        Some(&other),
        at(),
        &OsRoots::default(),
    );
    assert!(
        matches!(&j.causes[..], [Cause::NameMismatch { .. }]),
        "{j:?}"
    );
    // Judged after the leaf's end: expired is the only cause.
    let late = parse_at("2032-01-01T00:00:00Z").unwrap();
    let j = judge(
        &certs(&got.chain),
        &bundle_of(&root),
        Some(&ip()),
        late,
        &OsRoots::default(),
    );
    assert!(
        matches!(&j.causes[..], [Cause::Expired { depth: 0, .. }]),
        "{j:?}"
    );
    // Against a bundle without the root: the root is not in the bundle.
    let other_root = crate::netlab::root("Another Root");
    let j = judge(
        &certs(&got.chain),
        &bundle_of(&other_root),
        Some(&ip()),
        at(),
        &OsRoots::default(),
    );
    assert!(
        matches!(&j.causes[..], [Cause::RootNotInBundle { depth: 2, .. }]),
        "{j:?}"
    );
}

#[test]
fn a_self_signed_leaf_is_named_as_such() {
    let me = self_signed_leaf("127.0.0.1");
    let port = tls_server(vec![me.der()], &me.key);
    let got = capture(&local(port), quick()).unwrap();
    let (root, _) = cas();
    let j = judge(
        &certs(&got.chain),
        &bundle_of(&root),
        Some(&ip()),
        at(),
        &OsRoots::default(),
    );
    assert!(
        matches!(&j.causes[..], [Cause::SelfSignedLeaf { .. }]),
        "{j:?}"
    );
}

#[test]
fn a_closed_port_and_a_plain_http_port_are_told_apart() {
    let e = capture(&local(closed_port()), quick()).unwrap_err();
    assert!(matches!(e, CaptureError::Refused { .. }), "{e}");
    let e = capture(&local(plain_http_port()), quick()).unwrap_err();
    assert!(matches!(e, CaptureError::NotTls { .. }), "{e:?}");
}

/// The intermediate as the AIA server may serve it.
pub struct Int {
    der: Vec<u8>,
    pem: String,
}

fn walk_with(
    answer: impl Fn(&str, &Int) -> Answer + Send + Sync + 'static,
) -> (
    Vec<certpatch::net::issuers::Found>,
    End,
    Vec<certpatch::net::aia::Attempt>,
    usize,
) {
    let (root, int) = cas();
    let int2 = Int {
        der: int.der(),
        pem: int.pem(),
    };
    let (port, hits) = http_server(move |path| answer(path, &int2));
    let leaf = site_leaf(&int, &format!("http://127.0.0.1:{port}/int"), VALID);
    let chain = certs(&[leaf.der()]);
    let mut aia = Aia::default();
    aia.fetcher.timeout = Duration::from_secs(3);
    let mut sources: Vec<Box<dyn Source>> = vec![Box::new(aia)];
    let (found, end) = walk(&chain, &bundle_of(&root), &mut sources);
    let attempts = sources[0].attempts();
    (
        found,
        end,
        attempts,
        hits.load(std::sync::atomic::Ordering::SeqCst),
    )
}

#[test]
fn the_intermediate_is_fetched_as_der_or_pkcs7_and_must_sign_the_leaf() {
    let (found, end, _, _) = walk_with(|_, int| Answer::Body(int.der.clone()));
    assert_eq!(end, End::Anchored);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].source, "AIA");
    let (found, end, _, _) =
        walk_with(|_, int| Answer::Body(pkcs7(std::slice::from_ref(&int.der))));
    assert_eq!(end, End::Anchored);
    assert_eq!(found.len(), 1);
    let (found, end, _, _) = walk_with(|_, int| Answer::Body(int.pem.clone().into_bytes()));
    assert_eq!((found.len(), end), (1, End::Anchored));
}

#[test]
fn bad_aia_answers_are_refused_with_their_reason() {
    type Answers = Box<dyn Fn(&str, &Int) -> Answer + Send + Sync>;
    let cases: Vec<(&str, Answers)> = vec![
        (
            "too-large",
            Box::new(|_, _| Answer::Body(vec![0x30; 65 * 1024])),
        ),
        (
            "not-certificates",
            Box::new(|_, _| Answer::Body(b"<html>hello</html>".to_vec())),
        ),
        ("http-status", Box::new(|_, _| Answer::Status(404))),
        ("timed-out", Box::new(|_, _| Answer::Slow)),
        ("wrong-signer", Box::new(|_, _| Answer::Body(cas().1.der()))),
    ];
    for (code, answer) in cases {
        let (found, end, attempts, hits) = walk_with(answer);
        assert!(found.is_empty(), "{code}");
        assert!(matches!(end, End::NotFound(_)), "{code}");
        assert_eq!(attempts.len(), 1, "{code}: {attempts:?}");
        assert_eq!(attempts[0].outcome, code, "{attempts:?}");
        assert_eq!(hits, 1, "{code}");
    }
}

#[test]
fn an_aia_redirect_is_not_followed_to_any_host() {
    // The issuer is really served elsewhere: the redirect is refused, never fetched.
    let (root, int) = cas();
    let der = int.der();
    let (elsewhere, elsewhere_hits) = http_server(move |_| Answer::Body(der.clone()));
    for to in [
        format!("http://localhost:{elsewhere}/int"),
        format!("http://127.0.0.1:{elsewhere}/int"),
    ] {
        let to2 = to.clone();
        let (found, end, attempts, hits) = walk_with(move |_, _| Answer::Redirect(to2.clone()));
        assert!(found.is_empty(), "{to}");
        assert!(matches!(end, End::NotFound(_)), "{end:?}");
        assert_eq!(attempts.len(), 1, "{attempts:?}");
        assert_eq!(attempts[0].outcome, "redirect", "{attempts:?}");
        assert!(attempts[0].detail.contains(&to), "{attempts:?}");
        assert_eq!(hits, 1);
    }
    assert_eq!(
        elsewhere_hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the redirect's target was never asked"
    );
    drop(root);
}

/// A chain of `n` intermediates above the leaf, each naming the next one's URL on one
/// AIA server (`/k`), under a root no bundle holds; `loop_back` makes the top one name
/// the first one's URL again. Returns the walk's result and the server's hit count.
fn endless(n: usize, loop_back: bool) -> (Vec<certpatch::net::issuers::Found>, End, usize) {
    use std::sync::{Arc, Mutex};
    let served: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let s = served.clone();
    let (port, hits) = http_server(move |path| {
        let k: usize = path.trim_start_matches('/').parse().unwrap_or(0);
        match s.lock().unwrap().get(k) {
            Some(der) => Answer::Body(der.clone()),
            None => Answer::Status(404),
        }
    });
    let url = |k: usize| format!("http://127.0.0.1:{port}/{k}");
    let top_root = crate::netlab::root("Unreachable Root");
    // cas[k] is served at /k and issued by cas[k+1]; built from the top down.
    let mut built: Vec<Issued> = Vec::new();
    for k in (0..n).rev() {
        let aia = if k + 1 < n {
            url(k + 1)
        } else if loop_back {
            url(0)
        } else {
            url(n)
        };
        let issuer = built.last().unwrap_or(&top_root);
        let c = intermediate(&format!("Int {k}"), issuer, Some(&aia));
        built.push(c);
    }
    built.reverse();
    *served.lock().unwrap() = built.iter().map(|c| c.der()).collect();
    let leaf = site_leaf(&built[0], &url(0), VALID);
    let (root, _) = cas();
    let mut sources: Vec<Box<dyn Source>> = vec![Box::new(Aia::default())];
    let (found, end) = walk(&certs(&[leaf.der()]), &bundle_of(&root), &mut sources);
    (found, end, hits.load(std::sync::atomic::Ordering::SeqCst))
}

#[test]
fn the_walk_stops_after_five_fetches_and_never_loops() {
    let (found, end, hits) = endless(8, false);
    assert!(matches!(end, End::NotFound(_)), "{end:?}");
    assert_eq!(found.len(), 5);
    assert_eq!(hits, 5, "at most 5 fetches per run");
    let (found, end, hits) = endless(2, true);
    assert!(matches!(end, End::NotFound(_)), "{end:?}");
    assert_eq!(found.len(), 2);
    assert_eq!(hits, 2, "the URL named again is not fetched again");
}

/// A server on 127.0.0.1 that reads the ClientHello and answers with `reply` (then closes).
fn answering(reply: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
        }
    });
    port
}

#[test]
fn a_version_mismatch_and_a_closed_handshake_are_told_apart() {
    // A TLS alert record: fatal protocol_version, as an old TLS 1.0-only server answers.
    let e = capture(
        &local(answering(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])),
        quick(),
    )
    .unwrap_err();
    assert!(matches!(e, CaptureError::Mismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("hint:"));
    let e = capture(&local(answering(b"")), quick()).unwrap_err();
    assert!(matches!(e, CaptureError::Closed { .. }), "{e:?}");
}

/// A server on 127.0.0.1 that reads what arrives, sends `head`, then one byte of
/// `drip` every 200 ms (about 16 s for 80 bytes) and closes: always busy, never done.
fn dripping(head: &'static [u8], drip: u8) -> u16 {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                if s.write_all(head).is_err() {
                    return;
                }
                for _ in 0..80 {
                    std::thread::sleep(Duration::from_millis(200));
                    if s.write_all(&[drip]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn short_deadline() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(10),
        handshake: Duration::from_secs(1),
    }
}

#[test]
fn a_server_sending_a_byte_at_a_time_ends_with_the_time_limit() {
    // A TLS handshake record announcing 16 KiB, then its body a byte at a time.
    let port = dripping(&[0x16, 0x03, 0x03, 0x40, 0x00], 0);
    let e = capture(&local(port), short_deadline()).unwrap_err();
    assert!(matches!(e, CaptureError::TimedOut { .. }), "{e:?}");
}

#[test]
fn a_proxy_answering_connect_a_byte_at_a_time_ends_with_the_time_limit() {
    // An endless header line: the proxy's answer to CONNECT never ends.
    let port = dripping(b"HTTP/1.1 200 ", b'x');
    let proxy = certpatch::net::proxy::Proxy {
        variable: "HTTPS_PROXY",
        authority: format!("127.0.0.1:{port}"),
        credentials: None,
    };
    let e = certpatch::net::capture::capture_via(
        &local(closed_port()),
        None,
        Some(proxy),
        short_deadline(),
    )
    .unwrap_err();
    assert!(matches!(e, CaptureError::TimedOut { .. }), "{e:?}");
}

#[test]
fn a_known_bad_root_fails_the_chain_by_name_wherever_it_is() {
    use certpatch::net::judge::{judge_for, Flagged};
    use certpatch::net::pyssl::Rules;
    let (root, int) = cas();
    let leaf = site_leaf(&int, "http://127.0.0.1:9/x", VALID);
    let chain = certs(&[leaf.der(), int.der()]);
    let root_cert = Cert::from_der(&root.der()).unwrap();
    let flag = |c: &Cert| {
        (c.spki_raw == root_cert.spki_raw).then(|| Flagged {
            name: "test interception root".into(),
        })
    };
    let rules = Rules::for_target(None);
    // In the bundle: the chain verifies by OpenSSL and webpki, and is still refused.
    let j = judge_for(
        &chain,
        &bundle_of(&root),
        Some(&ip()),
        at(),
        &OsRoots::default(),
        &rules,
        &flag,
    );
    assert!(!j.verifies, "{j:?}");
    assert!(
        matches!(&j.causes[..], [Cause::KnownBadRoot { depth: 2, name, .. }] if name == "test interception root"),
        "{:?}",
        j.causes
    );
    // Only in the OS store: named, and never offered as a proxy root to add.
    let other = bundle_of(&cas().0);
    let os = OsRoots::from_certs(vec![root_cert.clone()]);
    let j = judge_for(&chain, &other, Some(&ip()), at(), &os, &rules, &flag);
    assert!(!j.verifies);
    assert!(
        j.causes
            .iter()
            .any(|c| matches!(c, Cause::KnownBadRoot { .. })),
        "{:?}",
        j.causes
    );
    assert!(
        !j.causes
            .iter()
            .any(|c| matches!(c, Cause::RootNotInBundle { .. })),
        "{:?}",
        j.causes
    );
    // Not flagged: the same chain verifies.
    let j = judge_for(
        &chain,
        &bundle_of(&root),
        Some(&ip()),
        at(),
        &OsRoots::default(),
        &rules,
        &|_| None,
    );
    assert!(j.verifies, "{:?}", j.causes);
}

#[cfg(unix)] // OpenSSL's verdict (Python's) is not built on Windows
#[test]
fn the_python_verdict_depends_on_the_version_only_where_strict_mode_bites() {
    use certpatch::net::pyssl::{verify, Rules};
    let (root, int) = cas();
    let leaf = site_leaf(&int, "http://127.0.0.1:9/x", VALID);
    let chain = certs(&[leaf.der(), int.der()]);
    let anchors = certs(&[root.der()]);
    for rules in [Rules::Before313, Rules::Strict313] {
        let v = verify(&chain, &anchors, Some("127.0.0.1"), at(), rules).expect("OpenSSL built in");
        assert!(v.verifies, "{v:?}");
        // The wrong name fails under both, with OpenSSL's code.
        let v = verify(&chain, &anchors, Some("other.example"), at(), rules).unwrap();
        assert_eq!(
            (v.verifies, v.code),
            (false, certpatch::net::pyssl::code::HOSTNAME_MISMATCH)
        );
        // One second after notAfter fails; judged at notAfter itself it still verifies
        // only if OpenSSL says so (exact time, no rounding by certpatch).
        let late = Cert::from_der(&leaf.der()).unwrap().not_after + time::Duration::seconds(1);
        let v = verify(&chain, &anchors, Some("127.0.0.1"), late, rules).unwrap();
        assert_eq!(
            (v.verifies, v.code),
            (false, certpatch::net::pyssl::code::CERT_HAS_EXPIRED)
        );
    }
    // Only the intermediate is anchored: Python 3.13's partial chain accepts it, older
    // Python does not.
    let only_int = certs(&[int.der()]);
    let chain = certs(&[leaf.der()]);
    assert!(
        !verify(&chain, &only_int, Some("127.0.0.1"), at(), Rules::Before313)
            .unwrap()
            .verifies
    );
    assert!(
        verify(&chain, &only_int, Some("127.0.0.1"), at(), Rules::Strict313)
            .unwrap()
            .verifies
    );
}
