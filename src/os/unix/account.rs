//! Whose code an interpreter is, the Unix way: the owner, group and mode bits of each entry
//! (`lstat`), the account database, and starting a child as another account with nothing
//! inherited. `discover::trust` judges what these say.

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::os::{Account, Perm};

/// Whether an interpreter in another account's hands can be run as that account.
pub const RUNS_AS_OWNER: bool = true;
/// Who "root" is, in messages.
pub const ROOT_WORDS: &str = "root";
/// How certpatch runs when it runs as root, in messages.
pub const AS_ROOT_WORDS: &str = "runs as root";

/// `lstat`: the entry itself, a link not followed.
pub fn perm_of(path: &Path) -> Option<Perm> {
    let m = std::fs::symlink_metadata(path).ok()?;
    Some(Perm {
        uid: m.uid(),
        gid: m.gid(),
        mode: m.mode(),
        is_dir: m.is_dir(),
        is_link: m.file_type().is_symlink(),
        others: Vec::new(),
    })
}

/// "uid 1001 (u)": an owner in a message, the account's name as the database has it (the
/// caller escapes it for a terminal).
pub fn owner_text(uid: u32) -> String {
    match account(uid) {
        Some(a) => format!("uid {uid} ({})", a.name),
        None => format!("uid {uid}"),
    }
}

/// The account of `uid`, when the account database has one.
pub fn account(uid: u32) -> Option<Account> {
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok()??;
    Some(Account {
        uid,
        gid: user.gid.as_raw(),
        name: user.name,
    })
}

/// Whether `gid` is the private group of `owner` (its primary group, of its name, with
/// no other member listed): writable by that group is writable by the owner alone.
pub fn private_group(gid: u32, owner: u32) -> bool {
    let Some(acct) = account(owner) else {
        return false;
    };
    let Ok(Some(group)) = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid)) else {
        return false;
    };
    acct.gid == gid && group.name == acct.name && group.mem.iter().all(|m| *m == acct.name)
}

/// Makes `cmd` start with every inherited descriptor above standard error closed at
/// exec, and, with `run_as`, as that account: supplementary groups dropped, then its
/// gid, then its uid (the standard library's order), in `/`. (Its own process group,
/// so that a timeout stops what it starts too, is [`crate::os::spawn_tree`]'s.)
pub fn confine(cmd: &mut Command, run_as: Option<&Account>) {
    if let Some(a) = run_as {
        // `uid` also calls setgroups(0, NULL) in the child: no supplementary groups.
        cmd.gid(a.gid).uid(a.uid).current_dir("/");
    }
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(1024)
        .min(65_536) as i32;
    // SAFETY: the closure runs in the forked child before exec and makes only
    // async-signal-safe system calls (close_range, fcntl) on descriptor numbers; it
    // allocates nothing and touches no lock.
    unsafe {
        cmd.pre_exec(move || {
            mark_cloexec_from(3, limit);
            Ok(())
        });
    }
}

/// Marks descriptors `from..` close-on-exec (the standard library's own error pipe is
/// already, so it still reports a failed exec).
fn mark_cloexec_from(from: i32, limit: i32) {
    #[cfg(target_os = "linux")]
    {
        const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
        // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets a flag on open
        // descriptors in the range; it takes no pointer.
        let done = unsafe {
            libc::syscall(
                libc::SYS_close_range,
                from as libc::c_uint,
                libc::c_uint::MAX,
                CLOSE_RANGE_CLOEXEC,
            )
        } == 0;
        if done {
            return;
        }
    }
    for fd in from..limit {
        // SAFETY: fcntl(F_SETFD) on a number that is not open fails with EBADF and
        // changes nothing.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
}

/// Whether the file these facts describe may be run: an execute bit set.
pub fn may_run(_path: &Path, meta: &std::fs::Metadata) -> bool {
    meta.mode() & 0o111 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perm_reads_the_link_not_its_target() {
        let t = tempfile::tempdir().unwrap();
        let link = t.path().join("l");
        std::os::unix::fs::symlink("/", &link).unwrap();
        let p = perm_of(&link).unwrap();
        assert!(p.is_link && !p.is_dir);
        let d = perm_of(Path::new("/tmp")).unwrap();
        assert!(d.sticky_dir(), "{d:?}");
        assert_eq!(account(0).unwrap().name, "root");
    }

    #[test]
    fn an_owner_is_named_by_number_and_account() {
        assert_eq!(owner_text(0), "uid 0 (root)");
        assert_eq!(owner_text(4_000_000_123), "uid 4000000123");
    }
}
