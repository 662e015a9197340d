//! Held folders on Unix: `openat2` with `RESOLVE_NO_SYMLINKS`/`RESOLVE_BENEATH` where the
//! kernel has it (Linux 5.6+), else one component at a time with
//! `O_NOFOLLOW|O_DIRECTORY`; files are opened, created and renamed relative to the held
//! folder (`openat`, `renameat`), never by path again.
//!
//! The API:
//! - [`open_folder`] opens an absolute path following no link at all (a path already
//!   resolved, checked again as it is opened), [`open_folder_beneath`] a relative path
//!   below a held folder, never leaving it and following no link;
//! - [`walk_parent`] resolves a path the user typed, following its links one by one and
//!   reporting each with its owner, so the caller decides whether to trust them; what it
//!   returns is the held parent folder, the final name, and the real path;
//! - [`Folder`] opens a file beneath ([`Folder::open`]), creates one exclusively
//!   ([`Folder::create_new`]), renames within ([`Folder::rename`]), and so on.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

use super::{done, Kind, Link, Meta, ProcessTree, Walked};

mod account;
pub use account::*;
mod listing;
pub use listing::*;

/// How a link is named in errors.
pub const LINK_WORDS: &str = "a symbolic link";

/// How a file is opened to be read: never through a final link, never blocking (a FIFO),
/// never a controlling terminal.
const READ_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY);

fn kind(mode: u32) -> Kind {
    match FileType::from_raw_mode(mode as _) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Link,
        FileType::Fifo => Kind::Fifo,
        FileType::Socket => Kind::Socket,
        FileType::CharacterDevice | FileType::BlockDevice => Kind::Device,
        FileType::Unknown => Kind::Other,
    }
}

/// A `stat` in the platform-free shape; (device, inode) widths differ between Unixes.
#[allow(clippy::unnecessary_cast)]
fn meta(st: &Stat) -> Meta {
    Meta {
        kind: kind(st.st_mode as u32),
        len: st.st_size as u64,
        owner: st.st_uid,
        group: st.st_gid,
        mode: st.st_mode as u32,
        id: (st.st_dev as u64, st.st_ino as u64),
    }
}

/// The effective user id certpatch runs as; 0 is root.
pub fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The opened file's facts (`fstat`).
pub fn file_meta(file: &File) -> io::Result<Meta> {
    Ok(meta(&rustix::fs::fstat(file)?))
}

/// A path's facts: `stat` when `follow`, else `lstat` (a link itself).
pub fn path_meta(path: &Path, follow: bool) -> io::Result<Meta> {
    let st = if follow {
        rustix::fs::stat(path)?
    } else {
        rustix::fs::lstat(path)?
    };
    Ok(meta(&st))
}

/// The permission bits of metadata the standard library read.
pub fn mode_of(m: &std::fs::Metadata) -> u32 {
    m.mode()
}

/// Opens `path` for reading without following a final link and without blocking (a
/// FIFO); the caller checks the opened file ([`file_meta`]).
pub fn open_read(path: &Path) -> io::Result<File> {
    Ok(File::from(rustix::fs::open(
        path,
        READ_FLAGS,
        Mode::empty(),
    )?))
}

/// Opens `path` for reading through any links on the way (discovery reads what a name
/// leads to), without blocking (a FIFO swapped in would hang in `open`) and never as a
/// controlling terminal; the caller checks the opened file is a regular one.
pub fn open_read_through_links(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

/// The user's home folder as the environment names it (`HOME`).
pub fn home_dir() -> Option<std::ffi::OsString> {
    std::env::var_os("HOME")
}

/// The roots of an operating system store beside the files `rustls-native-certs` reads:
/// Unix has none (its store *is* those files).
pub fn store_roots_der() -> Vec<Vec<u8>> {
    Vec::new()
}

/// Whether an open failed because the final name is a symbolic link (`O_NOFOLLOW`).
pub fn is_final_link_error(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(c) if c == Errno::LOOP.raw_os_error() || c == Errno::MLINK.raw_os_error())
}

/// Sets the permission bits of an opened file.
pub fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    Ok(rustix::fs::fchmod(file, permission_bits(mode))?)
}

