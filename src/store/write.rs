//! Reading and changing a bundle safely: open without following or blocking, lock, read
//! (bounded), decide, write a temporary file, rename.
//!
//! certpatch is often run as root on files other users can write, so every open of a
//! bundle is made to be safe against a file swapped under it:
//! - **Never through a swapped link, never blocked.** A bundle is opened with
//!   `O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC` in its held folder, and the opened file's `fstat`
//!   decides: a regular file, at most [`MAX_BUNDLE_BYTES`] long (checked before reading), and
//!   for a write, owned by the owner checked when the target was resolved ([`Expect`]).
//!   A FIFO or device swapped in is refused, never waited on.
//! - **One resolution, held.** The bundle's folder is opened once, when the target is
//!   resolved ([`crate::os`]), and kept in its [`Expect`]: the admission
//!   checks, the lock, the temporary file and the rename all work in that open folder
//!   (`openat`, `renameat`), never by path again, so a folder on the path swapped for a
//!   link at any moment changes nothing. The path printed and recorded is the folder's.
//! - **Never torn.** The new content goes to a temporary file in the bundle's own folder,
//!   is fsynced, then renamed over the bundle (atomic on POSIX), and the folder is fsynced.
//!   A crash at any moment leaves the old bundle or the new one.
//! - **Never a lost update.** An exclusive `flock` on the bundle itself is held from the read
//!   to the rename. Because the rename replaces the file, a process that waited on the old
//!   file checks, once it holds the lock, that the name still names the file it locked, and
//!   starts over if not. No lock file is ever left beside the bundle.
//! - **Nothing stray.** Temporary files are named `.NAME.certpatch-*.tmp`; one left by a
//!   killed run is deleted by the next run while it holds the lock (no other certpatch can
//!   be writing then), and it never blocks anything.
//! - **Same file, same owner.** The mode, owner and group of the bundle are kept. When they
//!   cannot be kept (a user who is not the owner, a group the user is not in) the write is
//!   refused rather than silently changing them; a bundle its owner made read-only is
//!   refused unless certpatch runs as root.
//!
//! Copies that are not bundles (`--output`, backups, the ledger) go through
//! [`write_atomic`]: the parent folder is resolved once and held (a link on the way is
//! followed only when root or the running user owns it), a temporary file is created
//! exclusively in it and renamed over the name, so an existing link there is replaced,
//! never followed. They are never chowned, and never group- or world-writable.
//!
//! This module never prints: facts a command should tell the user (a folder that others
//! can write) are returned.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};

use crate::os::{self, Folder, Kind, Meta};
use crate::x509::text::path_text;

/// The largest bundle certpatch reads: certifi's is about 300 KB. Anything larger is
/// refused before reading (a sparse multi-gigabyte `cacert.pem` must not make certpatch
/// allocate gigabytes). The one place this limit is set.
pub const MAX_BUNDLE_BYTES: u64 = 64 << 20;

const TEMP_MARK: &str = ".certpatch-";

/// The effective user id certpatch runs as.
pub fn euid() -> u32 {
    os::euid()
}

/// What was checked about a bundle when its target was resolved, and the folder it was
/// checked in, held open: every later open of the file (maybe after a swap) happens in
/// that folder and is held to these facts.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The folder holding the bundle, open since the target was resolved.
    pub folder: Arc<Folder>,
    /// The bundle's name in that folder.
    pub name: OsString,
    /// The folder's (device, inode).
    pub dir: (u64, u64),
    /// The owner the bundle had when checked (uid). A file with another owner at that
    /// name was put there since: refused.
    pub owner: u32,
    /// Refuse content without any certificate (a discovered bundle: a file at a bundle's
    /// place that holds no certificate is not what certpatch was asked to patch).
    pub certificate: bool,
}

impl Expect {
    /// Resolves the (already link-free) bundle path `path` once, following no link on the
    /// way, and checks the file in the held folder ([`Expect::held`]).
    pub fn of(path: &Path, certificate: bool) -> Result<Expect> {
        let (dir, _) = split(path)?;
        let folder =
            os::open_folder(&std::path::absolute(dir)?).map_err(|e| folder_error(e, path))?;
        Expect::held(Arc::new(folder), split(path)?.1, None, certificate)
    }

