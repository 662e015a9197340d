//! Turning `--bundle`, `--python`, `--env`, `--all` (or none of them) into the list of
//! bundle files a command acts on, each with its kind and where it was found, and what
//! every later open of the file is held to.
//!
//! The policy (certpatch often runs as root on files other users can write):
//! - A discovered bundle (`--env`, `--python`, `--all`, the active environment) whose path
//!   resolves outside its environment, that is not owned by the environment's owner, or
//!   that is not a regular file is refused by discovery, with the reason; one that holds
//!   no certificate is refused when read.
//! - A bundle named with `--bundle` is the user's choice, but a symbolic link on the way
//!   to it (folder or file) owned by anyone but root, the running user or the file's owner
//!   is refused: it would let another user aim a root-run certpatch at any file. An empty
//!   named file is accepted (a bundle to start).
//! - **One resolution, held.** Each target is resolved once: its folder is opened then
//!   ([`crate::os`]) and kept in its [`Expect`], and the admission checks
//!   (inside the environment, owner, regular file, not a link) are made on what that open
//!   folder holds (`fstat`). Every later read, the lock, the write and the rename happen in
//!   that folder, never by path again ([`crate::store::write`]): a folder swapped for a link
//!   after discovery's checks is refused or changes nothing. A discovered bundle's path was
//!   resolved by discovery; it is opened again following no link at all, from its
//!   environment's folder down (so it cannot leave it). A `--bundle` path is walked one
//!   folder at a time, and the links met on that walk are the ones judged.
//!
//! A layer of its own, between `cli` and the layers that find and change bundles: it may
//! import `discover` and `store` (and what they may import), never `cli`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Result};

use crate::discover::{self, Found, Host, Kind};
use crate::os;
use crate::store::write::{self, Expect, Locked};
use crate::x509::text::path_text;

/// Which bundles a command acts on, as plain values: what the user named, and whether
/// every bundle `find` reports. With nothing named and not `all`, the active environment.
/// (The command line builds this from its `--bundle`, `--python`, `--env`, `--all` flags.)
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub named: Named,
    pub all: bool,
}

/// Bundles named one way or another.
#[derive(Clone, Debug, Default)]
pub struct Named {
    /// Bundle files.
    pub bundles: Vec<PathBuf>,
    /// Interpreters: every bundle each one uses.
    pub pythons: Vec<PathBuf>,
    /// Environments: every bundle inside each one.
    pub envs: Vec<PathBuf>,
}

/// One bundle a command acts on.
#[derive(Clone, Debug)]
pub struct Target {
    /// The real file (symlinks resolved); what is locked, written and backed up. For a
    /// target certpatch may change, the path its held folder was opened by.
    pub path: PathBuf,
    pub kind: Option<Kind>,
    pub environment: Option<PathBuf>,
    /// How it was found, for messages ("named by --bundle", "found via `VIRTUAL_ENV`").
    pub via: String,
    /// The same, as a stable identifier for JSON (`bundle-arg`, `virtual-env`, …).
    pub source: &'static str,
    /// The interpreter that uses it, when known (not for `--bundle`): a change must load
    /// in it before it is installed.
    pub interpreter: Option<PathBuf>,
    /// That interpreter's Python version, when discovery knows it.
    pub python_version: Option<String>,
    /// What every open of the file is held to (its folder, its owner, whether it must
    /// hold a certificate), or why certpatch refuses to read or write it at all.
    pub check: std::result::Result<Expect, String>,
}

impl Target {
    /// Reads the bundle for a command that only looks: refused as the target is, never
    /// blocking, bounded ([`write::read`]).
    pub fn read(&self) -> Result<Vec<u8>> {
        let expect = self.check.as_ref().map_err(|r| anyhow!("{r}"))?;
        write::read_held(expect)
    }

    /// Locks the bundle for a change ([`write::lock`]), held to what was checked when it
    /// was resolved.
    pub fn lock(&self, on_wait: impl Fn(&Path)) -> Result<Locked> {
        let expect = self.check.as_ref().map_err(|r| anyhow!("{r}"))?;
        write::lock(expect, on_wait)
    }