/// Permission bits (at most 0o7777) as rustix takes them: `mode_t` is a `u32` on Linux but
/// a `u16` on macOS, where a plain `u32` does not compile.
fn permission_bits(mode: u32) -> Mode {
    Mode::from_raw_mode((mode & 0o7777) as _)
}

/// Gives an opened file an owner and/or group.
pub fn set_owner(file: &File, owner: Option<u32>, group: Option<u32>) -> io::Result<()> {
    Ok(rustix::fs::fchown(
        file,
        owner.map(rustix::fs::Uid::from_raw),
        group.map(rustix::fs::Gid::from_raw),
    )?)
}

/// Creates `dir` and its parents, private to the user (0700).
pub fn create_private_dirs(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Opens (creating, private: 0600) a lock file certpatch keeps in its own state.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(path)
}

/// The exclusive lock on a bundle, held while alive. On Unix an `flock` on the bundle
/// itself (advisory: readers such as Python are never blocked).
pub struct Guard(File);

impl Guard {
    /// The bundle's facts now, where the guard holds the bundle open.
    pub fn bundle_meta(&self) -> Option<io::Result<Meta>> {
        Some(file_meta(&self.0))
    }
}

/// Takes the exclusive lock for the bundle `name` in `folder`, opened as `file`, calling
/// `on_wait` before waiting for another holder. Returns the guard and the file to read.
pub fn lock_bundle(
    _folder: &Folder,
    _name: &OsStr,
    file: File,
    on_wait: impl FnOnce(),
) -> io::Result<(Guard, File)> {
    if file.try_lock().is_err() {
        on_wait();
        file.lock()?;
    }
    let read = file.try_clone()?;
    Ok((Guard(file), read))
}

/// How a folder is held: without following a link at it, never a controlling terminal.
/// On Linux `O_PATH`, so a folder the user may only pass through (mode 0711) can be held.
#[cfg(any(target_os = "linux", target_os = "android"))]
const FOLDER_FLAGS: OFlags = OFlags::PATH
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const FOLDER_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// The most links one resolution follows (as the kernel's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// An open folder, held, and the link-free path it was reached by.
#[derive(Debug)]
pub struct Folder {
    fd: OwnedFd,
    path: PathBuf,
}

/// Whether an error means "a symbolic link (or not a folder) where a folder was expected".
pub fn is_link_error(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(code) if code == Errno::LOOP.raw_os_error() || code == Errno::NOTDIR.raw_os_error()
            || code == Errno::XDEV.raw_os_error()
    )
}

fn single_name(name: &OsStr) -> io::Result<&OsStr> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.contains(&b'/') || bytes == b"." || bytes == b".." {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a single file name",
        ));
    }
    Ok(name)
}

impl Folder {
    /// The link-free path the folder was reached by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The held folder's own status (owner, mode, identity).
    pub fn stat(&self) -> io::Result<Meta> {
        Ok(meta(&rustix::fs::fstat(&self.fd)?))
    }

    /// Opens the file `name` in this folder for reading, never following a link at it and
    /// never blocking; the caller checks the opened file ([`file_meta`]).
    pub fn open_read(&self, name: &OsStr) -> io::Result<File> {
        Ok(File::from(self.open(name, READ_FLAGS)?))
    }

    /// Opens the file `name` in this folder with `flags`, never following a link at it.
    pub fn open(&self, name: &OsStr, flags: OFlags) -> io::Result<OwnedFd> {
        Ok(rustix::fs::openat(
            &self.fd,
            single_name(name)?,
            flags | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY,
            Mode::empty(),
        )?)
    }

    /// Creates `name` in this folder, exclusively (never through an existing name or link).
    pub fn create_new(&self, name: &OsStr, mode: u32) -> io::Result<File> {
        Ok(File::from(rustix::fs::openat(
            &self.fd,
            single_name(name)?,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            permission_bits(mode),
        )?))
    }

    /// The status of `name` in this folder, of a link itself when it is one.
    pub fn stat_of(&self, name: &OsStr) -> io::Result<Meta> {
        Ok(meta(&self.lstat_raw(name)?))
    }

