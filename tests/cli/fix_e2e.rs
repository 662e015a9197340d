//! End to end for `fix` (issue 9), as a user lives it: a real venv with the real `certifi`
//! and `requests` from the package registry, a rustls server on 127.0.0.1 that sends only
//! its leaf (whose AIA names a local HTTP server holding the intermediate), `requests`
//! failing, `certpatch fix` fetching, checking and adding the intermediate and confirming
//! with the venv's own Python, `requests` succeeding, and `remove --all` giving both
//! bundles back byte for byte.
//! Needs `python3` and PyPI (feature `test-pypi`, on by default): without them it fails,
//! naming what is missing.

use std::process::Command;

use crate::common::require_python3;
use crate::netlab::*;
use crate::pyvenv::{make_venv, venv_bundles, CA_OVERRIDES};

const REQUESTS_GET: &str =
    "import sys, requests; r = requests.get(sys.argv[1], timeout=20); print(r.status_code, r.text.strip())";

fn requests_get(python: &std::path::Path, url: &str) -> (bool, String) {
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(REQUESTS_GET).arg(url);
    for var in CA_OVERRIDES {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("run the venv's python");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn certpatch(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certpatch"));
    cmd.env("CERTPATCH_HOME", home);
    for var in CA_OVERRIDES
        .iter()
        .chain(&["VIRTUAL_ENV", "CONDA_PREFIX"])
        .chain(&crate::common::PROXY_VARS)
    {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
#[cfg_attr(
    not(feature = "test-pypi"),
    ignore = "installs packages from PyPI: feature test-pypi"
)]
fn fix_makes_requests_succeed_against_a_leaf_only_server_and_remove_undoes_it() {
    let system_python = require_python3();
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    let home = tmp.path().join("certpatch-home");
    // Installing from the registry may need the machine's CA settings: kept for pip.
    let python = make_venv(&system_python, &venv, &["certifi", "requests"]);
    let bundles = venv_bundles(&python, &venv);

    // The test PKI's root is trusted (as a public root would be); the server forgets its
    // intermediate, which its leaf's AIA names on a local HTTP server.
    let (root, int) = cas();
    let int_der = int.der();
    let (aia_port, _) = http_server(move |_| Answer::Body(int_der.clone()));
    let leaf = site_leaf(&int, &format!("http://127.0.0.1:{aia_port}/int.der"), VALID);
    let port = tls_server(vec![leaf.der()], &leaf.key);
    for b in &bundles {
        let mut bytes = std::fs::read(b).unwrap();
        if !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(root.pem().as_bytes());
        std::fs::write(b, bytes).unwrap();
    }
    let before: Vec<Vec<u8>> = bundles.iter().map(|b| std::fs::read(b).unwrap()).collect();
    let url = format!("https://127.0.0.1:{port}/");

    let (ok, text) = requests_get(&python, &url);
    assert!(!ok, "requests must fail before the fix: {text}");
    assert!(text.contains("CERTIFICATE_VERIFY_FAILED"), "{text}");

    let out = certpatch(&home)
        .args(["fix", &format!("127.0.0.1:{port}"), "--json", "--python"])
        .arg(&python)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert!(
        out.status.success(),
        "certpatch fix: {}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries = doc["bundles"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{doc}");
    for e in entries {
        assert_eq!(e["status"], "patched", "{e}");
        assert_eq!(e["python"]["verifies"], true, "{e}");
        let detail = e["python"]["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("Python 3.") && detail.ends_with("now verifies 127.0.0.1"),
            "{detail}"
        );
    }

    let (ok, text) = requests_get(&python, &url);
    assert!(ok, "requests must succeed after the fix: {text}");
    assert!(text.contains("200 ok"), "{text}");

    let out = certpatch(&home)
        .args(["remove", "--all", "--python"])
        .arg(&python)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "certpatch remove --all: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (b, original) in bundles.iter().zip(&before) {
        assert!(
            std::fs::read(b).unwrap() == *original,
            "{} is not byte for byte what it was",
            b.display()
        );
    }
    let (ok, text) = requests_get(&python, &url);
    assert!(!ok, "requests must fail again after remove --all: {text}");
}
