//! Whose code an interpreter is, the Windows way: the owner SID and the access list
//! ([`super::access`]) of each entry, mapped to the shape `lstat` gives on Unix so that
//! `discover::trust` judges one shape: the owner as a number (0 for the administrators,
//! SYSTEM and TrustedInstaller), and "everyone may write" for any other account the list
//! lets change the entry (a folder others may only add to counts as a sticky one, like
//! `/tmp`). Windows cannot start a process as another account without its password, so an
//! interpreter in another account's hands is never run (Unix runs it as that account).

use std::path::Path;
use std::process::Command;

use crate::os::{Account, Perm};

/// Windows starts a process as another account only with its password (or a service's
/// privileges): an interpreter in another account's hands is not run.
pub const RUNS_AS_OWNER: bool = false;
/// Who "root" is, in messages.
pub const ROOT_WORDS: &str = "an administrator";
/// How certpatch runs when it runs as "root", in messages.
pub const AS_ROOT_WORDS: &str = "runs elevated";

/// The entry's owner and access list, in the shape of `lstat`'s answer.
pub fn perm_of(path: &Path) -> Option<Perm> {
    let a = super::access(path).ok()?;
    let mut mode = if a.is_dir { 0o755 } else { 0o644 };
    if !a.replace.is_empty() {
        mode |= 0o002;
    } else if a.is_dir && !a.add.is_empty() {
        // Others may add entries but not replace the ones there: a sticky folder.
        mode |= 0o1002;
    }
    Some(Perm {
        uid: a.owner,
        gid: 0,
        mode,
        is_dir: a.is_dir,
        is_link: a.is_link,
        others: [a.replace, a.add].concat(),
    })
}

/// No account database certpatch could start a process as (see [`RUNS_AS_OWNER`]).
pub fn account(_: u32) -> Option<Account> {
    None
}

/// Windows has no private groups in the Unix sense (groups are in the access list).
pub fn private_group(_: u32, _: u32) -> bool {
    false
}

/// Nothing to do: a child inherits only handles marked inheritable, and the standard
/// library marks none but its pipes; the Job Object is [`crate::os::spawn_tree`]'s.
pub fn confine(_: &mut Command, _: Option<&Account>) {}

/// Whether `path` may be run: Windows runs only the extensions `PATHEXT` lists.
pub fn may_run(path: &Path, _meta: &std::fs::Metadata) -> bool {
    crate::os::has_pathext(path, std::env::var_os("PATHEXT").as_deref())
}