    /// Checks the file `name` in the held `folder`, as opened (`O_NOFOLLOW|O_NONBLOCK`,
    /// `fstat`): a regular file within the size limit, owned by `owner` when given (the
    /// environment's owner, for a discovered bundle).
    pub fn held(
        folder: Arc<Folder>,
        name: &OsStr,
        owner: Option<u32>,
        certificate: bool,
    ) -> Result<Expect> {
        let path = folder.path().join(name);
        let (_, st) = open_in(&folder, name, &path)?;
        if let Some(owner) = owner {
            if st.owner != owner {
                bail!(
                    "{} is owned by uid {}, but its environment belongs to uid {owner}: certpatch does not patch a file another user put in an environment. Check the file; if it is right, give it to the environment's owner (`chown`) or name it with --bundle",
                    path_text(&path),
                    st.owner
                );
            }
        }
        let dir_st = folder.stat()?;
        Ok(Expect {
            dir: dir_st.id,
            name: name.to_os_string(),
            folder,
            owner: st.owner,
            certificate,
        })
    }

    /// The path of the bundle as resolved: the one read, written, printed and recorded.
    pub fn path(&self) -> PathBuf {
        self.folder.path().join(&self.name)
    }
}

/// The refusal for a folder that could not be opened held: a link where a folder was
/// resolved means it was swapped since.
pub fn folder_error(e: std::io::Error, path: &Path) -> anyhow::Error {
    if os::is_link_error(&e) {
        anyhow!(
            "a folder on the way to `{}` is now a symbolic link or no folder (it was a folder when certpatch resolved it: was it replaced?); nothing was read or written. Check who can write the folders above it",
            path_text(path)
        )
    } else {
        anyhow::Error::new(e).context(format!(
            "cannot open the folder of bundle `{}`",
            path_text(path)
        ))
    }
}

fn split(path: &Path) -> Result<(&Path, &OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("`{}` does not name a file", path_text(path)))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok((dir, name))
}

/// Checks an opened file: a regular file no larger than [`MAX_BUNDLE_BYTES`].
fn check_opened(st: &Meta, path: &Path) -> Result<()> {
    if st.kind != Kind::File {
        bail!(
            "`{}` is {}, not a regular file; a CA bundle is a regular file (was it replaced? `certpatch find` lists the bundles)",
            path_text(path),
            st.kind.described()
        );
    }
    too_large(st.len, path)
}

/// The refusal for a bundle larger than [`MAX_BUNDLE_BYTES`].
pub fn too_large(size: u64, path: &Path) -> Result<()> {
    if size > MAX_BUNDLE_BYTES {
        bail!(
            "`{}` is {} MiB, larger than the {} MiB certpatch reads; a CA bundle is far smaller (certifi's is about 300 KB): check what this file is",
            path_text(path),
            size >> 20,
            MAX_BUNDLE_BYTES >> 20
        );
    }
    Ok(())
}

fn open_error(e: std::io::Error, path: &Path) -> anyhow::Error {
    if os::is_final_link_error(&e) {
        anyhow!(
            "`{}` is {} (it was a file when certpatch resolved it: was it replaced?); certpatch does not follow it. Name the file it points to, if you mean that one",
            path_text(path),
            os::LINK_WORDS
        )
    } else {
        anyhow::Error::new(e).context(format!("cannot open bundle `{}`", path_text(path)))
    }
}

/// Opens `path` for reading without following a final symlink and without blocking (a
/// FIFO), and checks the opened file (`check_opened`).
pub fn open_regular(path: &Path) -> Result<(File, Meta)> {
    let file = os::open_read(path).map_err(|e| open_error(e, path))?;
    let st = os::file_meta(&file)?;
    check_opened(&st, path)?;
    Ok((file, st))
}

