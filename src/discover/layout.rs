//! Reading an environment's layout without running anything.
//!
//! An environment is recognised by a few stats, never by walking it:
//! `pyvenv.cfg` (a venv), `conda-meta/` (a conda prefix), or a Python install
//! root — `bin/python*` with `lib/python*/`, `Scripts/python.exe` or
//! `python.exe` with `Lib/`, or simply `lib/python*/site-packages`. Its
//! bundles are then probed at known places inside each site-packages folder;
//! the only listings read are the top level of site-packages and the top
//! level of each package in it, to find vendored copies of certifi (whether
//! an entry is a folder comes from the listing, without a `stat`).

use std::path::{Path, PathBuf};

use super::kinds::{is_site_dir, looks_like_bundle, Kind, BUNDLE_NAME};

/// How sure discovery is that a folder is an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvShape {
    /// Has `pyvenv.cfg`: a venv or virtualenv. Nothing else lives inside.
    Venv,
    /// Has `conda-meta/`: a conda prefix; other prefixes may live in `envs/`.
    Conda,
    /// A Python install root (`/usr`, a pyenv version, `~/.local`, a Windows
    /// install): other things may live beside its Python folders.
    Install,
}

impl EnvShape {
    /// Folders of an environment that a walk need not enter after the
    /// environment was probed (everything, for a venv; all but `envs/` for a
    /// conda prefix; the Python folders for an install root).
    pub fn prunes(self, child: &str) -> bool {
        match self {
            EnvShape::Venv => true,
            EnvShape::Conda => child != "envs",
            EnvShape::Install => PYTHON_DIRS.iter().any(|d| d.eq_ignore_ascii_case(child)),
        }
    }
}

/// The folders of an install root that hold Python itself and its packages.
const PYTHON_DIRS: [&str; 10] = [
    "lib", "lib64", "bin", "Scripts", "include", "Include", "DLLs", "libs", "Tools", "tcl",
];

fn is_file(p: &Path) -> bool {
    p.is_file()
}

/// Names in a folder, sorted; empty when it cannot be read.
pub(crate) fn list(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = rd
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    out.sort();
    out
}

/// `python`, `python3`, `python3.12`, `python2.7`, `pypy3` (but not
/// `python3-config` or `python3.12-gdb.py`).
pub(crate) fn is_python_name(name: &str) -> bool {
    let rest = name
        .strip_prefix("python")
        .or_else(|| name.strip_prefix("pypy"));
    match rest {
        Some(r) => r.chars().all(|c| c.is_ascii_digit() || c == '.'),
        None => false,
    }
}

/// Whether `dir` is an environment, and which shape.
pub fn recognise(dir: &Path) -> Option<EnvShape> {
    if dir.join("pyvenv.cfg").is_file() {
        return Some(EnvShape::Venv);
    }
    if dir.join("conda-meta").is_dir() {
        return Some(EnvShape::Conda);
    }
    // Windows layouts: python.exe at the root or in Scripts, with Lib/.
    let windows_exe =
        is_file(&dir.join("python.exe")) || is_file(&dir.join("Scripts").join("python.exe"));
    if windows_exe && (dir.join("Lib").is_dir() || dir.join("lib").is_dir()) {
        return Some(EnvShape::Install);
    }
    let lib = dir.join("lib");
    if !lib.is_dir() {
        return None;
    }
    let python_libs: Vec<(String, PathBuf)> = list(&lib)
        .into_iter()
        .filter(|(n, p)| is_python_name(n) && p.is_dir())
        .collect();
    if python_libs.is_empty() {
        return None;
    }
    let has_site = python_libs
        .iter()
        .any(|(_, p)| p.join("site-packages").is_dir() || p.join("dist-packages").is_dir());
    let bin = dir.join("bin");
    let has_exe = bin.is_dir()
        && list(&bin)
            .iter()
            .any(|(n, p)| is_python_name(n) && p.is_file());
    (has_site || has_exe).then_some(EnvShape::Install)
}

