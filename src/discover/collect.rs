//! Gathering results: each real file once, each environment probed once.
//!
//! Every candidate path is resolved (symlinks) and identified by its device
//! and inode, so a symlinked `lib64`, a pyenv-virtualenv alias, or a conda
//! package hard-linked into several environments gives one bundle, reported
//! by the first source that reached it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::host::Host;
use super::kinds::{
    in_system_store, looks_like_bundle, patched_to_system_store, system_store_message, Kind,
};
use super::layout::{self, EnvShape};
use super::sources::Source;
use super::{Found, FoundBundle, Note};
use crate::x509::text::path_text;

/// A file's identity: (device, inode) on Unix, (volume serial, file index) on Windows
/// (`crate::os`); its real path when the file cannot be opened for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum FileId {
    Id(u64, u64),
    Path(PathBuf),
}

fn file_id(canonical: &Path) -> FileId {
    match crate::os::path_meta(canonical, true) {
        Ok(meta) => FileId::Id(meta.id.0, meta.id.1),
        Err(_) => FileId::Path(canonical.to_path_buf()),
    }
}

/// A path with symlinks resolved, or as given when it cannot be.
pub(crate) fn canonical(path: &Path) -> PathBuf {
    dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Why a bundle found at `path` in the environment `env` must not be patched, if it must
/// not: its path resolves outside the environment (a link, maybe planted by another user,
/// to any file), or the file is not owned by the environment's owner. A path the
/// environment does not hold (an interpreter's `where()` elsewhere) is judged by its owner
/// only.
///
/// This is discovery's look, by path, for what `find` reports. A command that reads or
/// writes the bundle does not trust it alone: `crate::target` opens the path resolved here
/// again, following no link, from the environment's folder down, and makes the owner and
/// file checks on that open folder, which it keeps until the write (a folder swapped for a
/// link after this look is refused there).
fn refusal(path: &Path, real: &Path, env: &Path) -> Option<String> {
    let env_real = canonical(env);
    if path.starts_with(env) && !real.starts_with(&env_real) {
        return Some(format!(
            "{} resolves to {}, outside its environment {}: certpatch does not write through a link that leads out of an environment (another user may have planted it). If that file is the bundle you mean, name it with --bundle",
            path_text(path),
            path_text(real),
            path_text(&env_real)
        ));
    }
    // Owners by uid on Unix, by SID on Windows (`crate::os`); `crate::target` judges them
    // again on the folder it holds when the bundle is opened.
    let owner = crate::os::path_meta(&env_real, true).ok()?.owner;
    let file_owner = crate::os::path_meta(real, true).ok()?.owner;
    if file_owner != owner {
        return Some(format!(
            "{} is owned by {}, but its environment {} belongs to {}: certpatch does not patch a file another user put in an environment. Check the file; if it is right, give it to the environment's owner (`chown`; on Windows its Properties, Security, Advanced) or name it with --bundle",
            path_text(real),
            super::trust::owner_text(file_owner),
            path_text(&env_real),
            super::trust::owner_text(owner),
        ));
    }
    None
}

pub(crate) struct Collector<'h> {
    pub(crate) host: &'h Host,
    found: Found,
    /// Each real file once: its index in `found.bundles`.
    files: HashMap<FileId, usize>,
    envs: HashSet<PathBuf>,
    notes: HashSet<(Option<PathBuf>, String)>,
    /// The reasons application folders were not searched, each said once: another user
    /// can plant any number of folders under one they own.
    refusals: HashSet<String>,
}

impl<'h> Collector<'h> {
    pub(crate) fn new(host: &'h Host) -> Collector<'h> {
        Collector {
            host,
            found: Found::default(),
            files: HashMap::new(),
            envs: HashSet::new(),
            notes: HashSet::new(),
            refusals: HashSet::new(),
        }
    }

    /// True the first time `why` is given: an application folder not searched for a reason
    /// already said (the same folder in other hands above it) needs no note of its own.
    pub(crate) fn first_refusal(&mut self, why: &str) -> bool {
        self.refusals.insert(why.to_string())
    }

    /// How many bundles and notes so far.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.found.bundles.len(), self.found.notes.len())
    }

    /// Records the version of the interpreter that named the bundles found since
    /// `start` (an index from [`Collector::counts`]).
    pub(crate) fn set_version_since(&mut self, start: usize, version: &str) {
        for b in self.found.bundles.iter_mut().skip(start) {
            b.python_version = Some(version.to_string());
        }
    }

