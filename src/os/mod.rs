//! The operating system's side of holding a path: every call that opens a folder and keeps
//! it, opens or creates a file beneath a held folder, or renames within one; and the file
//! facts the rest of the crate judges (kind, size, owner, mode, identity) in one
//! platform-free shape ([`Meta`]); and who else may change a path (owner, and on Windows
//! the access list), which `discover` judges before it runs an interpreter. It exists so
//! that `store`, `target` and `discover` say *what* they hold or judge, and the platform
//! code that says *how* sits in one place, the crate's bottom layer:
//! `unix.rs` (openat2, `O_NOFOLLOW`, `flock`) and `windows.rs` (reparse points refused,
//! handles held without delete sharing, a separate lock file, `MoveFileExW`).
//!
//! Why a folder is held: certpatch is often run as root on paths other users can change.
//! A path checked and then opened again by name can be a different file by then (a folder
//! swapped for a link between the two). Holding the opened folder from the checks to the
//! write means the file checked is the file written.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

/// What kind of file system entry an opened (or `lstat`ed) name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A symbolic link; on Windows any reparse point (symbolic link, junction, mount point).
    Link,
    Fifo,
    Socket,
    Device,
    Other,
}

impl Kind {
    /// How an error names it ("is a FIFO (named pipe), not a regular file").
    pub fn described(self) -> &'static str {
        match self {
            Kind::File => "a regular file",
            Kind::Dir => "a folder",
            Kind::Link => LINK_WORDS,
            Kind::Fifo => "a FIFO (named pipe)",
            Kind::Socket => "a socket",
            Kind::Device => "a device",
            Kind::Other => "not a regular file",
        }
    }
}

/// The facts about one file the rest of the crate judges, the same on every platform.
/// `owner` is a uid on Unix; on Windows the owner SID mapped to one (see `windows.rs`):
/// 0 for the administrators/SYSTEM, the running user's own value, or a stable value per
/// other SID. `mode` is the Unix permission bits; on Windows a stand-in (0o644, 0o444 for
/// a read-only file, 0o755 for a folder), since access there is decided by the DACL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    pub len: u64,
    pub owner: u32,
    pub group: u32,
    pub mode: u32,
    /// (device, inode) on Unix; (volume serial number, file index) on Windows.
    pub id: (u64, u64),
}

/// A link met while resolving a path (a symbolic link; on Windows also a junction), with
/// its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub path: std::path::PathBuf,
    pub owner: u32,
}

/// What `walk_parent` found: the held folder, the final name in it, every link followed.
#[derive(Debug)]
pub struct Walked {
    pub folder: Folder,
    pub name: std::ffi::OsString,
    pub links: Vec<Link>,
}

impl Walked {
    /// The real path of the final name (the folder's path joined with it).
    pub fn path(&self) -> std::path::PathBuf {
        self.folder.path().join(&self.name)
    }
}
