//! The upgrade story end to end, with a real venv and the real certifi from the registry:
//! patch → `pip install --force-reinstall --no-deps certifi` (the patch is gone) → `status`
//! exits 1 naming the lost certificate and what replaced the file → `reapply` → `status`
//! exits 0 → `requests` against a local TLS server that omits its intermediate succeeds.
//!
//! The test root stands for a public root: it is added with `add --allow-root` (so it is a
//! recorded patch too, and `reapply` checks it again under the rules it was added with).
//! Needs `python3` and PyPI (feature `test-pypi`, on by default): without them it fails,
//! naming what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::require_python3;
use crate::python_e2e::LeafOnlyServer;
use crate::pyvenv::{make_venv, run_ok, CA_OVERRIDES};

const TEST_CLOCK: &str = "2026-06-01T00:00:00Z";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn certpatch(tmp: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certpatch"));
    cmd.env("CERTPATCH_HOME", tmp.join("certpatch-home"))
        .env("CERTPATCH_HOST_ROOT", tmp.join("host"))
        .env("HOME", tmp.join("home"));
    for var in CA_OVERRIDES.iter().chain(&["VIRTUAL_ENV", "CONDA_PREFIX"]) {
        cmd.env_remove(var);
    }
    cmd
}

/// (exit code, stdout, stderr) of certpatch with `args`, `--bundle BUNDLE --at TEST_CLOCK`.
fn cp(tmp: &Path, args: &[&str], bundle: &Path) -> (i32, String, String) {
    let out = certpatch(tmp)
        .args(args)
        .arg("--bundle")
        .arg(bundle)
        .args(["--at", TEST_CLOCK])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn requests_get(python: &Path, url: &str) -> (bool, String) {
    let mut cmd = Command::new(python);
    cmd.args([
        "-c",
        "import sys, requests; r = requests.get(sys.argv[1], timeout=20); print(r.status_code)",
        url,
    ]);
    for var in CA_OVERRIDES {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
#[cfg_attr(
    not(feature = "test-pypi"),
    ignore = "installs packages from PyPI: feature test-pypi"
)]
fn force_reinstall_loses_the_patch_status_tells_reapply_restores_and_requests_works() {
    let system_python = require_python3();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::create_dir_all(t.join("home")).unwrap();
    let venv = t.join("venv");
    // Installing from the registry may need the machine's CA settings: kept for pip.
    let python = make_venv(&system_python, &venv, &["certifi", "requests"]);
    let certifi = PathBuf::from(
        run_ok(
            Command::new(&python).args(["-I", "-c", "import certifi; print(certifi.where())"]),
            "certifi.where()",
        )
        .trim(),
    );
    assert!(certifi.starts_with(&venv), "{}", certifi.display());

    let server = LeafOnlyServer::start(&system_python);
    let url = format!("https://localhost:{}/", server.port);

    let (code, _, err) = cp(
        t,
        &[
            "add",
            &fixture("gen/test-root.pem").to_string_lossy(),
            "--allow-root",
        ],
        &certifi,
    );
    assert_eq!(code, 0, "add the root: {err}");
    let (code, _, err) = cp(
        t,
        &["add", &fixture("gen/int-good.pem").to_string_lossy()],
        &certifi,
    );
    assert_eq!(code, 0, "add the intermediate: {err}");
    let (ok, text) = requests_get(&python, &url);
    assert!(ok, "requests after the patch: {text}");
    let (code, out, _) = cp(t, &["status"], &certifi);
    assert_eq!(code, 0, "status after add:\n{out}");
    assert!(out.contains("patched only by certpatch"), "{out}");
    let patched = std::fs::read(&certifi).unwrap();

    // The reinstall that drops the patch.
    run_ok(
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--force-reinstall",
            "--no-deps",
            "certifi",
        ]),
        "pip install --force-reinstall --no-deps certifi",
    );
    assert!(
        std::fs::read(&certifi).unwrap() != patched,
        "the reinstall must replace the file"
    );
    let (ok, text) = requests_get(&python, &url);
    assert!(!ok, "requests must fail once the patch is gone: {text}");

    let (code, out, _) = cp(t, &["status"], &certifi);
    assert_eq!(code, 1, "status after the reinstall:\n{out}");
    assert!(
        out.contains("LOST:")
            && out.contains("certpatch Test Intermediate A")
            && out.contains("certifi was reinstalled"),
        "{out}"
    );
    assert!(out.contains("pristine"), "{out}");
    assert!(out.contains("certpatch reapply --bundle"), "{out}");

    let (code, out, err) = cp(t, &["reapply"], &certifi);
    assert_eq!(code, 0, "reapply:\n{out}\n{err}");
    let (code, out, _) = cp(t, &["status"], &certifi);
    assert_eq!(code, 0, "status after reapply:\n{out}");
    assert!(out.contains("patched only by certpatch"), "{out}");

    let (ok, text) = requests_get(&python, &url);
    assert!(ok, "requests after reapply: {text}");
    assert!(text.starts_with("200"), "{text}");
}