/// The environment's interpreter, if it has one where it should.
pub fn interpreter_in(root: &Path) -> Option<PathBuf> {
    let candidates = [
        root.join("bin").join("python3"),
        root.join("bin").join("python"),
        root.join("Scripts").join("python.exe"),
        root.join("python.exe"),
    ];
    candidates.into_iter().find(|p| p.is_file())
}

/// `name` as the folder `dir` spells it: on a case-insensitive file system (Windows)
/// `lib` opens `Lib`, and the path must say `Lib` (one file, one path: output, backups,
/// the ledger). The name itself where the folder lists it exactly (always on Linux).
fn spelled(dir: &Path, name: &str) -> std::ffi::OsString {
    if cfg!(unix) {
        return name.into();
    }
    let listed = list(dir);
    if listed.iter().any(|(n, _)| n == name) {
        return name.into();
    }
    listed
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or_else(|| name.into(), |(n, _)| n.into())
}

/// Every site-packages (and dist-packages) folder of an environment:
/// `lib/python*/site-packages`, `lib64/…`, `lib/python3/dist-packages`
/// (Debian), `Lib/site-packages` (Windows), `site-packages` (old PyPy).
/// Each real folder once.
pub fn site_packages_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let push = |p: PathBuf, out: &mut Vec<PathBuf>| {
        if p.is_dir() {
            let real = dunce::canonicalize(&p).unwrap_or_else(|_| p.clone());
            let seen = out
                .iter()
                .any(|q| dunce::canonicalize(q).unwrap_or_else(|_| q.clone()) == real);
            if !seen {
                out.push(p);
            }
        }
    };
    for lib_name in ["lib", "Lib", "lib64"] {
        let lib = root.join(spelled(root, lib_name));
        if !lib.is_dir() {
            continue;
        }
        push(lib.join("site-packages"), &mut out);
        for (name, path) in list(&lib) {
            if is_python_name(&name) {
                push(path.join("site-packages"), &mut out);
                push(path.join("dist-packages"), &mut out);
            }
        }
    }
    push(root.join("site-packages"), &mut out);
    out
}

/// Where packages vendor a copy of certifi, relative to the package folder.
const VENDORED_PLACES: [&str; 10] = [
    "cacert.pem",
    "certifi/cacert.pem",
    "_vendor/certifi/cacert.pem",
    "vendor/certifi/cacert.pem",
    "vendored/certifi/cacert.pem",
    "_vendored/certifi/cacert.pem",
    "extern/certifi/cacert.pem",
    "_extern/certifi/cacert.pem",
    "patched/pip/_vendor/certifi/cacert.pem",
    "patched/notpip/_vendor/certifi/cacert.pem",
];

/// Packages whose bundle has a kind of its own (probed first).
const KNOWN_PLACES: [(&str, Kind); 5] = [
    ("certifi/cacert.pem", Kind::Certifi),
    ("pip/_vendor/certifi/cacert.pem", Kind::PipVendored),
    ("botocore/cacert.pem", Kind::Botocore),
    ("grpc/_cython/_credentials/roots.pem", Kind::Grpcio),
    ("httplib2/cacerts.txt", Kind::Httplib2),
];

/// Something other than a folder at a known bundle place: a file, or a FIFO or device
/// that the collector reports as refused (never opened) rather than skipping in silence.
fn at_a_bundle_place(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| !m.is_dir())
}

/// A bundle candidate: where it was found and what it is.
pub type Candidate = (PathBuf, Kind);