    /// Whether Python 3.13's partial-chain trust (every certificate in the bundle is an
    /// anchor) may apply: its interpreter is Python 3.13 or newer, or is not known (a
    /// `--bundle` target, an interpreter whose version discovery did not learn).
    pub fn may_be_python_3_13(&self) -> bool {
        match (&self.interpreter, &self.python_version) {
            (Some(_), Some(v)) => discover::at_least_3_13(v).unwrap_or(true),
            _ => true,
        }
    }

    /// Whether its interpreter is Python 3.13 or newer: `None` when not known.
    pub fn python_3_13(&self) -> Option<bool> {
        match (&self.interpreter, &self.python_version) {
            (Some(_), Some(v)) => discover::at_least_3_13(v),
            _ => None,
        }
    }

    /// The program the bundle serves, when it is not just its environment's Python
    /// ([`discover::serves`]).
    pub fn serves(&self) -> Option<discover::Program> {
        discover::serves(&self.path, self.kind?)
    }

    /// `PATH (certifi, serves gcloud, found via …)`
    pub fn describe(&self) -> String {
        let mut extra = Vec::new();
        if let Some(kind) = self.kind {
            extra.push(kind.as_str().to_string());
        }
        if let Some(app) = self.serves() {
            extra.push(format!("serves {app}"));
        }
        extra.push(self.via.clone());
        format!("{} ({})", path_text(&self.path), extra.join(", "))
    }
}

/// What resolution found: the targets and the notes discovery wants the user to see
/// (a distribution-patched certifi, an interpreter that did not answer, …).
pub struct Resolved {
    pub targets: Vec<Target>,
    pub notes: Vec<String>,
}

pub fn resolve(spec: &Spec, host: &Host) -> Result<Resolved> {
    let mut found = Found::default();
    // The named bundles, resolved once (held), by their real path.
    let mut held_named: Vec<Expect> = Vec::new();
    for bundle in &spec.named.bundles {
        if !bundle.is_file() {
            bail!(
                "the bundle `{}` does not exist or is not a file\nhint: `certpatch find` lists the bundles on this machine",
                path_text(bundle)
            );
        }
        let expect = hold_named(bundle)?;
        let mut named = discover::named_bundle(&expect.path());
        // The held path is already the real one; canonicalizing it again could name another
        // drive on Windows (a `subst` or mapped drive resolves to the folder behind it).
        named.path = expect.path();
        held_named.push(expect);
        match discover::named_bundle_check(host, &named) {
            Err(refusal) => bail!("{refusal}"),
            Ok(Some(note)) => found.notes.push(discover::Note {
                path: None,
                message: note,
            }),
            Ok(None) => {}
        }
        found.bundles.push(named);
    }
    for exe in &spec.named.pythons {
        found.extend(discover::bundles_of_python(host, exe));
    }
    for dir in &spec.named.envs {
        if !dir.is_dir() {
            bail!(
                "the environment `{}` does not exist or is not a folder",
                path_text(dir)
            );
        }
        let exe = discover::layout::interpreter_in(&host.absolute(dir));
        let mut in_env = discover::bundles_in_env(host, dir, discover::Source::EnvArg);
        for b in &mut in_env.bundles {
            b.interpreter.clone_from(&exe);
        }
        found.extend(in_env);
    }
    if spec.all {
        found.extend(discover::find_all(host, &[], &[]));
    }
    let named_any = !spec.named.bundles.is_empty()
        || !spec.named.pythons.is_empty()
        || !spec.named.envs.is_empty()
        || spec.all;
    if !named_any {
        match discover::active_environment(host) {
            Ok(env) => {
                let mut in_env = discover::bundles_of_environment(host, &env);
                for passed in &env.passed_over {
                    in_env.notes.push(discover::Note {
                        path: None,
                        message: format!(
                            "passed over: {passed}; using {} ({}) instead",
                            path_text(&env.root),
                            env.source
                        ),
                    });
                }
                if in_env.bundles.is_empty() {
                    in_env.notes.push(discover::Note {
                        path: Some(env.root.clone()),
                        message: format!(
                            "the active environment `{}` ({}) has no CA bundle (is certifi installed there?)",
                            path_text(&env.root),
                            env.source
                        ),
                    });
                }
                found.extend(in_env);
            }
            Err(not_found) => bail!("{not_found}"),
        }
    }
    let mut targets: Vec<Target> = Vec::new();
    for b in found.bundles {
        if targets.iter().any(|t| t.path == b.path) {
            continue;
        }
        let check = match b.refusal {
            Some(refusal) => Err(refusal),
            None if b.source == discover::Source::BundleArg => {
                match held_named.iter().position(|e| e.path() == b.path) {
                    Some(i) => Ok(held_named.swap_remove(i)),
                    None => Err(format!(
                        "`{}` changed while certpatch resolved it (a folder or link on the way was replaced); nothing was read or written. Run the command again, and check who can write the folders on the way",
                        path_text(&b.path)
                    )),
                }
            }
            None => hold_discovered(&b.path, b.environment.as_deref())
                .map_err(|e| crate::x509::text::chain(&e)),
        };
        let path = match &check {
            Ok(expect) => expect.path(),
            Err(_) => dunce::canonicalize(&b.path).unwrap_or(b.path),
        };
        targets.push(Target {
            path,
            kind: Some(b.kind),
            environment: b.environment,
            via: b.source.to_string(),
            source: b.source.as_str(),
            interpreter: b.interpreter,
            python_version: b.python_version,
            check,
        });
    }
    let notes: Vec<String> = found
        .notes
        .into_iter()
        .map(|n| match n.path {
            Some(p) => format!("{}: {}", path_text(&p), n.message),
            None => n.message,
        })
        .collect();
    if targets.is_empty() {
        // The notes are the explanation (a system store, an interpreter that failed).
        let mut message = String::from(if named_any {
            "no CA bundle found in the named targets"
        } else {
            "no CA bundle found in the active environment"
        });
        for note in &notes {
            message.push_str("\n  ");
            message.push_str(note);
        }
        message.push_str("\nhint: `certpatch find` lists the bundles on this machine; name one with --bundle FILE");
        bail!(message);
    }
    Ok(Resolved { targets, notes })
}

