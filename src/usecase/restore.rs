//! `restore`: put back the copy saved before the first patch — only while the bundle,
//! with certpatch's patches taken out, is byte for byte that backup, so it never puts an
//! older bundle over a newer one. After a certifi upgrade, a reinstall or a foreign edit
//! it refuses and says what changed (the package then and now, the certificates the old
//! copy would bring back or drop). A backup whose bytes do not match its `meta.toml` is
//! damaged and is never used.

use std::path::PathBuf;

use anyhow::Result;

use crate::bundle::Bundle;
use crate::store::backup::Backup;
use crate::store::commit::Committed;
use crate::store::home::Home;
use crate::store::ledger::Ledger;
use crate::store::provenance::{self, Provenance};
use crate::store::transaction::{self, Access, BackupStep, Write};
use crate::store::write::Locked;
use crate::target::Target;
use crate::x509::cert::Cert;

/// What `restore` decided for one bundle.
pub enum Restore {
    /// No backup; the bundle holds `patches` certpatch patches (none: nothing to do).
    NoBackup { patches: usize },
    /// The backup does not match its metadata.
    DamagedBackup { damage: String, dir: PathBuf },
    /// The bundle already is the backed-up copy.
    Unchanged,
    /// The bundle without certpatch's patches is not the backup.
    Refused(Box<Refused>),
    /// A dry run: the backup would be written (`now` bytes, `after` bytes), taking out
    /// the bundle's patches.
    WouldRestore { now: usize, after: usize },
    /// Written.
    Restored { committed: Option<Committed> },
}

/// The decision, the backup it is about, and the bundle as read (under the lock in a
/// real run).
pub struct Restored {
    pub restore: Restore,
    pub backup: Backup,
    pub bundle: Bundle,
}

/// Why a restore was refused, and what changed.
pub struct Refused {
    /// certpatch's patches are gone from the bundle too (else: still in it).
    pub patches_lost: bool,
    /// The owning package when the backup was taken, and now.
    pub then: Option<Provenance>,
    pub now: Option<Provenance>,
    /// The certificates the backup would bring back (trust again), and drop.
    pub bring_back: Vec<Cert>,
    pub drop: Vec<Cert>,
}

impl Refused {
    /// The command that puts the package's own bundle back, when the package is known.
    pub fn reinstall(&self) -> Option<String> {
        self.now
            .as_ref()
            .or(self.then.as_ref())
            .map(Provenance::reinstall_command)
    }
}

/// Restores one bundle from its backup under `home` (without writing in a dry run).
pub fn restore_one<Rd, Lk>(
    access: Access<Rd, Lk>,
    target: &Target,
    home: &Home,
    dry_run: bool,
) -> Result<Restored>
where
    Rd: Fn() -> Result<Vec<u8>>,
    Lk: Fn() -> Result<Locked>,
{
    let backup = Backup::of(home, &target.path);
    // A dry run only reads; a real restore decides and writes under the lock.
    let done = transaction::run(
        access,
        (!dry_run).then_some(home),
        |bundle| bundle,
        |bundle: &Bundle, locked| {
            let decided = |r: Restore| Ok((Some(r), None));
            if !backup.exists() {
                return decided(Restore::NoBackup {
                    patches: bundle.patches.len(),
                });
            }
            let loaded = match backup.load() {
                Ok(l) => l,
                Err(damaged) => {
                    return decided(Restore::DamagedBackup {
                        damage: damaged.to_string(),
                        dir: backup.dir.clone(),
                    })
                }
            };
            let original = loaded.bytes;
            if bundle.bytes == original {
                return decided(Restore::Unchanged);
            }
            let pristine = bundle.pristine();
            if pristine != original {
                let old = Bundle::parse(original);
                let new = Bundle::parse(pristine);
                return decided(Restore::Refused(Box::new(Refused {
                    patches_lost: bundle.patches.is_empty(),
                    then: loaded.meta.provenance.clone(),
                    now: provenance::of(&target.path),
                    bring_back: missing_from(&old.certs, &new.certs),
                    drop: missing_from(&new.certs, &old.certs),
                })));
            }
            let Some(locked) = locked else {
                return decided(Restore::WouldRestore {
                    now: bundle.bytes.len(),
                    after: original.len(),
                });
            };
            let path = locked.path.clone();
            Ok((
                None,
                Some(Write {
                    bytes: original,
                    // The bundle is restored; a backup left behind is only clutter.
                    backup: BackupStep::Discard,
                    ledger: move |l: &mut Ledger| l.forget_bundle(&path),
                }),
            ))
        },
    )?;
    let restore = match done.result {
        Some(decided) => decided,
        None => Restore::Restored {
            committed: done.committed,
        },
    };
    Ok(Restored {
        restore,
        backup,
        bundle: done.plan,
    })
}

/// The certificates in `a` that `b` lacks (by fingerprint), each once.
fn missing_from(a: &[Cert], b: &[Cert]) -> Vec<Cert> {
    let mut out: Vec<Cert> = Vec::new();
    for c in a {
        if !b.iter().any(|d| d.sha256() == c.sha256())
            && !out.iter().any(|d| d.sha256() == c.sha256())
        {
            out.push(c.clone());
        }
    }
    out
}
