//! Fake trees for discovery tests: environments made of empty interpreters
//! and small bundles, in temporary folders.

use std::path::{Path, PathBuf};

use super::{Found, Kind};

pub fn mkdirs(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
}

/// A bundle of `certs` bare certificates (1 is a lone test certificate,
/// which the bundle rule rejects outside known places).
pub fn write_bundle(path: &Path, certs: usize) {
    mkdirs(path.parent().unwrap());
    let one = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
    std::fs::write(path, one.repeat(certs)).unwrap();
}

/// An executable file (a fake interpreter).
pub fn write_exe(path: &Path, text: &str) {
    mkdirs(path.parent().unwrap());
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// `site-packages` with certifi and pip's vendored certifi.
fn fill_site(sp: &Path) {
    write_bundle(&sp.join("certifi/cacert.pem"), 3);
    write_bundle(&sp.join("pip/_vendor/certifi/cacert.pem"), 3);
    std::fs::write(sp.join("certifi/__init__.py"), "").unwrap();
    mkdirs(&sp.join("certifi-2024.8.30.dist-info"));
}

/// A venv: `pyvenv.cfg`, `bin/python3`, certifi and pip.
pub fn make_venv(parent: &Path, name: &str, version: &str) -> PathBuf {
    let root = parent.join(name);
    mkdirs(&root);
    std::fs::write(
        root.join("pyvenv.cfg"),
        format!("home = /usr/bin\ninclude-system-site-packages = false\nversion = {version}\n"),
    )
    .unwrap();
    write_exe(&root.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    write_exe(&root.join("bin/python"), "#!/bin/sh\nexit 1\n");
    fill_site(&root.join(format!("lib/python{version}/site-packages")));
    root
}

/// A tool's venv as pipx and uv make one for certpatch: `pyvenv.cfg`, `bin/python3`,
/// `bin/certpatch`, pip with its vendored certifi, and no certifi.
pub fn make_tool_venv(parent: &Path, name: &str, version: &str) -> PathBuf {
    let root = make_venv(parent, name, version);
    std::fs::remove_dir_all(root.join(format!("lib/python{version}/site-packages/certifi")))
        .unwrap();
    write_exe(&root.join("bin/certpatch"), "ELF");
    root
}

/// A conda prefix: `conda-meta/`, `ssl/cacert.pem`, certifi (no pip).
pub fn make_conda(parent: &Path, name: &str, version: &str) -> PathBuf {
    let root = parent.join(name);
    mkdirs(&root.join("conda-meta"));
    write_exe(&root.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    write_bundle(&root.join("ssl/cacert.pem"), 3);
    write_bundle(
        &root.join(format!(
            "lib/python{version}/site-packages/certifi/cacert.pem"
        )),
        3,
    );
    root
}

/// A Python install root: `bin/python3`, `bin/pythonX.Y`, the standard
/// library, certifi and pip.
pub fn make_install(parent: &Path, name: &str, version: &str) -> PathBuf {
    let root = parent.join(name);
    write_exe(&root.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    write_exe(
        &root.join(format!("bin/python{version}")),
        "#!/bin/sh\nexit 1\n",
    );
    let lib = root.join(format!("lib/python{version}"));
    mkdirs(&lib);
    std::fs::write(lib.join("os.py"), "").unwrap();
    fill_site(&lib.join("site-packages"));
    root
}

/// A Windows install root: `python.exe`, `Lib\site-packages`.
pub fn make_windows_install(parent: &Path, name: &str) -> PathBuf {
    let root = parent.join(name);
    write_exe(&root.join("python.exe"), "MZ");
    fill_site(&root.join("Lib/site-packages"));
    root
}

/// A Windows venv: `pyvenv.cfg`, `Scripts\python.exe`, `Lib\site-packages`.
pub fn make_windows_venv(parent: &Path, name: &str) -> PathBuf {
    let root = parent.join(name);
    mkdirs(&root);
    std::fs::write(root.join("pyvenv.cfg"), "home = C:\\Python312\n").unwrap();
    write_exe(&root.join("Scripts/python.exe"), "MZ");
    fill_site(&root.join("Lib/site-packages"));
    root
}

/// The kinds found, in order.
pub fn kinds(found: &Found) -> Vec<Kind> {
    found.bundles.iter().map(|b| b.kind).collect()
}

/// A temporary path with symlinks resolved (as results are).
pub fn canonical_tmp(p: &Path) -> PathBuf {
    dunce::canonicalize(p).unwrap()
}