    fn lstat_raw(&self, name: &OsStr) -> io::Result<Stat> {
        Ok(rustix::fs::statat(
            &self.fd,
            single_name(name)?,
            AtFlags::SYMLINK_NOFOLLOW,
        )?)
    }

    /// Renames `from` over `to`, both in this folder (atomic; a link at `to` is replaced,
    /// never followed).
    pub fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::renameat(
            &self.fd,
            single_name(from)?,
            &self.fd,
            single_name(to)?,
        )?)
    }

    /// Whether users other than root and `file_owner` can replace what this folder holds
    /// (its group or everyone may write it, or another user owns it): how, in words
    /// ("mode 0775"), for the warning certpatch gives as root.
    pub fn others_may_replace(&self, file_owner: u32) -> io::Result<Option<String>> {
        let st = self.stat()?;
        let shared = st.mode & 0o022 != 0 || (st.owner != 0 && st.owner != file_owner);
        Ok(shared.then(|| format!("mode {:04o}", st.mode & 0o7777)))
    }

    /// Unix: the bundle's access is its mode, owner and group, which the caller keeps
    /// (`set_mode`, `set_owner`); POSIX ACLs and extended attributes are not copied.
    pub fn keep_access(&self, _name: &OsStr, _on: &File) -> io::Result<()> {
        Ok(())
    }

    /// Removes `name` from this folder (a link itself, never what it points to).
    pub fn unlink(&self, name: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(
            &self.fd,
            single_name(name)?,
            AtFlags::empty(),
        )?)
    }

    /// The names in this folder.
    pub fn names(&self) -> io::Result<Vec<OsString>> {
        let fd = rustix::fs::openat(
            &self.fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&fd)?.flatten() {
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                names.push(OsStr::from_bytes(name).to_os_string());
            }
        }
        Ok(names)
    }

    /// Flushes the folder's entries to disk (best effort: after a rename).
    pub fn sync(&self) {
        if let Ok(fd) = rustix::fs::openat(
            &self.fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            let _ = rustix::fs::fsync(&fd);
        }
    }
}

/// The normal components of a relative path, or an error for `..`, `.` or a root.
fn normal_components(rel: &Path) -> io::Result<Vec<&OsStr>> {
    rel.components()
        .map(|c| match c {
            Component::Normal(name) => Ok(name),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{rel:?} is not a plain relative path"),
            )),
        })
        .collect()
}

/// Opens `rel` beneath `fd` following no link and never leaving it: one `openat2` where the
/// kernel has it, else one `openat(O_NOFOLLOW|O_DIRECTORY)` per component.
fn open_beneath_fd(fd: BorrowedFd<'_>, rel: &Path) -> io::Result<OwnedFd> {
    let parts = normal_components(rel)?;
    if parts.is_empty() {
        return Ok(rustix::fs::openat(fd, ".", FOLDER_FLAGS, Mode::empty())?);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::ResolveFlags;
        match rustix::fs::openat2(
            fd,
            rel,
            FOLDER_FLAGS,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
        ) {
            Ok(held) => return Ok(held),
            // No openat2 (old kernel, a seccomp filter): the component walk below.
            Err(Errno::NOSYS) | Err(Errno::PERM) | Err(Errno::INVAL) | Err(Errno::AGAIN) => {}
            Err(e) => return Err(e.into()),
        }
    }
    open_components(fd, &parts)
}

/// The walk without `openat2`: one `openat(O_NOFOLLOW|O_DIRECTORY)` per plain name, each
/// relative to the folder opened before (a link fails with `ELOOP` or `ENOTDIR`).
fn open_components(fd: BorrowedFd<'_>, parts: &[&OsStr]) -> io::Result<OwnedFd> {
    let mut held = rustix::fs::openat(fd, ".", FOLDER_FLAGS, Mode::empty())?;
    for part in parts {
        held = rustix::fs::openat(&held, *part, FOLDER_FLAGS, Mode::empty())?;
    }
    Ok(held)
}

