//! Real Python venvs for the end-to-end tests, written once: finding `python3`, running a
//! command that must succeed, and making a venv with packages from the registry. The
//! machine's CA override variables (which make Python ignore certifi's bundle) are listed
//! here for every test that runs Python or certpatch against one.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Variables this machine (and CI) sets that make Python ignore certifi's bundle.
pub const CA_OVERRIDES: [&str; 5] = [
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
];

/// `python3` on `PATH`, if there is one ([`crate::common::require_python3`] fails, naming
/// what to install, without it).
pub fn python3() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("python3"))
        .find(|p| p.is_file())
}

/// Runs `cmd`, which must succeed; its standard output.
pub fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Creates a venv at `dir` with `system`'s Python and installs `packages` into it from the
/// registry (with the machine's CA settings, which installing may need); its interpreter.
/// Only tests behind the `test-pypi` feature install packages: where the venv module or
/// PyPI is missing, the failure says so and names the feature.
pub fn make_venv(system: &Path, dir: &Path, packages: &[&str]) -> PathBuf {
    run_ok(
        Command::new(system).args(["-m", "venv"]).arg(dir),
        "python3 -m venv (Debian: apt-get install python3-venv)",
    );
    let python = dir.join("bin/python");
    if !packages.is_empty() {
        run_ok(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(packages),
            &format!(
                "pip install {} (needs PyPI: without network, switch off the `test-pypi` \
                 feature: cargo test --no-default-features \
                 --features test-python,test-python313,test-root)",
                packages.join(" ")
            ),
        );
    }
    python
}
