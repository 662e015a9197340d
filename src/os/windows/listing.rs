//! Listing folders for discovery's walk: by path (`FindFirstFileW` through
//! `std::fs::read_dir`). A reparse point (symbolic link, junction) is listed as what it
//! is, never as a folder, so the walk does not enter it.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

use crate::os::Listed;

/// A folder to list, by its path.
pub struct Listing(PathBuf);

impl Listing {
    /// The folder at `path`.
    pub fn open(path: &Path) -> io::Result<Listing> {
        Ok(Listing(path.to_path_buf()))
    }

    /// The folder `name` of this one, at `path`.
    pub fn child(&self, _name: &OsStr, path: &Path) -> io::Result<Listing> {
        Listing::open(path)
    }

    /// The entries, sorted by name (the walk's order is the same on every run).
    pub fn entries(&mut self) -> io::Result<Vec<Listed>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.0)? {
            let entry = entry?;
            out.push(Listed {
                name: entry.file_name(),
                is_dir: entry.file_type()?.is_dir(),
            });
        }
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}