/// Opens the absolute, already resolved path `dir` as a held folder, following no link on
/// the way: a link found there now (a folder swapped since it was resolved) is an error
/// ([`is_link_error`]).
pub fn open_folder(dir: &Path) -> io::Result<Folder> {
    let rel = dir.strip_prefix("/").map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{dir:?} is not an absolute path"),
        )
    })?;
    let root = rustix::fs::open("/", FOLDER_FLAGS, Mode::empty())?;
    Ok(Folder {
        fd: open_beneath_fd(root.as_fd(), rel)?,
        path: dir.to_path_buf(),
    })
}

/// Opens the relative path `rel` (plain names only) below the held folder `base`, following
/// no link and never leaving `base`.
pub fn open_folder_beneath(base: &Folder, rel: &Path) -> io::Result<Folder> {
    Ok(Folder {
        fd: open_beneath_fd(base.fd(), rel)?,
        path: base.path.join(rel),
    })
}

/// Resolves `path` (absolute, or from the current folder) down to its parent folder, held,
/// one component at a time: folders are opened with `O_NOFOLLOW|O_DIRECTORY`, and each
/// symbolic link met (a folder on the way; the final name too when `follow_final`) is read
/// from the held folder that holds it and reported in [`Walked::links`] with its owner, for
/// the caller to judge. `..` goes back to the folder it came from (the real parent). Nothing
/// is opened but folders.
pub fn walk_parent(path: &Path, follow_final: bool) -> io::Result<Walked> {
    let path = std::path::absolute(path)?;
    let root = Folder {
        fd: rustix::fs::open("/", FOLDER_FLAGS, Mode::empty())?,
        path: PathBuf::from("/"),
    };
    let mut todo: VecDeque<OsString> = path
        .components()
        .map(|c| c.as_os_str().to_os_string())
        .collect();
    let mut stack: Vec<Folder> = vec![root];
    let mut links: Vec<Link> = Vec::new();
    let mut retries = 0;
    while let Some(part) = todo.pop_front() {
        let last = todo.is_empty();
        match Path::new(&part).components().next() {
            Some(Component::RootDir) | Some(Component::Prefix(_)) => stack.truncate(1),
            Some(Component::CurDir) | None => {}
            Some(Component::ParentDir) => {
                if stack.len() > 1 {
                    stack.pop();
                }
            }
            Some(Component::Normal(name)) => {
                let top = stack.last().expect("the root stays on the stack");
                if last && !follow_final {
                    return done(stack, name, links);
                }
                match rustix::fs::openat(top.fd(), name, FOLDER_FLAGS, Mode::empty()) {
                    Ok(_) if last => return done(stack, name, links),
                    Ok(fd) => {
                        let path = top.path.join(name);
                        stack.push(Folder { fd, path });
                    }
                    Err(Errno::LOOP) | Err(Errno::NOTDIR) => {
                        let before = top.lstat_raw(name)?;
                        if FileType::from_raw_mode(before.st_mode) != FileType::Symlink {
                            if last {
                                return done(stack, name, links);
                            }
                            return Err(Errno::NOTDIR.into());
                        }
                        let to = rustix::fs::readlinkat(top.fd(), name, Vec::new())?;
                        let after = top.lstat_raw(name)?;
                        if (after.st_dev, after.st_ino, after.st_uid)
                            != (before.st_dev, before.st_ino, before.st_uid)
                        {
                            // Replaced while read: read it again, a bounded number of times.
                            retries += 1;
                            if retries > 100 {
                                return Err(io::Error::other(
                                    "a link on the way kept being replaced",
                                ));
                            }
                            todo.push_front(part);
                            continue;
                        }
                        links.push(Link {
                            path: top.path.join(name),
                            owner: before.st_uid,
                        });
                        if links.len() > MAX_LINKS {
                            return Err(Errno::LOOP.into());
                        }
                        let to = PathBuf::from(OsStr::from_bytes(to.as_bytes()));
                        for c in to.components().rev() {
                            todo.push_front(c.as_os_str().to_os_string());
                        }
                    }
                    Err(e) if last => {
                        // The final name need not be a folder nor exist (a file to create).
                        let _ = e;
                        return done(stack, name, links);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{path:?} does not name a file"),
    ))
}

/// Starts `cmd` as the leader of a new process group, so that [`ProcessTree::stop`] stops
/// what it starts too (an interpreter's wrapper, a `subprocess`).
pub fn spawn_tree(cmd: &mut std::process::Command) -> io::Result<ProcessTree> {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    Ok(ProcessTree {
        child: cmd.spawn()?,
    })
}

impl ProcessTree {
    /// Kills the whole process group, then reaps the child.
    pub fn stop(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Tests: makes a FIFO at `path` (`mkfifo`; rustix has no `mknodat` on Apple targets).
#[cfg(test)]
pub fn make_fifo(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: a NUL-terminated path; mkfifo reads it and nothing else.
    if unsafe { libc::mkfifo(c.as_ptr(), mode as libc::mode_t) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let b = dunce::canonicalize(t.path()).unwrap();
        (t, b)
    }

    #[test]
    fn open_folder_refuses_a_link_anywhere_on_the_way() {
        let (_t, b) = base();
        std::fs::create_dir_all(b.join("real/sub")).unwrap();
        std::os::unix::fs::symlink("real", b.join("link")).unwrap();
        assert!(open_folder(&b.join("real/sub")).is_ok());
        let err = open_folder(&b.join("link/sub")).unwrap_err();
        assert!(is_link_error(&err), "{err}");
        let base_folder = open_folder(&b).unwrap();
        let err = open_folder_beneath(&base_folder, Path::new("link/sub")).unwrap_err();
        assert!(is_link_error(&err), "{err}");
        assert!(open_folder_beneath(&base_folder, Path::new("../x")).is_err());
    }

    #[test]
    fn the_walk_without_openat2_refuses_links_too() {
        let (_t, b) = base();
        std::fs::create_dir_all(b.join("real/sub")).unwrap();
        std::os::unix::fs::symlink("real", b.join("link")).unwrap();
        let held = open_folder(&b).unwrap();
        let names = |p: &'static str| p.split('/').map(OsStr::new).collect::<Vec<_>>();
        let sub = open_components(held.fd(), &names("real/sub")).unwrap();
        let st = rustix::fs::fstat(&sub).unwrap();
        let want = std::fs::metadata(b.join("real/sub")).unwrap();
        assert_eq!(
            st.st_ino,
            std::os::unix::fs::MetadataExt::ino(&want),
            "the folder reached"
        );
        let err = open_components(held.fd(), &names("link/sub")).unwrap_err();
        assert!(is_link_error(&err), "{err}");
    }

    #[test]
    fn a_held_folder_keeps_its_files_after_a_swap() {
        let (_t, b) = base();
        std::fs::create_dir_all(b.join("env/certifi")).unwrap();
        std::fs::create_dir_all(b.join("outside")).unwrap();
        std::fs::write(b.join("outside/cacert.pem"), "outside").unwrap();
        let held = open_folder(&b.join("env/certifi")).unwrap();
        std::fs::rename(b.join("env/certifi"), b.join("env/moved")).unwrap();
        std::os::unix::fs::symlink(b.join("outside"), b.join("env/certifi")).unwrap();
        held.create_new(OsStr::new("cacert.pem"), 0o600).unwrap();
        assert!(b.join("env/moved/cacert.pem").exists());
        assert_eq!(
            std::fs::read(b.join("outside/cacert.pem")).unwrap(),
            b"outside"
        );
    }

    #[test]
    fn walk_parent_reports_links_and_resolves_dot_dot_on_the_real_path() {
        let (_t, b) = base();
        std::fs::create_dir_all(b.join("real/sub")).unwrap();
        std::fs::write(b.join("real/sub/file"), "x").unwrap();
        std::os::unix::fs::symlink("real/sub", b.join("dirlink")).unwrap();
        std::os::unix::fs::symlink("file", b.join("real/sub/flink")).unwrap();
        let w = walk_parent(&b.join("dirlink/../sub/flink"), true).unwrap();
        assert_eq!(w.path(), b.join("real/sub/file"));
        let names: Vec<_> = w.links.iter().map(|l| l.path.clone()).collect();
        assert_eq!(names, vec![b.join("dirlink"), b.join("real/sub/flink")]);
        let w = walk_parent(&b.join("dirlink/flink"), false).unwrap();
        assert_eq!(w.path(), b.join("real/sub/flink"));
        assert_eq!(w.links.len(), 1);
    }
}
