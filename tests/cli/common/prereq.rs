//! What a test needs from this machine beyond the crate and its fixtures, asked for in one
//! place: a missing prerequisite is a failure that names what to install or which cargo
//! feature to switch off, never a message and a silent pass.
//!
//! The features (Cargo.toml, on by default): `test-python` (a `python3` 3.10+ with `venv`),
//! `test-pypi` (PyPI reachable), `test-python313` (a Python 3.13+ next to an older
//! `python3`). The tests that need root run unless `--features no-root-tests` leaves them
//! out.

#[cfg(unix)]
use std::fs;
#[cfg(unix)]
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Every test feature, and the ones that need `test-python` too.
const FEATURES: [&str; 3] = ["test-python", "test-pypi", "test-python313"];
const NEED_PYTHON: [&str; 2] = ["test-pypi", "test-python313"];

/// Says how to run without the tests that need `feature`: the exact cargo command.
fn opt_out(feature: &str) -> String {
    let kept: Vec<&str> = FEATURES
        .into_iter()
        .filter(|f| *f != feature && !(feature == "test-python" && NEED_PYTHON.contains(f)))
        .collect();
    let with = if kept.is_empty() {
        String::new()
    } else {
        format!(" --features {}", kept.join(","))
    };
    format!(
        "or switch off the `{feature}` feature: cargo test --no-default-features{with} \
         (README, \"Run the tests\")"
    )
}

/// Whether this process runs as root (uid 0).
pub fn running_as_root() -> bool {
    #[cfg(unix)]
    return fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    // Windows has no uid 0; the root tests are Unix's.
    #[cfg(not(unix))]
    false
}

/// Fails unless the tests run as root (`--features no-root-tests` leaves such tests out):
/// `what` says why it is needed.
pub fn require_root(what: &str) {
    assert!(
        running_as_root(),
        "this test needs root ({what}): run the tests as root, or build with \
         `--features no-root-tests` to leave it out"
    );
}

/// `python3` on `PATH`, 3.10 or newer (pip's truststore needs 3.10); fails naming what to
/// install (feature `test-python`).
pub fn require_python3() -> PathBuf {
    let python = crate::pyvenv::python3().unwrap_or_else(|| {
        panic!(
            "python3 is not on PATH: install Python 3.10+ with venv (Debian: apt-get install \
             python3 python3-venv python3-pip), {}",
            opt_out("test-python")
        )
    });
    let minor = python_minor(&python);
    assert!(
        minor >= Some(10),
        "{} is Python 3.{minor:?}; these tests need 3.10 or newer: install it, {}",
        python.display(),
        opt_out("test-python")
    );
    python
}

/// The minor version of a Python 3 interpreter (`None` when it does not run).
pub fn python_minor(python: &Path) -> Option<u32> {
    let out = std::process::Command::new(python)
        .args(["-I", "-c", "import sys; print(sys.version_info[1])"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// `setpriv` (util-linux), which runs certpatch as another user.
pub fn require_setpriv() -> PathBuf {
    ["/usr/bin/setpriv", "/bin/setpriv"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "setpriv is missing: install util-linux (Debian: apt-get install util-linux), \
                 or build with `--features no-root-tests` to leave the tests that need it out"
            )
        })
}

/// Makes a FIFO at `path` (mkfifo(3) through libc: no external command to be missing).
#[cfg(unix)]
pub fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL in a test path");
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(
        rc,
        0,
        "mkfifo {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}
