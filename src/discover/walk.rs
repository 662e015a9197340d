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
//! - Each folder is opened relative to its parent's open descriptor and listed once;
//!   whether it can be an environment is read from that listing.

use std::path::Path;

use crate::os::{Listed, Listing};
use crate::x509::text::path_text;

use super::collect::Collector;
use super::host::Host;
use super::kinds::{is_site_dir, BUNDLE_NAME};
use super::layout::EnvShape;
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

/// Whether a folder with these entries can be an environment at all: it holds one of
/// the names [`super::layout::recognise`] looks for. Most folders of a tree (packages,
/// sources, data) hold none, and are then known not to be one without a single probe.
/// Compared without case, so a case-insensitive file system loses nothing.
fn may_be_env(entries: &[Listed]) -> bool {
    entries.iter().any(|e| {
        e.name.to_str().is_some_and(|n| {
            ["pyvenv.cfg", "conda-meta", "python.exe", "Scripts", "lib"]
                .iter()
                .any(|m| m.eq_ignore_ascii_case(n))
        })
    })
}

/// Probes `dir` as a `site-packages`/`dist-packages` folder outside any environment if
/// it is named like one; true when it was.
fn site_dir(c: &mut Collector<'_>, dir: &Path, source: &Source) -> bool {
    let name = dir.file_name().map(|n| n.to_string_lossy());
    if name.as_deref().is_some_and(is_site_dir) {
        c.site(dir, dir, source);
        return true;
    }
    false
}

/// Walks `root`, probing every environment under it.
pub(crate) fn walk(c: &mut Collector<'_>, root: &Path, source: &Source, max_depth: Option<usize>) {
    let root = c.host.absolute(root);
    // The root itself is followed when it is a link.
    let meta = match std::fs::metadata(&root) {
        Ok(m) => m,
        Err(err) => {
            c.note(
                Some(&root),
                format!("cannot read {}: {err}", path_text(&root)),
            );
            return;
        }
    };
    if !meta.is_dir() {
        if root.file_name().is_some_and(|n| n == BUNDLE_NAME) {
            c.loose_file(&root, source);
        }
        return;
    }
    let listed = Listing::open(&root).and_then(|mut f| Ok((f.entries()?, f)));
    match listed {
        Ok((entries, folder)) => visit(c, &root, &folder, entries, 0, source, max_depth),
        Err(err) => {
            // Like any folder that cannot be listed, it may still be an environment.
            if c.env(&root, source).is_none() {
                site_dir(c, &root, source);
            }
            c.note(
                Some(&root),
                format!("cannot read {}: {err}", path_text(&root)),
            );
        }
    }
}

/// Visits folder `dir` (at `depth` below the root) whose entries are `entries`: probes
/// it when it is an environment, then its files and folders in name order, each folder
/// before what is inside it.
fn visit(
    c: &mut Collector<'_>,
    dir: &Path,
    folder: &Listing,
    entries: Vec<Listed>,
    depth: usize,
    source: &Source,
    max_depth: Option<usize>,
) {
    let mut shape = None;
    if may_be_env(&entries) {
        shape = c.env(dir, source);
        if shape == Some(EnvShape::Venv) {
            return;
        }
    }
    if shape.is_none() && site_dir(c, dir, source) {
        return;
    }
    // An application's install folder: its fixed places, which are named like no other
    // bundle (httplib2's `cacerts.txt` in gcloud's `third_party`), then the walk goes on.
    if entries
        .iter()
        .any(|e| e.name == "lib" || e.name == "awscli")
    {
        let names: Vec<&str> = entries.iter().filter_map(|e| e.name.to_str()).collect();
        if let Some(app) = super::apps::app_at(dir, &names) {
            super::app_places(c, dir, app, source);
        }
    }
    if max_depth.is_some_and(|m| depth >= m) {
        return;
    }
    for entry in entries {
        let path = dir.join(&entry.name);
        if entry.is_dir {
            let name = entry.name.to_string_lossy();
            let pruned = shape.is_some_and(|s| entry.name.to_str().is_some_and(|n| s.prunes(n)));
            if pruned || SKIPPED.contains(&name.as_ref()) || proc_like(c.host, &path) {
                continue;
            }
            let listed = folder
                .child(&entry.name, &path)
                .and_then(|mut f| Ok((f.entries()?, f)));
            match listed {
                Ok((inner, child)) => visit(c, &path, &child, inner, depth + 1, source, max_depth),
                Err(err) => {
                    // A folder that cannot be listed may still be an environment (its
                    // known places can be reached without listing it).
                    if c.env(&path, source).is_some() || site_dir(c, &path, source) {
                        continue;
                    }
                    if err.kind() != std::io::ErrorKind::PermissionDenied {
                        continue;
                    }
                    // Bundles behind it would go unreported: say so, once per folder.
                    c.note(
                        Some(&path),
                        "permission denied: bundles inside it are not listed (run as its owner, or with sudo, to include them)".to_string(),
                    );
                }
            }
        } else if entry.name == BUNDLE_NAME {
            c.loose_file(&path, source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{find_all, Kind};
    use super::*;
    use std::path::PathBuf;

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
