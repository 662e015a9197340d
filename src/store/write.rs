//! Reading and changing a bundle safely: open without following or blocking, lock, read
//! (bounded), decide, write a temporary file, rename.
//!
//! certpatch is often run as root on files other users can write, so every open of a
//! bundle is made to be safe against a file swapped under it:
//! - **Never through a swapped link, never blocked.** A bundle is opened with
//!   `O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC` on its resolved path, and the opened file's `fstat`
//!   decides: a regular file, at most [`MAX_BUNDLE_BYTES`] long (checked before reading), and
//!   for a write, owned by the owner checked when the target was resolved ([`Expect`]).
//!   A FIFO or device swapped in is refused, never waited on.
//! - **Pinned folder.** A write opens the bundle's folder once, checks that it is the folder
//!   checked when the target was resolved, and does everything else relative to that open
//!   folder (`openat`, `renameat`): a folder on the path swapped for a link afterwards
//!   changes nothing.
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
//! [`write_atomic`]: a temporary file created exclusively, renamed over the path, so an
//! existing link there is replaced, never followed. They are never chowned, and never
//! group- or world-writable.
//!
//! This module never prints: facts a command should tell the user (a folder that others
//! can write) are returned.

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};

use crate::x509::text::path_text;

/// The largest bundle certpatch reads: certifi's is about 300 KB. Anything larger is
/// refused before reading (a sparse multi-gigabyte `cacert.pem` must not make certpatch
/// allocate gigabytes). The one place this limit is set.
pub const MAX_BUNDLE_BYTES: u64 = 64 << 20;

const TEMP_MARK: &str = ".certpatch-";

/// The effective user id certpatch runs as.
pub fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// What was checked about a bundle when its target was resolved, so that the file opened
/// later (maybe after a swap) is held to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The folder holding the bundle: (device, inode).
    pub dir: (u64, u64),
    /// The owner the bundle had when checked (uid). A file with another owner at that
    /// name was put there since: refused.
    pub owner: u32,
    /// Refuse content without any certificate (a discovered bundle: a file at a bundle's
    /// place that holds no certificate is not what certpatch was asked to patch).
    pub certificate: bool,
}