/// Resolves a discovered bundle once. Its path and its environment's were resolved by
/// discovery (no link left in them); they are opened again following no link at all —
/// the environment's folder first, then the bundle's folder beneath it (never leaving it)
/// — so a folder swapped for a link since discovery's checks is refused, not followed.
/// The file must be owned by the environment's owner, checked on the held folders. A
/// bundle found outside any environment (a loose file) is held to its own owner. A
/// discovered bundle must hold a certificate (checked when read).
fn hold_discovered(path: &Path, environment: Option<&Path>) -> Result<Expect> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        bail!("`{}` does not name a file", path_text(path));
    };
    let Some(env) = environment else {
        return Expect::of(path, true);
    };
    let env_folder = os::open_folder(env).map_err(|e| write::folder_error(e, path))?;
    let env_owner = env_folder.stat()?.owner;
    let folder = match parent.strip_prefix(env) {
        Ok(rel) => os::open_folder_beneath(&env_folder, rel),
        // A bundle its environment's interpreter names elsewhere: judged by its owner.
        Err(_) => os::open_folder(parent),
    }
    .map_err(|e| write::folder_error(e, path))?;
    Expect::held(Arc::new(folder), name, Some(env_owner), true)
}

/// Resolves a bundle named with `--bundle` once, walking it one folder at a time
/// ([`os::walk_parent`]) and holding the folder reached. The policy: the user
/// named it, but a symbolic link on the way (the file itself or any folder) that belongs to
/// someone other than root, the user running certpatch, or the file's own owner is refused
/// — such a link lets another user point a root-run certpatch at any file (a link planted
/// in `/tmp`). The links judged are the ones this walk followed; the file's owner is the
/// one of the file opened in the held folder. An empty file is accepted (a bundle to start).
fn hold_named(named: &Path) -> Result<Expect> {
    let walked = os::walk_parent(named, true)
        .map_err(|e| anyhow!("cannot resolve the bundle `{}`: {e}", path_text(named)))?;
    let links = walked.links;
    let expect = Expect::held(Arc::new(walked.folder), &walked.name, None, false)?;
    let me = write::euid();
    for link in links {
        if link.owner != 0 && link.owner != me && link.owner != expect.owner {
            bail!(
                "`{}` is a symbolic link owned by uid {}, another user (not root, not you, not the owner of the file it leads to); certpatch does not write through a link another user controls, which could point it at any file. Check where it leads (`ls -l`) and name that file itself with --bundle",
                path_text(&link.path),
                link.owner
            );
        }
    }
    Ok(expect)
}