/// The bundles inside one site-packages folder: the known places, then each
/// top-level package's vendored places (site-packages and each package are
/// listed once; nothing is walked). `Other` candidates have passed the
/// bundle rule.
pub fn probe_site_packages(sp: &Path) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (rel, kind) in KNOWN_PLACES {
        let p = super::host::join_rel(sp, rel);
        if at_a_bundle_place(&p) {
            out.push((p, kind));
        }
    }
    for (name, pkg, is_dir) in list_typed(sp) {
        if matches!(
            name.as_str(),
            "certifi" | "pip" | "botocore" | "grpc" | "httplib2" | "__pycache__"
        ) || name.starts_with('.')
            || name.ends_with(".dist-info")
            || name.ends_with(".egg-info")
            || name.ends_with(".data")
            || !is_dir
        {
            continue;
        }
        // One listing of the package tells which vendored places can exist; only those
        // are looked at. (Looking up each place's first name instead costs nine failed
        // lookups per package, measured no cheaper than this listing.)
        let Ok(entries) = std::fs::read_dir(&pkg) else {
            continue;
        };
        let names: Vec<std::ffi::OsString> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        for rel in VENDORED_PLACES {
            let first = rel.split('/').next().unwrap_or(rel);
            if !names.iter().any(|n| n == first) {
                continue;
            }
            let p = super::host::join_rel(&pkg, rel);
            if p.is_file() && looks_like_bundle(&p) {
                out.push((p, Kind::Other));
            }
        }
    }
    out
}

/// Names in a folder, sorted, with whether each is a folder (a symbolic link counts as
/// what it points to); from the listing's file types, so an ordinary file or folder
/// costs no `stat`. Empty when the folder cannot be read.
fn list_typed(dir: &Path) -> Vec<(String, PathBuf, bool)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf, bool)> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let path = e.path();
            let is_dir = match e.file_type() {
                Ok(t) if t.is_dir() => true,
                Ok(t) if t.is_file() => false,
                // A link, or a type the listing did not give: ask the file system.
                _ => path.is_dir(),
            };
            Some((name, path, is_dir))
        })
        .collect();
    out.sort();
    out
}

/// Every bundle of an environment root: conda's `ssl/cacert.pem` first (for
/// a conda prefix), then each site-packages folder's.
pub fn probe_env(root: &Path) -> Vec<Candidate> {
    let mut out = conda_bundles(root);
    for sp in site_packages_dirs(root) {
        out.extend(probe_site_packages(&sp));
    }
    out
}

/// A conda prefix's own bundle: `ssl/cacert.pem` (`Library\ssl` on Windows).
pub fn conda_bundles(root: &Path) -> Vec<Candidate> {
    let mut out = Vec::new();
    if root.join("conda-meta").is_dir() {
        for rel in ["ssl/cacert.pem", "Library/ssl/cacert.pem"] {
            let p = super::host::join_rel(root, rel);
            if at_a_bundle_place(&p) {
                out.push((p, Kind::Conda));
            }
        }
    }
    out
}

/// The environment an interpreter belongs to, read from its path alone:
/// `<root>/bin/python3`, `<root>/Scripts/python.exe`, `<root>/python.exe`.
/// A venv or conda prefix is taken from the path as given (a venv's
/// `bin/python` is a symlink to its base interpreter, and resolving it would
/// lose the venv); an install root from the resolved path (`/bin/python3`
/// on a merged-/usr system is `/usr/bin/python3.11`, in `/usr`).
pub fn prefix_of_exe(exe: &Path) -> Option<PathBuf> {
    let from = |exe: &Path| -> Option<(PathBuf, EnvShape)> {
        let dir = exe.parent()?;
        let name = dir.file_name()?.to_string_lossy();
        if name == "bin" || name.eq_ignore_ascii_case("Scripts") {
            let root = dir.parent()?;
            if let Some(shape) = recognise(root) {
                return Some((root.to_path_buf(), shape));
            }
        }
        recognise(dir).map(|shape| (dir.to_path_buf(), shape))
    };
    let given = from(exe);
    if let Some((root, EnvShape::Venv | EnvShape::Conda)) = given {
        return Some(root);
    }
    let resolved = dunce::canonicalize(exe).ok().and_then(|real| from(&real));
    resolved.or(given).map(|(root, _)| root)
}