impl Expect {
    /// Reads the facts of the resolved (canonical) bundle path `path`.
    pub fn of(path: &Path, certificate: bool) -> Result<Expect> {
        let (dir, _) = split(path)?;
        let dir_meta = std::fs::metadata(dir)
            .with_context(|| format!("cannot open the folder of `{}`", path_text(path)))?;
        let meta = std::fs::symlink_metadata(path)
            .with_context(|| format!("cannot open bundle `{}`", path_text(path)))?;
        Ok(Expect {
            dir: (dir_meta.dev(), dir_meta.ino()),
            owner: meta.uid(),
            certificate,
        })
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

fn kind_of(st: &Stat) -> &'static str {
    match FileType::from_raw_mode(st.st_mode as _) {
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a folder",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO (named pipe)",
        FileType::Socket => "a socket",
        FileType::CharacterDevice | FileType::BlockDevice => "a device",
        FileType::Unknown => "not a regular file",
    }
}

/// Checks an opened file: a regular file no larger than [`MAX_BUNDLE_BYTES`].
fn check_opened(st: &Stat, path: &Path) -> Result<()> {
    if FileType::from_raw_mode(st.st_mode as _) != FileType::RegularFile {
        bail!(
            "`{}` is {}, not a regular file; a CA bundle is a regular file (was it replaced? `certpatch find` lists the bundles)",
            path_text(path),
            kind_of(st)
        );
    }
    too_large(st.st_size as u64, path)
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

fn open_error(e: rustix::io::Errno, path: &Path) -> anyhow::Error {
    if e == rustix::io::Errno::LOOP || e == rustix::io::Errno::MLINK {
        anyhow!(
            "`{}` is a symbolic link (it was a file when certpatch resolved it: was it replaced?); certpatch does not follow it. Name the file it points to, if you mean that one",
            path_text(path)
        )
    } else {
        anyhow::Error::new(std::io::Error::from(e))
            .context(format!("cannot open bundle `{}`", path_text(path)))
    }
}

const READ_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY);

/// Opens `path` for reading without following a final symlink and without blocking (a
/// FIFO), and checks the opened file (`check_opened`).
pub fn open_regular(path: &Path) -> Result<(File, Stat)> {
    let fd = rustix::fs::open(path, READ_FLAGS, Mode::empty()).map_err(|e| open_error(e, path))?;
    let st = rustix::fs::fstat(&fd)?;
    check_opened(&st, path)?;
    Ok((File::from(fd), st))
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

/// A bundle held under an exclusive lock, with the content read under that lock.
pub struct Locked {
    /// The real file (symlinks resolved).
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Set when certpatch runs as root and the bundle's folder can be written by others
    /// than root and the bundle's owner (mode shown): they could swap the file before or
    /// after the patch. The command tells the user.
    pub shared_folder: Option<u32>,
    file: File,
    dir: OwnedFd,
    name: OsString,
}

/// Opens the bundle (see the module docs), checks it against `expect`, and takes the
/// exclusive lock (waiting for other certpatch processes). `on_wait` is called with the
/// path before each wait, so the caller can say why nothing happens (this layer prints
/// nothing).
pub fn lock(path: &Path, expect: &Expect, on_wait: impl Fn(&Path)) -> Result<Locked> {
    let (dir_path, name) = split(path)?;
    let dir = rustix::fs::open(
        dir_path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(std::io::Error::from)
    .with_context(|| format!("cannot open the folder of bundle `{}`", path_text(path)))?;
    let dir_st = rustix::fs::fstat(&dir)?;
    if (dir_st.st_dev as u64, dir_st.st_ino as u64) != expect.dir {
        bail!(
            "the folder `{}` was replaced since certpatch checked it (a link or another folder is there now); nothing was written. Check who can write its parent folders",
            path_text(dir_path)
        );
    }
    let me = euid();
    for _ in 0..1000 {
        let fd = rustix::fs::openat(&dir, name, READ_FLAGS, Mode::empty())
            .map_err(|e| open_error(e, path))?;
        let st = rustix::fs::fstat(&fd)?;
        check_opened(&st, path)?;
        check_owner(&st, expect, me, path)?;
        let file = File::from(fd);
        if file.try_lock().is_err() {
            on_wait(path);
            file.lock()
                .with_context(|| format!("cannot lock bundle `{}`", path_text(path)))?;
        }
        // The lock is on an inode; a rename by the previous holder may have replaced it.
        match rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(now) if now.st_ino == st.st_ino && now.st_dev == st.st_dev => {
                let bytes = read_bounded(&file, path)?;
                if expect.certificate
                    && memchr::memmem::find(&bytes, b"-----BEGIN CERTIFICATE-----").is_none()
                {
                    bail!(
                        "`{}` holds no certificate, so it is not a CA bundle certpatch patches (an empty or foreign file at a bundle's place); reinstall the package that owns it (`pip install --force-reinstall certifi`), or name it with --bundle if you mean it",
                        path_text(path)
                    );
                }
                remove_stale_temporaries(&dir, name);
                let shared = me == 0
                    && (dir_st.st_mode & 0o022 != 0
                        || (dir_st.st_uid != 0 && dir_st.st_uid != st.st_uid));
                return Ok(Locked {
                    path: path.to_path_buf(),
                    bytes,
                    shared_folder: shared.then_some(dir_st.st_mode as u32 & 0o7777),
                    file,
                    dir,
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
fn check_owner(st: &Stat, expect: &Expect, me: u32, path: &Path) -> Result<()> {
    if st.st_uid != expect.owner {
        bail!(
            "`{}` is now owned by uid {}, not uid {} as when certpatch checked it: it was replaced by someone else; nothing was written. Check the file and who can write its folder",
            path_text(path),
            st.st_uid,
            expect.owner
        );
    }
    if me != 0 && st.st_uid != me {
        bail!(
            "`{}` belongs to uid {}, and certpatch runs as uid {me}: replacing it would make it yours (only root can keep another user's ownership); nothing was written. Run certpatch as its owner, or with sudo",
            path_text(path),
            st.st_uid
        );
    }
    if me != 0 && st.st_mode & 0o200 == 0 {
        bail!(
            "`{}` is read-only (mode {:04o}): its owner made it so, and certpatch does not replace a file its owner protected; nothing was written. Make it writable first (`chmod u+w`) if you mean to patch it",
            path_text(path),
            st.st_mode & 0o7777
        );
    }
    Ok(())
}

impl Locked {
    /// Replaces the bundle's content atomically, keeping its mode, owner and group, in the
    /// folder opened by [`lock`].
    pub fn replace(&self, new: &[u8]) -> Result<()> {
        let st = rustix::fs::fstat(&self.file)?;
        let hint =
            "check the folder's permissions (a system-wide Python may need sudo) and free space";
        let (tmp_name, tmp) = create_temp(&self.dir, &self.name).with_context(|| {
            format!(
                "cannot create a temporary file beside `{}`; {hint}",
                path_text(&self.path)
            )
        })?;
        let result = (|| -> Result<()> {
            let mut file = File::from(tmp);
            file.write_all(new).with_context(|| {
                format!(
                    "cannot write a temporary file beside `{}`; {hint}",
                    path_text(&self.path)
                )
            })?;
            keep_owner(&file, &st, &self.path)?;
            rustix::fs::fchmod(&file, Mode::from_raw_mode(st.st_mode & 0o7777))
                .map_err(std::io::Error::from)
                .with_context(|| {
                    format!("cannot set the mode of the new `{}`", path_text(&self.path))
                })?;
            file.sync_all().with_context(|| {
                format!("cannot flush the new `{}` to disk", path_text(&self.path))
            })?;
            rustix::fs::renameat(&self.dir, &tmp_name, &self.dir, &self.name)
                .map_err(std::io::Error::from)
                .with_context(|| format!("cannot replace `{}`; {hint}", path_text(&self.path)))?;
            Ok(())
        })();
        if result.is_err() {
            let _ = rustix::fs::unlinkat(&self.dir, &tmp_name, AtFlags::empty());
            return result;
        }
        let _ = rustix::fs::fsync(&self.dir);
        Ok(())
    }
}

/// Gives the new file the bundle's owner and group, or fails: a replaced bundle that
/// silently changed hands could break the programs (or users) that rely on it.
fn keep_owner(tmp: &File, bundle: &Stat, path: &Path) -> Result<()> {
    let mine = rustix::fs::fstat(tmp)?;
    if mine.st_uid == bundle.st_uid && mine.st_gid == bundle.st_gid {
        return Ok(());
    }
    let uid = (mine.st_uid != bundle.st_uid).then(|| rustix::fs::Uid::from_raw(bundle.st_uid));
    let gid = (mine.st_gid != bundle.st_gid).then(|| rustix::fs::Gid::from_raw(bundle.st_gid));
    rustix::fs::fchown(tmp, uid, gid)
        .map_err(std::io::Error::from)
        .with_context(|| {
            format!(
                "cannot give the new `{}` its owner and group (uid {}, gid {}), so it is not replaced; run certpatch as a user who can (its owner in that group, or root)",
                path_text(path),
                bundle.st_uid,
                bundle.st_gid
            )
        })
}

/// Creates `.NAME.certpatch-RANDOM.tmp` in the open folder, exclusively (never through an
/// existing name or link), private (0600).
fn create_temp(dir: &OwnedFd, name: &OsStr) -> std::io::Result<(OsString, OwnedFd)> {
    use std::hash::{BuildHasher, Hasher};
    for attempt in 0u32..100 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u32(attempt);
        let mut tmp = OsString::from(".");
        tmp.push(name);
        tmp.push(format!("{TEMP_MARK}{:016x}.tmp", h.finish()));
        match rustix::fs::openat(
            dir,
            tmp.as_os_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        ) {
            Ok(fd) => return Ok((tmp, fd)),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

/// Writes `bytes` to `path` atomically (temporary file created exclusively in the same
/// folder, fsync, rename, fsync of the folder). The rename replaces whatever is at `path`
/// — a link there is replaced, never followed. The new file is owned by the user running
/// certpatch (never chowned). `like` gives the mode to copy, without the group and world
/// write bits (and setuid, setgid, sticky); without it the file is private (0600).
pub fn write_atomic(path: &Path, bytes: &[u8], like: Option<&std::fs::Metadata>) -> Result<()> {
    let (dir, name) = split(path)?;
    let name = name.to_string_lossy().into_owned();
    let hint = "check the folder's permissions (a system-wide Python may need sudo) and free space";
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}{TEMP_MARK}"))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot create a temporary file in `{}`; {hint}",
                path_text(dir)
            )
        })?;
    tmp.write_all(bytes).with_context(|| {
        format!(
            "cannot write a temporary file in `{}`; {hint}",
            path_text(dir)
        )
    })?;
    if let Some(meta) = like {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o755))
            .with_context(|| format!("cannot set the mode of the new `{}`", path_text(path)))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot flush the new `{}` to disk", path_text(path)))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace `{}`; {hint}", path_text(path)))?;
    if let Ok(d) = OpenOptions::new().read(true).open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Deletes temporary files that a killed certpatch left beside this bundle. Called only
/// while holding the bundle's lock, when no other certpatch can be writing one. Works in
/// the open folder; `unlinkat` removes a link itself, never what it points to.
fn remove_stale_temporaries(dir: &OwnedFd, name: &OsStr) {
    let mut prefix = b".".to_vec();
    prefix.extend_from_slice(name.as_bytes());
    prefix.extend_from_slice(TEMP_MARK.as_bytes());
    let Ok(fd) = rustix::fs::openat(
        dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return;
    };
    let Ok(entries) = rustix::fs::Dir::read_from(&fd) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_bytes();
        if file_name.starts_with(&prefix) && file_name.ends_with(b".tmp") {
            let _ = rustix::fs::unlinkat(dir, entry.file_name(), AtFlags::empty());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &p,
            FileType::Fifo,
            Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
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
        let p = fifo(t.path());
        let err = within(move || {
            lock(&p, &expect, |_| {})
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
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
        let err = lock(&p, &expect, |_| {})
            .map(|_| ())
            .unwrap_err()
            .to_string();
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
        let err = lock(&p, &expect, |_| {})
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds no certificate"), "{err}");
        // Named explicitly, an empty file is a bundle to add to.
        let expect = Expect::of(&p, false).unwrap();
        assert!(lock(&p, &expect, |_| {}).is_ok());
    }

    #[test]
    fn replace_keeps_mode_and_leaves_nothing_beside() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("cacert.pem");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::fs::write(t.path().join(".cacert.pem.certpatch-dead.tmp"), "x").unwrap();
        let locked = lock(&p, &Expect::of(&p, false).unwrap(), |_| {}).unwrap();
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