/// The same in a held folder: `name` opened there, never by path.
fn open_in(folder: &Folder, name: &OsStr, path: &Path) -> Result<(File, Meta)> {
    let file = folder.open_read(name).map_err(|e| open_error(e, path))?;
    let st = os::file_meta(&file)?;
    check_opened(&st, path)?;
    Ok((file, st))
}

/// Reads at most [`MAX_BUNDLE_BYTES`] (a file that grew past it is refused).
fn read_bounded(file: &File, path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(MAX_BUNDLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read bundle `{}`", path_text(path)))?;
    too_large(bytes.len() as u64, path)?;
    Ok(bytes)
}

/// Reads a bundle for a command that only looks: never follows a swapped-in link, never
/// blocks on a FIFO, never reads more than [`MAX_BUNDLE_BYTES`].
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let (file, _) = open_regular(path)?;
    read_bounded(&file, path)
}

/// The first `limit` bytes of a file of which only the first lines matter (a package's
/// `METADATA` header, a `VERSION`), opened as [`read`] opens a file (no link followed at
/// it, no FIFO waited on, a regular file), whatever its size.
pub fn read_head(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = os::open_read(path).map_err(|e| open_error(e, path))?;
    let st = os::file_meta(&file)?;
    if st.kind != Kind::File {
        bail!(
            "`{}` is {}, not a regular file",
            path_text(path),
            st.kind.described()
        );
    }
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", path_text(path)))?;
    Ok(bytes)
}

/// Reads a resolved bundle in its held folder ([`Expect`]), with the same rules as [`read`].
pub fn read_held(expect: &Expect) -> Result<Vec<u8>> {
    let path = expect.path();
    let (file, _) = open_in(&expect.folder, &expect.name, &path)?;
    read_bounded(&file, &path)
}

/// A bundle held under an exclusive lock, with the content read under that lock.
pub struct Locked {
    /// The real file (symlinks resolved).
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Set when certpatch runs as root and the bundle's folder can be written by others
    /// than root and the bundle's owner (how: "mode 0775", or on Windows who the access
    /// list lets): they could swap the file before or after the patch. The command tells
    /// the user.
    pub shared_folder: Option<String>,
    guard: os::Guard,
    /// The bundle's facts when locked (where the guard does not hold the bundle open).
    meta: Meta,
    dir: Arc<Folder>,
    name: OsString,
}

/// Opens the bundle in the folder held since its target was resolved (see the module
/// docs), checks it against `expect`, and takes the exclusive lock (waiting for other
/// certpatch processes). `on_wait` is called with the path before each wait, so the caller
/// can say why nothing happens (this layer prints nothing).
pub fn lock(expect: &Expect, on_wait: impl Fn(&Path)) -> Result<Locked> {
    let path = &expect.path();
    let dir = &expect.folder;
    let name = expect.name.as_os_str();
    let dir_st = dir.stat()?;
    if dir_st.id != expect.dir {
        bail!(
            "the folder `{}` is not the one certpatch checked; nothing was written",
            path_text(dir.path())
        );
    }
    let me = euid();
    for _ in 0..1000 {
        let (file, st) = open_in(dir, name, path)?;
        check_owner(&st, expect, me, path)?;
        let (guard, file) = os::lock_bundle(dir, name, file, || on_wait(path))
            .with_context(|| format!("cannot lock bundle `{}`", path_text(path)))?;
        // The lock is on an inode; a rename by the previous holder may have replaced it.
        match dir.stat_of(name) {
            // (On Windows the bundle is opened again after the wait: that file too.)
            Ok(now) if now.id == st.id && os::file_meta(&file)?.id == st.id => {
                let bytes = read_bounded(&file, path)?;
                drop(file);
                if expect.certificate
                    && memchr::memmem::find(&bytes, b"-----BEGIN CERTIFICATE-----").is_none()
                {
                    bail!(
                        "`{}` holds no certificate, so it is not a CA bundle certpatch patches (an empty or foreign file at a bundle's place); reinstall the package that owns it (`pip install --force-reinstall certifi`), or name it with --bundle if you mean it",
                        path_text(path)
                    );
                }
                remove_stale_temporaries(dir, name);
                let shared_folder = if me == 0 {
                    dir.others_may_replace(st.owner)?
                } else {
                    None
                };
                return Ok(Locked {
                    path: path.to_path_buf(),
                    bytes,
                    shared_folder,
                    guard,
                    meta: st,
                    dir: Arc::clone(dir),
                    name: name.to_os_string(),
                });
            }
            _ => continue,
        }
    }
    Err(anyhow!(
        "`{}` kept being replaced while certpatch waited for its lock; is another program rewriting it in a loop?",
        path_text(path)
    ))
}