    /// The bundles found so far.
    pub(crate) fn bundles(&self) -> &[FoundBundle] {
        &self.found.bundles
    }

    pub(crate) fn finish(self) -> Found {
        self.found
    }

    pub(crate) fn note(&mut self, path: Option<&Path>, message: impl Into<String>) {
        let key = (path.map(Path::to_path_buf), message.into());
        if self.notes.insert(key.clone()) {
            self.found.notes.push(Note {
                path: key.0,
                message: key.1,
            });
        }
    }

    /// Adds one bundle. `kind` is trusted: callers apply the bundle rule to
    /// `Other` candidates before (see [`Collector::loose_file`]). True when
    /// the file is a bundle (added now, or found before).
    pub(crate) fn candidate(
        &mut self,
        path: &Path,
        kind: Kind,
        env: Option<&Path>,
        source: &Source,
    ) -> bool {
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        let real = canonical(path);
        if in_system_store(self.host, &real) {
            let what = format!("{} (a {} bundle)", path.display(), kind.as_str());
            self.note(Some(&real), system_store_message(&what, &real));
            return false;
        }
        let refusal = if meta.is_file() {
            env.and_then(|env| refusal(path, &real, env))
        } else {
            // Never opened: a FIFO would block, a device or folder is no bundle. It stays
            // in the list, refused, so that a run naming its environment says so.
            Some(format!(
                "{} is not a regular file (a folder, FIFO or device); certpatch neither reads nor patches it. Reinstall the package that owns it",
                path_text(&real)
            ))
        };
        let python_version = layout_version(&real);
        let serves = super::apps::serves(&real, kind);
        let found = FoundBundle {
            path: real,
            kind,
            environment: env.map(canonical),
            source: source.clone(),
            serves,
            interpreter: None,
            python_version,
            refusal,
        };
        match self.files.get(&file_id(&found.path)) {
            None => {
                self.files
                    .insert(file_id(&found.path), self.found.bundles.len());
                self.found.bundles.push(found);
            }
            Some(&i) => {
                let seen = &mut self.found.bundles[i];
                if seen.path != found.path
                    && seen.environment.is_some()
                    && found.environment.is_some()
                {
                    // Two environments (or certifi and pip's copy in one) share one file
                    // through a hard link (uv and conda link from their caches). Each
                    // place is a bundle of its own: a patch replaces the file, which
                    // breaks the link, so each path is reported and patched on its own.
                    let message = format!(
                        "{} and {} are hard links to one file; each environment's path is patched on its own (a patch replaces the file, so the link is broken and the other path keeps the old content)",
                        seen.path.display(),
                        found.path.display()
                    );
                    let path = found.path.clone();
                    self.found.bundles.push(found);
                    self.note(Some(&path), message);
                    return true;
                }
                // The same file met again (a symlink, or a loose hard link walked first):
                // what its environment's layout says beats what a loose path says.
                let better = (seen.refusal.is_some() && found.refusal.is_none())
                    || (seen.environment.is_none() && found.environment.is_some())
                    || (seen.kind == Kind::Other && found.kind != Kind::Other);
                if better {
                    *seen = found;
                }
            }
        }
        true
    }

    /// A `cacert.pem` met outside any known place (while walking a root).
    pub(crate) fn loose_file(&mut self, path: &Path, source: &Source) {
        let kind = super::apps::kind_of(path);
        if kind.always_a_bundle() || looks_like_bundle(path) {
            self.candidate(path, kind, None, source);
        }
    }

    /// Marks an environment as probed; false if it already was.
    pub(crate) fn first_visit(&mut self, root: &Path) -> bool {
        self.envs.insert(canonical(root))
    }

    /// Probes `root` if it is a recognised environment not yet probed.
    /// Returns its shape when recognised (probed now or before).
    pub(crate) fn env(&mut self, root: &Path, source: &Source) -> Option<EnvShape> {
        let shape = layout::recognise(root)?;
        if self.first_visit(root) {
            self.probe(root, source);
        }
        Some(shape)
    }

    /// A candidate read from a layout (not named by an interpreter): a
    /// certifi whose `where()` the distribution patched to return the system
    /// store is a note, as its `cacert.pem` is not used.
    pub(crate) fn layout_candidate(
        &mut self,
        path: &Path,
        kind: Kind,
        env: Option<&Path>,
        source: &Source,
    ) -> bool {
        if matches!(kind, Kind::Certifi | Kind::PipVendored) {
            if let Some(store) = patched_to_system_store(path) {
                let dir = path.parent().unwrap_or(path);
                let what = format!("`where()` of {}", canonical(dir).display());
                self.note(Some(&canonical(path)), system_store_message(&what, &store));
                return false;
            }
        }
        self.candidate(path, kind, env, source)
    }

