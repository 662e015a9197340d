//! Changing a bundle safely: lock, read, decide, write a temporary file, rename.
//!
//! The guarantees, and how they are kept:
//! - **Never torn.** The new content goes to a temporary file in the bundle's own folder,
//!   is fsynced, then renamed over the bundle (atomic on POSIX), and the folder is fsynced.
//!   A crash at any moment leaves the old bundle or the new one.
//! - **Never a lost update.** An exclusive `flock` on the bundle itself is held from the read
//!   to the rename. Because the rename replaces the file, a process that waited on the old
//!   file checks, once it holds the lock, that the path still names the file it locked, and
//!   starts over if not. No lock file is ever left beside the bundle.
//! - **Nothing stray.** Temporary files are named `.NAME.certpatch-*.tmp`; one left by a
//!   killed run is deleted by the next run while it holds the lock (no other certpatch can
//!   be writing then), and it never blocks anything.
//! - **Same file.** The mode (and, when permitted, the owner) of the bundle is kept; a
//!   symlinked bundle is written through to its target, leaving the link in place.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

const TEMP_MARK: &str = ".certpatch-";

/// A bundle held under an exclusive lock, with the content read under that lock.
pub struct Locked {
    /// The real file (symlinks resolved).
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    file: File,
}

/// Opens the bundle and takes the exclusive lock (waiting for other certpatch processes).
/// `on_wait` is called with the real path before each wait, so the caller can say why
/// nothing happens (this layer prints nothing).
pub fn lock(path: &Path, on_wait: impl Fn(&Path)) -> Result<Locked> {
    let real = std::fs::canonicalize(path)
        .with_context(|| format!("cannot open bundle `{}`", path.display()))?;
    for _ in 0..1000 {
        let file = File::open(&real)
            .with_context(|| format!("cannot open bundle `{}`", real.display()))?;
        if file.try_lock().is_err() {
            on_wait(&real);
            file.lock()
                .with_context(|| format!("cannot lock bundle `{}`", real.display()))?;
        }
        // The lock is on an inode; a rename by the previous holder may have replaced it.
        let locked = file.metadata()?;
        match std::fs::metadata(&real) {
            Ok(now) if now.ino() == locked.ino() && now.dev() == locked.dev() => {
                let mut bytes = Vec::new();
                (&file)
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("cannot read bundle `{}`", real.display()))?;
                remove_stale_temporaries(&real);
                return Ok(Locked {
                    path: real,
                    bytes,
                    file,
                });
            }
            _ => continue,
        }
    }
    Err(anyhow!(
        "`{}` kept being replaced while certpatch waited for its lock; is another program rewriting it in a loop?",
        real.display()
    ))
}

impl Locked {
    /// Replaces the bundle's content atomically, keeping its mode and owner.
    pub fn replace(&self, new: &[u8]) -> Result<()> {
        let meta = self.file.metadata()?;
        write_atomic(&self.path, new, Some(&meta))
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename,
/// fsync of the folder). `like` gives the mode and owner to keep; without it the file is
/// private to its owner (0600).
pub fn write_atomic(path: &Path, bytes: &[u8], like: Option<&std::fs::Metadata>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hint = "check the folder's permissions (a system-wide Python may need sudo) and free space";
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}{TEMP_MARK}"))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot create a temporary file in `{}`; {hint}",
                dir.display()
            )
        })?;
    tmp.write_all(bytes).with_context(|| {
        format!(
            "cannot write a temporary file in `{}`; {hint}",
            dir.display()
        )
    })?;
    if let Some(meta) = like {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777))
            .with_context(|| format!("cannot set the mode of the new `{}`", path.display()))?;
        // Keep the owner when we may (root patching a user's environment); otherwise the
        // file keeps ours, which is what a normal user writing their own file gets anyway.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    // Without a file to copy from (backups, the ledger), the temporary file keeps the
    // private mode 0600 it was created with: a bundle may hold more than certificates.
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot flush the new `{}` to disk", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace `{}`; {hint}", path.display()))?;
    if let Ok(d) = OpenOptions::new().read(true).open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Deletes temporary files that a killed certpatch left beside this bundle. Called only
/// while holding the bundle's lock, when no other certpatch can be writing one.
fn remove_stale_temporaries(bundle: &Path) {
    let (Some(dir), Some(name)) = (bundle.parent(), bundle.file_name()) else {
        return;
    };
    let prefix = format!(".{}{TEMP_MARK}", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with(&prefix) && file_name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