/// The owner rules for a file about to be replaced.
fn check_owner(st: &Meta, expect: &Expect, me: u32, path: &Path) -> Result<()> {
    if st.owner != expect.owner {
        bail!(
            "`{}` is now owned by uid {}, not uid {} as when certpatch checked it: it was replaced by someone else; nothing was written. Check the file and who can write its folder",
            path_text(path),
            st.owner,
            expect.owner
        );
    }
    if me != 0 && st.owner != me {
        bail!(
            "`{}` belongs to uid {}, and certpatch runs as uid {me}: replacing it would make it yours (only root can keep another user's ownership); nothing was written. Run certpatch as its owner, or with sudo",
            path_text(path),
            st.owner
        );
    }
    if me != 0 && st.mode & 0o200 == 0 {
        bail!(
            "`{}` is read-only (mode {:04o}): its owner made it so, and certpatch does not replace a file its owner protected; nothing was written. Make it writable first (`chmod u+w`) if you mean to patch it",
            path_text(path),
            st.mode & 0o7777
        );
    }
    Ok(())
}

impl Locked {
    /// Replaces the bundle's content atomically, keeping its mode, owner and group, in the
    /// folder opened by [`lock`].
    pub fn replace(&self, new: &[u8]) -> Result<()> {
        let st = match self.guard.bundle_meta() {
            Some(now) => now?,
            None => self.meta,
        };
        let hint =
            "check the folder's permissions (a system-wide Python may need sudo) and free space";
        let (tmp_name, tmp) = create_temp(&self.dir, &self.name).with_context(|| {
            format!(
                "cannot create a temporary file beside `{}`; {hint}",
                path_text(&self.path)
            )
        })?;
        let result = (|| -> Result<()> {
            let mut file = tmp;
            file.write_all(new).with_context(|| {
                format!(
                    "cannot write a temporary file beside `{}`; {hint}",
                    path_text(&self.path)
                )
            })?;
            keep_owner(&file, &st, &self.path)?;
            self.dir.keep_access(&self.name, &file).with_context(|| {
                format!(
                    "cannot give the new `{}` the access list of the old one, so it is not replaced",
                    path_text(&self.path)
                )
            })?;
            os::set_mode(&file, st.mode & 0o7777).with_context(|| {
                format!("cannot set the mode of the new `{}`", path_text(&self.path))
            })?;
            file.sync_all().with_context(|| {
                format!("cannot flush the new `{}` to disk", path_text(&self.path))
            })?;
            drop(file);
            self.dir
                .rename(&tmp_name, &self.name)
                .with_context(|| format!("cannot replace `{}`; {hint}", path_text(&self.path)))?;
            Ok(())
        })();
        if result.is_err() {
            let _ = self.dir.unlink(&tmp_name);
            return result;
        }
        self.dir.sync();
        Ok(())
    }
}

/// Gives the new file the bundle's owner and group, or fails: a replaced bundle that
/// silently changed hands could break the programs (or users) that rely on it.
fn keep_owner(tmp: &File, bundle: &Meta, path: &Path) -> Result<()> {
    let mine = os::file_meta(tmp)?;
    if mine.owner == bundle.owner && mine.group == bundle.group {
        return Ok(());
    }
    let uid = (mine.owner != bundle.owner).then_some(bundle.owner);
    let gid = (mine.group != bundle.group).then_some(bundle.group);
    os::set_owner(tmp, uid, gid).with_context(|| {
            format!(
                "cannot give the new `{}` its owner and group (uid {}, gid {}), so it is not replaced; run certpatch as a user who can (its owner in that group, or root)",
                path_text(path),
                bundle.owner,
                bundle.group
            )
        })
}