    /// Probes `root`'s layout whatever it looks like. A site-packages folder
    /// reached before through another root (`/` and `/usr` on a merged-/usr
    /// system, a `lib64` link) is not probed again.
    pub(crate) fn probe(&mut self, root: &Path, source: &Source) {
        for (path, kind) in layout::conda_bundles(root) {
            self.layout_candidate(&path, kind, Some(root), source);
        }
        for sp in layout::site_packages_dirs(root) {
            self.site(&sp, root, source);
        }
    }

    /// Probes one site-packages folder belonging to `env`.
    pub(crate) fn site(&mut self, sp: &Path, env: &Path, source: &Source) {
        if self.first_visit(sp) {
            for (path, kind) in layout::probe_site_packages(sp) {
                self.layout_candidate(&path, kind, Some(env), source);
            }
        }
    }
}

#[cfg(test)]
#[cfg_attr(not(unix), allow(unused_imports))]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[cfg(unix)]
    #[test]
    fn symlinks_and_hard_links_count_once() {
        let t = tempfile::tempdir().unwrap();
        let host = Host::for_tests(t.path(), &[], t.path());
        let a = t.path().join("a.pem");
        write_bundle(&a, 3);
        std::fs::hard_link(&a, t.path().join("b.pem")).unwrap();
        std::os::unix::fs::symlink(&a, t.path().join("c.pem")).unwrap();
        let mut c = Collector::new(&host);
        for name in ["a.pem", "b.pem", "c.pem"] {
            c.candidate(&t.path().join(name), Kind::Other, None, &Source::Root);
        }
        let found = c.finish();
        assert_eq!(found.bundles.len(), 1);
        assert_eq!(found.bundles[0].path, canonical(&a));
    }

    #[cfg(unix)]
    #[test]
    fn a_bundle_linked_to_the_system_store_is_a_note() {
        let t = tempfile::tempdir().unwrap();
        let host = Host::for_tests(t.path(), &[], t.path());
        let store = t.path().join("etc/pki/tls/certs/ca-bundle.crt");
        write_bundle(&store, 3);
        let venv = make_venv(t.path(), "v", "3.9");
        let pem = venv.join("lib/python3.9/site-packages/certifi/cacert.pem");
        std::fs::remove_file(&pem).unwrap();
        std::os::unix::fs::symlink(&store, &pem).unwrap();
        let mut c = Collector::new(&host);
        c.env(&venv, &Source::EnvArg);
        let found = c.finish();
        assert_eq!(kinds(&found), vec![Kind::PipVendored]);
        assert_eq!(found.notes.len(), 1);
        assert!(found.notes[0].message.contains("update-ca-certificates"));
        assert!(found.notes[0].message.contains("update-ca-trust"));
    }
}

/// The Python version an install layout names on a bundle's path: `X.Y` from the
/// `lib/pythonX.Y/site-packages` folder it sits in, when it sits in one.
pub(crate) fn layout_version(path: &Path) -> Option<String> {
    let parts: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    parts.windows(3).rev().find_map(|w| {
        let version = w[1].strip_prefix("python")?;
        let ok = w[0] == "lib"
            && w[2] == "site-packages"
            && version.split('.').count() == 2
            && version
                .split('.')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| version.to_string())
    })
}

/// Whether `version` (`3.13.0`, `3.12`) is Python 3.13 or newer; `None` when it cannot
/// be read.
pub fn at_least_3_13(version: &str) -> Option<bool> {
    let mut parts = version.split('.').map(|n| n.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    Some((major, minor) >= (3, 13))
}

#[cfg(test)]
mod version_tests {
    use super::*;

    #[test]
    fn layout_version_reads_lib_python_site_packages_only() {
        let v = |p: &str| layout_version(Path::new(p));
        assert_eq!(
            v("/e/lib/python3.11/site-packages/certifi/cacert.pem").as_deref(),
            Some("3.11")
        );
        assert_eq!(v("/e/Lib/site-packages/certifi/cacert.pem"), None);
        assert_eq!(v("/e/lib/python3/site-packages/certifi/cacert.pem"), None);
        assert_eq!(at_least_3_13("3.13.1"), Some(true));
        assert_eq!(at_least_3_13("3.9"), Some(false));
        assert_eq!(at_least_3_13("4.0"), Some(true));
        assert_eq!(at_least_3_13("x"), None);
    }
}
