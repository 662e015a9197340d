//! Walking a folder for environments (`find --root DIR`, Hatch's nested
//! folders), pruned so that it stays far faster than
//! `find DIR -name cacert.pem`.
//!
//! - A recognised environment is probed at its known places, then not
//!   entered: a venv not at all, a conda prefix only through `envs/`, an
//!   install root (`/usr`, `~/.local`, a pyenv version) everywhere but its
//!   Python folders (`lib`, `bin`, `Scripts`, `include`, …).
//! - A `site-packages`/`dist-packages` folder outside any environment
//!   (`pip install --target`) is probed the same way and not entered.
//! - `node_modules`, `.git`, `.hg`, `.svn`, `__pycache__` and tool caches are
//!   skipped, as are `/proc`, `/sys`, `/dev` and `/run`; symlinked folders are
//!   not followed (the root itself is).
//! - Anywhere else, a file named `cacert.pem` is reported if it is a bundle
//!   (see the bundle rule in `kinds`).

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use walkdir::WalkDir;

use super::collect::Collector;
use super::host::Host;
use super::kinds::{is_site_dir, BUNDLE_NAME};
use super::layout::{list, EnvShape};
use super::sources::Source;

/// Folder names that never hold an environment.
const SKIPPED: [&str; 8] = [
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
];

/// Kernel and device filesystems.
const PROC_LIKE: [&str; 4] = ["/proc", "/sys", "/dev", "/run"];

fn proc_like(host: &Host, path: &Path) -> bool {
    PROC_LIKE
        .iter()
        .any(|p| path == Path::new(p) || path == host.system_path(p))
}