/// Creates `.NAME.certpatch-RANDOM.tmp` in the open folder, exclusively (never through an
/// existing name or link), private (0600).
fn create_temp(dir: &Folder, name: &OsStr) -> std::io::Result<(OsString, File)> {
    use std::hash::{BuildHasher, Hasher};
    for attempt in 0u32..100 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u32(attempt);
        let mut tmp = OsString::from(".");
        tmp.push(name);
        tmp.push(format!("{TEMP_MARK}{:016x}.tmp", h.finish()));
        match dir.create_new(&tmp, 0o600) {
            Ok(fd) => return Ok((tmp, fd)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

/// Opens the folder that will hold `path`, once, for a copy certpatch writes (`--output`,
/// its own state): a symbolic link on the way is followed only when root or the running
/// user owns it, since another user's link could aim a root-run certpatch at any folder.
/// The final name is not followed (a link there is replaced by the rename).
pub fn hold_parent(path: &Path) -> Result<(Folder, OsString)> {
    let walked = os::walk_parent(path, false).map_err(|e| {
        let folder = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let context = if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "cannot write `{}`: its folder `{}` does not exist; create it (`mkdir -p {}`) or name a file in a folder that exists",
                path_text(path),
                path_text(folder),
                crate::x509::text::shell_path(folder)
            )
        } else {
            format!("cannot open the folder of `{}`", path_text(path))
        };
        anyhow::Error::new(e).context(context)
    })?;
    let me = euid();
    if let Some(link) = walked.links.iter().find(|l| l.owner != 0 && l.owner != me) {
        bail!(
            "`{}` is a symbolic link owned by uid {}, another user, on the way to `{}`; certpatch does not write through a link another user controls, which could point it at any folder. Nothing was written; check where it leads (`ls -l`) and name that folder itself",
            path_text(&link.path),
            link.owner,
            path_text(path)
        );
    }
    Ok((walked.folder, walked.name))
}

/// Writes `bytes` to `path` atomically: the parent folder is held ([`hold_parent`]), a
/// temporary file is created exclusively in it, fsynced and renamed over the name within
/// that folder, and the folder is fsynced. The rename replaces whatever is at `path` — a
/// link there is replaced, never followed. The new file is owned by the user running
/// certpatch (never chowned). `like` gives the mode to copy, without the group and world
/// write bits (and setuid, setgid, sticky); without it the file is private (0600).
pub fn write_atomic(path: &Path, bytes: &[u8], like: Option<&std::fs::Metadata>) -> Result<()> {
    let (folder, name) = hold_parent(path)?;
    let dir = folder.path();
    let hint = "check the folder's permissions (a system-wide Python may need sudo) and free space";
    let (tmp_name, tmp) = create_temp(&folder, &name).with_context(|| {
        format!(
            "cannot create a temporary file in `{}`; {hint}",
            path_text(dir)
        )
    })?;
    let result = (|| -> Result<()> {
        let mut file = tmp;
        file.write_all(bytes).with_context(|| {
            format!(
                "cannot write a temporary file in `{}`; {hint}",
                path_text(dir)
            )
        })?;
        if let Some(meta) = like {
            os::set_mode(&file, os::mode_of(meta) & 0o755)
                .with_context(|| format!("cannot set the mode of the new `{}`", path_text(path)))?;
        }
        file.sync_all()
            .with_context(|| format!("cannot flush the new `{}` to disk", path_text(path)))?;
        drop(file);
        folder
            .rename(&tmp_name, &name)
            .with_context(|| format!("cannot replace `{}`; {hint}", path_text(path)))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = folder.unlink(&tmp_name);
        return result;
    }
    folder.sync();
    Ok(())
}

/// Deletes temporary files that a killed certpatch left beside this bundle. Called only
/// while holding the bundle's lock, when no other certpatch can be writing one. Works in
/// the open folder; `unlinkat` removes a link itself, never what it points to.
fn remove_stale_temporaries(dir: &Folder, name: &OsStr) {
    let mut prefix = b".".to_vec();
    prefix.extend_from_slice(name.as_encoded_bytes());
    prefix.extend_from_slice(TEMP_MARK.as_bytes());
    let Ok(names) = dir.names() else {
        return;
    };
    for file_name in names {
        let bytes = file_name.as_encoded_bytes();
        if bytes.starts_with(&prefix) && bytes.ends_with(b".tmp") {
            let _ = dir.unlink(&file_name);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::sync::mpsc;
    use std::time::Duration;

    /// Runs `f` on a thread and fails the test if it does not finish (an open that
    /// blocks on a FIFO never would).
    fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the call blocked (opening a FIFO?)")
    }

    fn fifo(dir: &Path) -> PathBuf {
        let p = dir.join("cacert.pem");
        crate::os::make_fifo(&p, 0o644).unwrap();
        p
    }

    #[test]
    fn read_of_a_fifo_is_refused_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        let p = fifo(t.path());
        let err = within(move || read(&p).map_err(|e| e.to_string())).unwrap_err();
        assert!(err.contains("FIFO"), "{err}");
    }

    #[test]
    fn lock_of_a_file_swapped_for_a_fifo_is_refused_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("cacert.pem");
        std::fs::write(&p, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let expect = Expect::of(&p, false).unwrap();
        std::fs::remove_file(&p).unwrap();
        fifo(t.path());
        let err = within(move || lock(&expect, |_| {}).map(|_| ()).map_err(|e| e.to_string()))
            .unwrap_err();
        assert!(err.contains("FIFO"), "{err}");
    }

    #[test]
    fn lock_refuses_a_file_swapped_for_a_link() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("cacert.pem");
        let victim = t.path().join("victim");
        std::fs::write(&p, "bundle").unwrap();
        std::fs::write(&victim, "secret").unwrap();
        let expect = Expect::of(&p, false).unwrap();
        std::fs::remove_file(&p).unwrap();
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        let err = lock(&expect, |_| {}).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"secret");
    }

    #[test]
    fn a_file_larger_than_the_limit_is_refused_before_reading() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("cacert.pem");
        let f = File::create(&p).unwrap();
        f.set_len(MAX_BUNDLE_BYTES + 1).unwrap();
        let err = read(&p).unwrap_err().to_string();
        assert!(err.contains("larger than the 64 MiB"), "{err}");
    }

    #[test]
    fn a_discovered_bundle_without_a_certificate_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("cacert.pem");
        std::fs::write(&p, "").unwrap();
        let expect = Expect::of(&p, true).unwrap();
        let err = lock(&expect, |_| {}).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("holds no certificate"), "{err}");
        // Named explicitly, an empty file is a bundle to add to.
        let expect = Expect::of(&p, false).unwrap();
        assert!(lock(&expect, |_| {}).is_ok());
    }

    #[test]
    fn replace_keeps_mode_and_leaves_nothing_beside() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("cacert.pem");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::fs::write(t.path().join(".cacert.pem.certpatch-dead.tmp"), "x").unwrap();
        let locked = lock(&Expect::of(&p, false).unwrap(), |_| {}).unwrap();
        locked.replace(b"new").unwrap();
        drop(locked);
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let mode = std::fs::metadata(&p).unwrap().mode() & 0o7777;
        assert_eq!(mode, 0o640);
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsString::from("cacert.pem")]);
    }

    #[test]
    fn write_atomic_replaces_a_link_instead_of_following_it() {
        let t = tempfile::tempdir().unwrap();
        let victim = t.path().join("victim");
        std::fs::write(&victim, "secret").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let out = t.path().join("out.pem");
        std::os::unix::fs::symlink(&victim, &out).unwrap();
        let like = {
            let b = t.path().join("b");
            std::fs::write(&b, "").unwrap();
            std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o666)).unwrap();
            std::fs::metadata(&b).unwrap()
        };
        write_atomic(&out, b"copy", Some(&like)).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"secret");
        let meta = std::fs::symlink_metadata(&out).unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.mode() & 0o7777, 0o644, "never group/world-writable");
        assert_eq!(meta.uid(), euid());
    }
}
