//! Committing a change to a locked bundle, in the one order that keeps state consistent:
//! backup (when the bundle is about to get its first patch), then the atomic replace,
//! then the ledger.
//!
//! A backup made for a write that then fails is taken back, so a refused or failed run
//! leaves nothing behind. The ledger is bookkeeping: when it cannot be updated the bundle
//! change still stands, and the caller reports a warning rather than a failure (the
//! bundle itself says what its patches are).
//!
//! Every commit also notes in the ledger the bundle's SHA-256 after the write (on each
//! patch recorded for that bundle) and, on each patch recorded by this commit, the package
//! that owns the bundle ([`crate::store::provenance`], as the backups do): `status` uses
//! them to tell an upgrade from a reinstall from a foreign edit.

use std::path::{Path, PathBuf};

use anyhow::Result;
use sha2::{Digest, Sha256};

use crate::bundle::Bundle;
use crate::store::backup::Backup;
use crate::store::home::Home;
use crate::store::ledger::{self, Ledger};
use crate::store::write::Locked;
use crate::x509::cert::hex;

/// What a commit did besides writing the bundle.
pub struct Committed {
    /// The backup of the bundle's state before certpatch, when one is kept.
    pub backup: Option<PathBuf>,
    /// Why the ledger could not be updated, if it could not.
    pub ledger_problem: Option<String>,
    /// Why a backup that should have gone could not be deleted (the bundle change stands).
    pub backup_problem: Option<String>,
}

/// Writes `new` over the locked bundle, keeping a backup of `before` (the bundle as read
/// under the lock) when it has no certpatch patches yet.
pub fn with_backup(
    home: &Home,
    locked: &Locked,
    before: &Bundle,
    new: &[u8],
    change: impl FnOnce(&mut Ledger),
) -> Result<Committed> {
    let backup = Backup::of(home, &locked.path);
    let fresh = backup.ensure(
        home,
        &locked.path,
        &before.pristine(),
        !before.patches.is_empty(),
    )?;
    if let Err(err) = locked.replace(new) {
        if fresh {
            let _ = backup.discard();
        }
        return Err(err);
    }
    Ok(Committed {
        backup: Some(backup.original),
        ledger_problem: record(home, &locked.path, new, change),
        backup_problem: None,
    })
}

/// Writes `new` over the locked bundle (removing patches needs no new backup).
pub fn plain(
    home: &Home,
    locked: &Locked,
    new: &[u8],
    change: impl FnOnce(&mut Ledger),
) -> Result<Committed> {
    locked.replace(new)?;
    Ok(Committed {
        backup: None,
        ledger_problem: record(home, &locked.path, new, change),
        backup_problem: None,
    })
}

fn record(
    home: &Home,
    bundle: &Path,
    new: &[u8],
    change: impl FnOnce(&mut Ledger),
) -> Option<String> {
    let hash = hex(&Sha256::digest(new));
    let package = crate::store::provenance::of(bundle);
    let bookkept = |l: &mut Ledger| {
        // A record this commit wrote gets the package: a new one, or one `reapply` wrote
        // again (it had a package before and has none now). A record of an older
        // certpatch that never had one is left alone: its package then is not known.
        let unknown_before: Vec<String> = l
            .of_bundle(bundle)
            .filter(|e| e.package.is_none())
            .map(|e| e.sha256.clone())
            .collect();
        change(l);
        let text = bundle.to_string_lossy();
        for e in l.patches.iter_mut().filter(|e| e.bundle == text) {
            if e.package.is_none() && !unknown_before.contains(&e.sha256) {
                e.package.clone_from(&package);
            }
        }
        l.touch(bundle, &hash);
    };
    ledger::update(home, bookkept).err().map(|e| {
        format!(
            "the bundle was changed, but the ledger was not updated: {}",
            crate::x509::text::chain(&e)
        )
    })
}