/// Walks `root`, probing every environment under it.
pub(crate) fn walk(c: &mut Collector<'_>, root: &Path, source: &Source, max_depth: Option<usize>) {
    let host = c.host;
    let root = host.absolute(root);
    let pruned: Rc<RefCell<HashSet<PathBuf>>> = Rc::default();
    let mut walker = WalkDir::new(&root).follow_links(false).sort_by_file_name();
    if let Some(depth) = max_depth {
        walker = walker.max_depth(depth);
    }
    let skip = Rc::clone(&pruned);
    let mut entries = walker.into_iter().filter_entry(move |e| {
        if e.depth() == 0 || !e.file_type().is_dir() {
            return true;
        }
        let name = e.file_name().to_string_lossy();
        !(SKIPPED.contains(&name.as_ref())
            || proc_like(host, e.path())
            || skip.borrow_mut().remove(e.path()))
    });
    while let Some(next) = entries.next() {
        let entry = match next {
            Ok(e) => e,
            Err(err) => {
                let denied = err
                    .io_error()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied);
                if err.depth() == 0 {
                    c.note(
                        Some(&root),
                        format!("cannot read {}: {err}", root.display()),
                    );
                } else if denied {
                    // Bundles behind it would go unreported: say so, once per folder.
                    let dir = err.path().unwrap_or(&root).to_path_buf();
                    c.note(
                        Some(&dir),
                        "permission denied: bundles inside it are not listed (run as its owner, or with sudo, to include them)".to_string(),
                    );
                }
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_dir() {
            if let Some(shape) = c.env(path, source) {
                if shape == EnvShape::Venv {
                    entries.skip_current_dir();
                } else {
                    let mut pruned = pruned.borrow_mut();
                    for (child, child_path) in list(path) {
                        if shape.prunes(&child) {
                            pruned.insert(child_path);
                        }
                    }
                }
            } else if is_site_dir(&name) {
                c.site(path, path, source);
                entries.skip_current_dir();
            }
        } else if name == BUNDLE_NAME {
            c.loose_file(path, source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{find_all, Kind};
    use super::*;

    #[test]
    fn walks_roots_and_prunes() {
        let t = tempfile::tempdir().unwrap();
        let host = Host::for_tests(&t.path().join("sysroot"), &[], t.path());
        let root = t.path().join("projects");
        let a = make_venv(&root.join("a"), ".venv", "3.12");
        let b = make_venv(&root.join("b/envs"), "py311", "3.11");
        let conda = make_conda(&root, "miniconda3", "3.12");
        let conda_env = make_conda(&conda.join("envs"), "data", "3.10");
        // A package cache inside the conda base is not entered.
        write_bundle(
            &conda.join("pkgs/certifi-1/lib/site-packages/certifi/cacert.pem"),
            3,
        );
        // Files inside a venv beyond the known places are not walked.
        write_bundle(&a.join("share/deep/cacert.pem"), 3);
        // Skipped folders.
        make_venv(&root.join("web/node_modules"), "venv", "3.12");
        make_venv(&root.join(".git"), "venv", "3.12");
        // A pip --target folder outside any environment.
        let target = root.join("lambda/python");
        write_bundle(&target.join("site-packages/certifi/cacert.pem"), 3);
        // Loose files: a real bundle and a lone test certificate.
        write_bundle(&root.join("c/certs/cacert.pem"), 4);
        write_bundle(&root.join("c/tests/cacert.pem"), 1);

        let found = find_all(&host, std::slice::from_ref(&root), &[]);
        let got: Vec<(PathBuf, Kind)> = found
            .bundles
            .iter()
            .map(|b| {
                (
                    b.path
                        .strip_prefix(canonical_tmp(&root))
                        .unwrap()
                        .to_path_buf(),
                    b.kind,
                )
            })
            .collect();
        let expect: Vec<(PathBuf, Kind)> = [
            (
                "a/.venv/lib/python3.12/site-packages/certifi/cacert.pem",
                Kind::Certifi,
            ),
            (
                "a/.venv/lib/python3.12/site-packages/pip/_vendor/certifi/cacert.pem",
                Kind::PipVendored,
            ),
            (
                "b/envs/py311/lib/python3.11/site-packages/certifi/cacert.pem",
                Kind::Certifi,
            ),
            (
                "b/envs/py311/lib/python3.11/site-packages/pip/_vendor/certifi/cacert.pem",
                Kind::PipVendored,
            ),
            ("c/certs/cacert.pem", Kind::Other),
            (
                "lambda/python/site-packages/certifi/cacert.pem",
                Kind::Certifi,
            ),
            ("miniconda3/ssl/cacert.pem", Kind::Conda),
            (
                "miniconda3/lib/python3.12/site-packages/certifi/cacert.pem",
                Kind::Certifi,
            ),
            ("miniconda3/envs/data/ssl/cacert.pem", Kind::Conda),
            (
                "miniconda3/envs/data/lib/python3.10/site-packages/certifi/cacert.pem",
                Kind::Certifi,
            ),
        ]
        .iter()
        .map(|(p, k)| (PathBuf::from(p), *k))
        .collect();
        assert_eq!(got, expect);
        assert!(found.bundles.iter().all(|b| b.source == Source::Root));
        assert_eq!(found.bundles[0].environment, Some(canonical_tmp(&a)));
        assert_eq!(found.bundles[6].environment, Some(canonical_tmp(&conda)));
        assert_eq!(
            found.bundles[8].environment,
            Some(canonical_tmp(&conda_env))
        );
        let _ = b;
    }

    #[test]
    fn install_roots_are_entered_beside_their_python_folders() {
        // ~/.local is an install root (user site-packages) that also holds
        // pipx and uv environments under share/.
        let t = tempfile::tempdir().unwrap();
        let host = Host::for_tests(&t.path().join("sysroot"), &[], t.path());
        let local = make_install(t.path(), ".local", "3.11");
        let pipx = make_venv(&local.join("share/pipx/venvs"), "httpie", "3.11");
        let found = find_all(&host, std::slice::from_ref(&local), &[]);
        let envs: Vec<PathBuf> = found
            .bundles
            .iter()
            .filter_map(|b| b.environment.clone())
            .collect();
        assert!(envs.contains(&canonical_tmp(&local)));
        assert!(envs.contains(&canonical_tmp(&pipx)));
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_folders_are_not_followed() {
        let t = tempfile::tempdir().unwrap();
        let host = Host::for_tests(&t.path().join("sysroot"), &[], t.path());
        let outside = make_venv(t.path(), "outside", "3.12");
        let root = t.path().join("root");
        mkdirs(&root);
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let found = find_all(&host, &[root], &[]);
        assert!(found.bundles.is_empty());
    }

    #[test]
    fn a_missing_root_is_a_note() {
        let t = tempfile::tempdir().unwrap();
        let host = Host::for_tests(t.path(), &[], t.path());
        let found = find_all(&host, &[t.path().join("nope")], &[]);
        assert!(found.bundles.is_empty());
        assert!(found.notes[0].message.contains("cannot read"));
    }
}
