//! End to end, as a user lives it: a real venv with the real `certifi` and `requests` from
//! the package registry, a real TLS server on 127.0.0.1 that forgets its intermediate,
//! `requests.get` failing with CERTIFICATE_VERIFY_FAILED, `certpatch add --python` fixing
//! it (pip's vendored bundle too), and `certpatch remove --all` undoing it byte for byte.
//!
//! The bundles live in a venv inside a temporary folder; the host's own Pythons are only
//! used to create that venv. Needs `python3` and PyPI (feature `test-pypi`, on by default):
//! without them it fails, naming what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::require_python3;
use crate::pyvenv::{make_venv, venv_bundles};
// `python3` and the leaf-only server stay reachable from here for the tests that imported
// them from this module.
#[allow(unused_imports)]
pub use crate::pyvenv::{python3, LeafOnlyServer, CA_OVERRIDES};

const TEST_CLOCK: &str = "2026-06-01T00:00:00Z";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Runs `code` in the venv's Python without the CA override variables; returns
/// (success, stdout + stderr).
fn venv_python(python: &Path, code: &str, url: &str) -> (bool, String) {
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(code).arg(url);
    for var in CA_OVERRIDES {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("run the venv's python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const REQUESTS_GET: &str =
    "import sys, requests; r = requests.get(sys.argv[1], timeout=20); print(r.status_code, r.text.strip())";
const PIP_REQUESTS_GET: &str = "import sys; from pip._vendor import requests; r = requests.get(sys.argv[1], timeout=20); print(r.status_code)";

fn certpatch(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certpatch"));
    cmd.env("CERTPATCH_HOME", home);
    for var in CA_OVERRIDES.iter().chain(&["VIRTUAL_ENV", "CONDA_PREFIX"]) {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
#[cfg_attr(
    not(feature = "test-pypi"),
    ignore = "installs packages from PyPI: feature test-pypi"
)]
fn requests_fails_then_add_python_fixes_it_and_remove_all_undoes_it() {
    let system_python = require_python3();
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    let home = tmp.path().join("certpatch-home");
    // Installing from the registry may need the machine's CA settings: kept for pip.
    let python = make_venv(&system_python, &venv, &["certifi", "requests"]);
    let bundles = venv_bundles(&python, &venv);

    // The server's root is already trusted (as a public root would be); only the
    // intermediate is missing.
    let root = std::fs::read(fixture("gen/test-root.pem")).unwrap();
    for b in &bundles {
        let mut bytes = std::fs::read(b).unwrap();
        if !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&root);
        std::fs::write(b, bytes).unwrap();
    }
    let before: Vec<Vec<u8>> = bundles.iter().map(|b| std::fs::read(b).unwrap()).collect();

    let server = LeafOnlyServer::start(&system_python);
    let url = format!("https://localhost:{}/", server.port);

    let (ok, text) = venv_python(&python, REQUESTS_GET, &url);
    assert!(!ok, "requests must fail before the patch: {text}");
    assert!(
        text.contains("CERTIFICATE_VERIFY_FAILED"),
        "the classic error: {text}"
    );
    let (ok, text) = venv_python(&python, PIP_REQUESTS_GET, &url);
    assert!(!ok, "pip's vendored requests must fail too: {text}");

    let out = certpatch(&home)
        .args(["add"])
        .arg(fixture("gen/int-good.pem"))
        .arg("--python")
        .arg(&python)
        .args(["--at", TEST_CLOCK, "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "certpatch add: {stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut kinds: Vec<String> = doc["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(b["status"], "patched", "{b}");
            b["target"]["kind"].as_str().unwrap().to_string()
        })
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["certifi", "pip-vendored"]);

    let (ok, text) = venv_python(&python, REQUESTS_GET, &url);
    assert!(ok, "requests must succeed after the patch: {text}");
    assert!(
        text.contains("200 hello from the leaf-only server"),
        "{text}"
    );
    let (ok, text) = venv_python(&python, PIP_REQUESTS_GET, &url);
    assert!(
        ok,
        "pip's vendored requests must succeed after the patch: {text}"
    );

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
    let (ok, text) = venv_python(&python, REQUESTS_GET, &url);
    assert!(!ok, "requests must fail again after remove --all: {text}");
    assert!(text.contains("CERTIFICATE_VERIFY_FAILED"), "{text}");
}
