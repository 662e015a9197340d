//! One bundle transaction: the single way a command changes a bundle (`add`, `remove`,
//! `restore`, and `reapply` and `fix`, which go through `add`'s per-bundle code).
//!
//! [`run`] reads the bundle without the lock and hands the parsed [`Bundle`] to the
//! command's `plan` (every expensive check: certificate rules, parse and load checks), so
//! a slow check never holds the lock other certpatch runs wait on. A dry run stops there:
//! nothing is locked or written. A real run then takes the lock; when the bundle under
//! the lock is still the bytes the plan was made from, the plan is used as it is,
//! otherwise it is made again without the lock (up to [`LOCK_ATTEMPTS`] times), and only
//! a bundle that keeps changing is finally planned under the lock. The command's `apply`
//! then turns the plan into its typed result and, maybe, a [`Write`], which is committed
//! in the one safe order ([`crate::store::commit`]: backup, atomic replace, ledger).
//!
//! Nothing here prints: the lock's wait notice and every warning go back to the caller
//! (the `lock` callback, [`Committed`]).

use anyhow::Result;

use crate::bundle::Bundle;
use crate::store::backup::Backup;
use crate::store::commit::{self, Committed};
use crate::store::home::Home;
use crate::store::ledger::Ledger;
use crate::store::write::Locked;

/// How many times a real run plans again without the lock when the bundle changed between
/// its read and the lock, before it plans under the lock.
pub const LOCK_ATTEMPTS: usize = 3;

/// A plan made from one parsed bundle: the transaction compares the bundle's bytes with
/// what it reads under the lock to know whether the plan still holds.
pub trait Planned {
    /// The bundle the plan was made from.
    fn bundle(&self) -> &Bundle;
}

impl Planned for Bundle {
    fn bundle(&self) -> &Bundle {
        self
    }
}

/// What to do with the backup of the bundle's state before certpatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupStep {
    /// Keep one (made now when the bundle holds no certpatch patch yet): an add.
    Ensure,
    /// Leave it as it is: removing some patches.
    Leave,
    /// Delete it after the write (nothing left for it to undo: the last patch removed,
    /// or the bundle restored).
    Discard,
}

/// A change to write over the locked bundle.
pub struct Write<F: FnOnce(&mut Ledger)> {
    pub bytes: Vec<u8>,
    pub backup: BackupStep,
    /// The ledger update that goes with it.
    pub ledger: F,
}

/// What one transaction did: the command's own result, and the commit when it wrote.
pub struct Done<P, R> {
    /// The plan the result was made from (from the bytes under the lock, in a real run).
    pub plan: P,
    pub result: R,
    /// `Some` when the bundle was written.
    pub committed: Option<Committed>,
}

/// The two ways into the bundle: `read` without the lock, `lock` for a change. They are
/// closures so that this layer does not see how a command resolved its target (and so
/// that the caller can warn about what the lock found).
pub struct Access<Rd, Lk>
where
    Rd: Fn() -> Result<Vec<u8>>,
    Lk: Fn() -> Result<Locked>,
{
    pub read: Rd,
    pub lock: Lk,
}

/// Runs one bundle transaction; `home` is `None` for a dry run (read only, no lock).
///
/// `apply` gets the plan (made from the bytes under the lock, in a real run) and the locked bundle (`None` in a dry run) and returns the
/// command's result and, when the bundle must change, the [`Write`]. A write without a
/// lock (a dry run's `apply` asking to write) is an error.
pub fn run<Rd, Lk, P, R, F>(
    access: Access<Rd, Lk>,
    home: Option<&Home>,
    plan: impl FnMut(Bundle) -> P,
    apply: impl FnOnce(&P, Option<&Locked>) -> Result<(R, Option<Write<F>>)>,
) -> Result<Done<P, R>>
where
    Rd: Fn() -> Result<Vec<u8>>,
    Lk: Fn() -> Result<Locked>,
    P: Planned,
    F: FnOnce(&mut Ledger),
{
    run_from(None, access, home, plan, apply)
}

/// [`run`], planning first from `first` when the caller has already read and parsed the
/// bundle unlocked (`add` does, to ask the offline index): the same unlocked first read
/// `run` makes, without parsing a large bundle twice. The bytes under the lock are
/// compared with it as with `run`'s own read.
pub fn run_from<Rd, Lk, P, R, F>(
    first: Option<Bundle>,
    access: Access<Rd, Lk>,
    home: Option<&Home>,
    mut plan: impl FnMut(Bundle) -> P,
    apply: impl FnOnce(&P, Option<&Locked>) -> Result<(R, Option<Write<F>>)>,
) -> Result<Done<P, R>>
where
    Rd: Fn() -> Result<Vec<u8>>,
    Lk: Fn() -> Result<Locked>,
    P: Planned,
    F: FnOnce(&mut Ledger),
{
    let first = match first {
        Some(bundle) => bundle,
        None => Bundle::parse((access.read)()?),
    };
    let mut planned = plan(first);
    let Some(home) = home else {
        let (result, write) = apply(&planned, None)?;
        if write.is_some() {
            anyhow::bail!("internal error: a dry run asked to write the bundle");
        }
        return Ok(Done {
            plan: planned,
            result,
            committed: None,
        });
    };
    let mut attempt = 1;
    let locked = loop {
        let locked = (access.lock)()?;
        if locked.bytes == planned.bundle().bytes {
            break locked;
        }
        if attempt == LOCK_ATTEMPTS {
            planned = plan(Bundle::parse(locked.bytes.clone()));
            break locked;
        }
        let bytes = locked.bytes.clone();
        drop(locked);
        planned = plan(Bundle::parse(bytes));
        attempt += 1;
    };
    let (result, write) = apply(&planned, Some(&locked))?;
    let Some(write) = write else {
        return Ok(Done {
            plan: planned,
            result,
            committed: None,
        });
    };
    let mut committed = match write.backup {
        BackupStep::Ensure => {
            commit::with_backup(home, &locked, planned.bundle(), &write.bytes, write.ledger)?
        }
        BackupStep::Leave | BackupStep::Discard => {
            commit::plain(home, &locked, &write.bytes, write.ledger)?
        }
    };
    if write.backup == BackupStep::Discard {
        let backup = Backup::of(home, &locked.path);
        if backup.exists() {
            if let Err(e) = backup.discard() {
                committed.backup_problem = Some(crate::x509::text::chain(&e));
            }
        }
    }
    Ok(Done {
        plan: planned,
        result,
        committed: Some(committed),
    })
}
