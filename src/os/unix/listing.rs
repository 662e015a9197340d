//! Listing folders for discovery's walk: each folder opened relative to its parent's open
//! descriptor (`openat` with `O_NOFOLLOW|O_DIRECTORY`), so a folder costs one short lookup
//! instead of a lookup of its whole path, and a folder swapped for a link between listing
//! and opening is not followed.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use crate::os::Listed;

/// An open folder to list.
pub struct Listing(rustix::fs::Dir);

impl Listing {
    /// Opens the folder at `path` (a link at `path` itself is followed: the walk's root).
    pub fn open(path: &Path) -> io::Result<Listing> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Listing(rustix::fs::Dir::new(fd)?))
    }

    /// Opens the folder `name` of this one, never through a link; `_path` is its full
    /// path (what Windows opens by).
    pub fn child(&self, name: &OsStr, _path: &Path) -> io::Result<Listing> {
        let fd = rustix::fs::openat(
            self.0.fd()?,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Listing(rustix::fs::Dir::new(fd)?))
    }

    /// The entries, sorted by name (the walk's order is the same on every run).
    pub fn entries(&mut self) -> io::Result<Vec<Listed>> {
        let mut out = Vec::new();
        while let Some(entry) = self.0.read() {
            let entry = entry?;
            let bytes = entry.file_name().to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            // The type comes from the listing itself (d_type); only a file system that
            // does not give it costs an `fstatat` on the open folder.
            let is_dir = match entry.file_type() {
                FileType::Directory => true,
                FileType::Unknown => {
                    rustix::fs::statat(self.0.fd()?, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Directory)
                }
                _ => false,
            };
            out.push(Listed {
                name: OsStr::from_bytes(bytes).to_os_string(),
                is_dir,
            });
        }
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}