/// Whether a folder name could be a site-packages folder given directly.
pub fn is_site_packages_dir(dir: &Path) -> bool {
    dir.file_name()
        .map(|n| is_site_dir(&n.to_string_lossy()))
        .unwrap_or(false)
        || dir.join("certifi").join(BUNDLE_NAME).is_file()
        || dir.join("pip").join("_vendor").is_dir()
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    /// A relative path spelled with `/` (Windows prints `\`).
    fn slashed(p: &Path) -> String {
        p.display().to_string().replace('\\', "/")
    }

    #[test]
    fn python_names() {
        for yes in [
            "python",
            "python3",
            "python3.12",
            "python2.7",
            "pypy3",
            "pypy3.10",
        ] {
            assert!(is_python_name(yes), "{yes}");
        }
        for no in [
            "python3-config",
            "python3.12-gdb.py",
            "pythonw.exe",
            "ipython",
            "pip",
        ] {
            assert!(!is_python_name(no), "{no}");
        }
    }

    #[test]
    fn recognises_shapes() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "v", "3.12");
        assert_eq!(recognise(&venv), Some(EnvShape::Venv));
        let conda = make_conda(t.path(), "c", "3.11");
        assert_eq!(recognise(&conda), Some(EnvShape::Conda));
        let inst = make_install(t.path(), "i", "3.10");
        assert_eq!(recognise(&inst), Some(EnvShape::Install));
        let win = make_windows_install(t.path(), "Python312");
        assert_eq!(recognise(&win), Some(EnvShape::Install));
        let plain = t.path().join("plain/lib/node");
        std::fs::create_dir_all(&plain).unwrap();
        assert_eq!(recognise(&t.path().join("plain")), None);
        assert_eq!(recognise(&t.path().join("missing")), None);
    }

    #[test]
    fn probes_known_and_vendored_places() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "v", "3.12");
        let sp = venv.join("lib/python3.12/site-packages");
        write_bundle(&sp.join("botocore/cacert.pem"), 3);
        write_bundle(&sp.join("awspkg/_vendor/certifi/cacert.pem"), 3);
        write_bundle(&sp.join("sdk/vendored/certifi/cacert.pem"), 3);
        write_bundle(&sp.join("websocket/cacert.pem"), 2);
        write_bundle(&sp.join("grpc/_cython/_credentials/roots.pem"), 4);
        write_bundle(&sp.join("httplib2/cacerts.txt"), 4);
        // a lone test certificate is not a bundle
        write_bundle(&sp.join("tests_pkg/cacert.pem"), 1);
        // deeper than the known places: not probed
        write_bundle(&sp.join("deep/a/b/cacert.pem"), 5);
        let found = probe_env(&venv);
        let rel: Vec<(String, Kind)> = found
            .iter()
            .map(|(p, k)| (slashed(p.strip_prefix(&sp).unwrap()), *k))
            .collect();
        assert_eq!(
            rel,
            vec![
                ("certifi/cacert.pem".to_string(), Kind::Certifi),
                (
                    "pip/_vendor/certifi/cacert.pem".to_string(),
                    Kind::PipVendored
                ),
                ("botocore/cacert.pem".to_string(), Kind::Botocore),
                (
                    "grpc/_cython/_credentials/roots.pem".to_string(),
                    Kind::Grpcio
                ),
                ("httplib2/cacerts.txt".to_string(), Kind::Httplib2),
                ("awspkg/_vendor/certifi/cacert.pem".to_string(), Kind::Other),
                ("sdk/vendored/certifi/cacert.pem".to_string(), Kind::Other),
                ("websocket/cacert.pem".to_string(), Kind::Other),
            ]
        );
    }

    #[test]
    fn every_vendored_place_and_a_linked_package_are_found() {
        // One package per place, and one package holding every place at once (the two
        // `patched/` places share their first name, which is looked up once).
        let t = tempfile::tempdir().unwrap();
        let sp = t.path().join("site-packages");
        for (i, rel) in VENDORED_PLACES.iter().enumerate() {
            write_bundle(&sp.join(format!("p{i:02}")).join(rel), 2);
            write_bundle(&sp.join("zall").join(rel), 2);
        }
        // A package folder reached through a symbolic link is probed as before.
        #[cfg(unix)]
        {
            write_bundle(&t.path().join("real/_vendor/certifi/cacert.pem"), 2);
            std::os::unix::fs::symlink(t.path().join("real"), sp.join("linked")).unwrap();
        }
        // A file named like a package is not a package.
        std::fs::write(sp.join("six.py"), "").unwrap();
        let got: Vec<String> = probe_site_packages(&sp)
            .iter()
            .map(|(p, k)| {
                assert_eq!(*k, Kind::Other);
                slashed(p.strip_prefix(&sp).unwrap())
            })
            .collect();
        let mut want: Vec<String> = Vec::new();
        #[cfg(unix)]
        want.push("linked/_vendor/certifi/cacert.pem".to_string());
        for (i, rel) in VENDORED_PLACES.iter().enumerate() {
            want.push(format!("p{i:02}/{rel}"));
        }
        for rel in VENDORED_PLACES {
            want.push(format!("zall/{rel}"));
        }
        assert_eq!(got, want);
    }

    #[test]
    fn conda_prefix_has_its_ssl_bundle_first() {
        let t = tempfile::tempdir().unwrap();
        let conda = make_conda(t.path(), "c", "3.11");
        let found = probe_env(&conda);
        assert_eq!(found[0], (conda.join("ssl/cacert.pem"), Kind::Conda));
        assert_eq!(found[1].1, Kind::Certifi);
    }

    #[test]
    fn windows_and_debian_site_dirs() {
        let t = tempfile::tempdir().unwrap();
        let win = make_windows_install(t.path(), "Python312");
        assert_eq!(
            site_packages_dirs(&win),
            vec![win.join("Lib/site-packages")]
        );
        let usr = t.path().join("usr");
        mkdirs(&usr.join("lib/python3/dist-packages"));
        mkdirs(&usr.join("lib/python3.11/site-packages"));
        assert_eq!(
            site_packages_dirs(&usr),
            vec![
                usr.join("lib/python3/dist-packages"),
                usr.join("lib/python3.11/site-packages"),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn lib64_symlink_is_one_folder() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "v", "3.12");
        std::os::unix::fs::symlink("lib", venv.join("lib64")).unwrap();
        assert_eq!(site_packages_dirs(&venv).len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn prefix_of_a_venv_interpreter_keeps_the_venv() {
        let t = tempfile::tempdir().unwrap();
        let base = make_install(t.path(), "base", "3.12");
        let venv = make_venv(t.path(), "v", "3.12");
        let exe = venv.join("bin/python");
        std::fs::remove_file(&exe).unwrap();
        std::os::unix::fs::symlink(base.join("bin/python3"), &exe).unwrap();
        assert_eq!(prefix_of_exe(&exe), Some(venv.clone()));
        assert_eq!(prefix_of_exe(&base.join("bin/python3")), Some(base.clone()));
        let win = make_windows_install(t.path(), "Python311");
        assert_eq!(prefix_of_exe(&win.join("python.exe")), Some(win.clone()));
        assert_eq!(prefix_of_exe(&t.path().join("nowhere/python")), None);
        // Merged /usr: /bin -> usr/bin; the install root is /usr, not /.
        let fake_root = t.path().join("merged");
        let usr = make_install(&fake_root, "usr", "3.11");
        std::os::unix::fs::symlink("usr/bin", fake_root.join("bin")).unwrap();
        std::os::unix::fs::symlink("usr/lib", fake_root.join("lib")).unwrap();
        assert_eq!(
            prefix_of_exe(&fake_root.join("bin/python3")),
            Some(dunce::canonicalize(&usr).unwrap())
        );
    }
}