/// Every symbolic link met while resolving `path` (absolute, or from the current folder),
/// with its owner: the links of the folders on the way, of the file, and of the paths the
/// links themselves name (the walk [`hold_named`] judges).
#[cfg(all(test, unix))]
fn links_on_the_way(path: &Path) -> std::io::Result<Vec<(PathBuf, u32)>> {
    let walked = os::walk_parent(path, true)?;
    Ok(walked
        .links
        .into_iter()
        .map(|l| (l.path, l.owner))
        .collect())
}

// Unix links, modes and `renameat2(RENAME_EXCHANGE)`; the Windows walk is tested by
// tests/cli/windows.rs (drive letters, junctions, case).
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_on_the_way_follows_folders_files_and_relative_links() {
        let t = tempfile::tempdir().unwrap();
        let base = dunce::canonicalize(t.path()).unwrap();
        std::fs::create_dir_all(base.join("real/sub")).unwrap();
        std::fs::write(base.join("real/sub/file"), "x").unwrap();
        std::os::unix::fs::symlink("real", base.join("dirlink")).unwrap();
        std::os::unix::fs::symlink("sub/file", base.join("real/flink")).unwrap();
        let links = links_on_the_way(&base.join("dirlink/flink")).unwrap();
        let names: Vec<PathBuf> = links.into_iter().map(|(p, _)| p).collect();
        assert_eq!(names, vec![base.join("dirlink"), base.join("real/flink")]);
        assert!(links_on_the_way(&base.join("real/sub/../sub/file"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_named_bundle_through_your_own_links_is_held_at_its_real_path() {
        let t = tempfile::tempdir().unwrap();
        let base = dunce::canonicalize(t.path()).unwrap();
        std::fs::create_dir_all(base.join("real/sub")).unwrap();
        std::fs::write(base.join("real/sub/ca.pem"), "").unwrap();
        std::os::unix::fs::symlink("real", base.join("dirlink")).unwrap();
        std::os::unix::fs::symlink("ca.pem", base.join("real/sub/flink")).unwrap();
        let expect = hold_named(&base.join("dirlink/sub/flink")).unwrap();
        assert_eq!(expect.path(), base.join("real/sub/ca.pem"));
        assert!(!expect.certificate, "a named file may be empty");
        // The folder is held: swapped for a link to elsewhere, the lock still opens the
        // file that was resolved, in the folder that was resolved.
        std::fs::create_dir(base.join("elsewhere")).unwrap();
        std::fs::write(base.join("elsewhere/ca.pem"), "other").unwrap();
        std::fs::rename(base.join("real/sub"), base.join("real/moved")).unwrap();
        std::os::unix::fs::symlink(base.join("elsewhere"), base.join("real/sub")).unwrap();
        let locked = write::lock(&expect, |_| {}).unwrap();
        locked.replace(b"new").unwrap();
        assert_eq!(
            std::fs::read(base.join("real/moved/ca.pem")).unwrap(),
            b"new"
        );
        assert_eq!(
            std::fs::read(base.join("elsewhere/ca.pem")).unwrap(),
            b"other"
        );
    }

    /// The race of issue 14 (finding 4), as a loop: while a thread swaps the venv's
    /// `certifi` folder with a link to a folder outside the environment as fast as it can
    /// (`renameat2(RENAME_EXCHANGE)`, as the attacker did), the add path resolves the
    /// environment and runs a bundle transaction, 2,000 times. The outside file (the
    /// root-only bundle in the attack; here owned by the same user, so that only the held
    /// resolution stands in the way) must never change, and every attempt either writes the
    /// real bundle, at the path it reports, or is refused. Which attempts win is not asserted.
    #[test]
    fn a_folder_swapped_for_a_link_in_a_loop_never_leads_a_write_outside() {
        use crate::bundle::Bundle;
        use crate::store::home::Home;
        use crate::store::ledger::Ledger;
        use crate::store::transaction::{self, Access, BackupStep, Write};
        use std::os::unix::fs::PermissionsExt;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

        const ATTEMPTS: usize = 2000;
        // In memory where there is a tmpfs (each write fsyncs the bundle, its folder and
        // the ledger: on a disk that is most of the time), else in the temporary folder.
        let shm = Path::new("/dev/shm");
        let t = if shm.is_dir() {
            tempfile::tempdir_in(shm).unwrap()
        } else {
            tempfile::tempdir().unwrap()
        };
        let base = dunce::canonicalize(t.path()).unwrap();
        let pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
        let env = base.join("venv");
        let sp = env.join("lib/python3.12/site-packages");
        std::fs::create_dir_all(sp.join("certifi")).unwrap();
        std::fs::write(env.join("pyvenv.cfg"), "home = /nonexistent/bin\n").unwrap();
        std::fs::write(sp.join("certifi/__init__.py"), "").unwrap();
        std::fs::write(sp.join("certifi/cacert.pem"), pem.repeat(3)).unwrap();
        let outside = base.join("root-only");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("__init__.py"), "").unwrap();
        std::fs::write(outside.join("cacert.pem"), pem.repeat(3)).unwrap();
        std::fs::set_permissions(
            outside.join("cacert.pem"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        let outside_before = std::fs::read(outside.join("cacert.pem")).unwrap();
        std::os::unix::fs::symlink(&outside, sp.join("swap")).unwrap();
        // The real certifi folder, held by the test, wherever the swaps leave its name.
        let real = os::open_folder(&sp.join("certifi")).unwrap();
        let real_paths = [sp.join("certifi/cacert.pem"), sp.join("swap/cacert.pem")];
        let home_dir = base.join("home");
        std::fs::create_dir(&home_dir).unwrap();
        std::fs::set_permissions(&home_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let home = Home { root: home_dir };
        let host = discover::Host::for_tests(&base.join("host"), &[], &base);
        let spec = Spec {
            named: Named {
                envs: vec![env.clone()],
                ..Named::default()
            },
            all: false,
        };

        let stop = Arc::new(AtomicBool::new(false));
        let swaps = Arc::new(AtomicUsize::new(0));
        let swapper = {
            let (stop, swaps) = (Arc::clone(&stop), Arc::clone(&swaps));
            let sp = os::open_folder(&sp).unwrap();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    rustix::fs::renameat_with(
                        sp.fd(),
                        "certifi",
                        sp.fd(),
                        "swap",
                        rustix::fs::RenameFlags::EXCHANGE,
                    )
                    .expect("the swap (renameat2 RENAME_EXCHANGE)");
                    swaps.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        while swaps.load(Ordering::Relaxed) == 0 {
            std::thread::yield_now();
        }
        let (mut tried, mut written, mut refused) = (0, 0, 0);
        for attempt in 0..ATTEMPTS {
            let targets = match resolve(&spec, &host) {
                Ok(r) => r.targets,
                Err(_) => continue,
            };
            // Discovery may find certifi's folder under either name (a package folder
            // holding a `cacert.pem`): every target found is tried.
            for target in &targets {
                tried += 1;
                let mark = format!("# attempt {attempt}\n");
                let done = transaction::run(
                    Access {
                        read: || target.read(),
                        lock: || target.lock(|_| {}),
                    },
                    Some(&home),
                    |b: Bundle| b,
                    |b: &Bundle, _| {
                        let mut bytes = b.bytes.clone();
                        bytes.extend_from_slice(mark.as_bytes());
                        Ok((
                            (),
                            Some(Write {
                                bytes,
                                backup: BackupStep::Leave,
                                ledger: |_: &mut Ledger| {},
                            }),
                        ))
                    },
                );
                match done {
                    Ok(done) => {
                        assert!(done.committed.is_some(), "attempt {attempt}");
                        // The real folder, under the name it had when resolved.
                        assert!(
                            real_paths.contains(&target.path),
                            "attempt {attempt}: wrote {}",
                            path_text(&target.path)
                        );
                        written += 1;
                    }
                    Err(_) => refused += 1,
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        swapper.join().unwrap();
        assert_eq!(
            std::fs::read(outside.join("cacert.pem")).unwrap(),
            outside_before,
            "the file outside the environment was written"
        );
        assert_eq!(written + refused, tried);
        let fd = real
            .open("cacert.pem".as_ref(), rustix::fs::OFlags::RDONLY)
            .unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::fs::File::from(fd), &mut bytes).unwrap();
        let marks = String::from_utf8_lossy(&bytes)
            .matches("# attempt ")
            .count();
        assert_eq!(marks, written, "each write landed in the real bundle, once");
        eprintln!(
            "{ATTEMPTS} attempts, {tried} bundle transactions, {} swaps: {written} written, {refused} refused",
            swaps.load(Ordering::Relaxed)
        );
    }
}
