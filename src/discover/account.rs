//! The operating system's side of "whose code is this": who owns a file, which account a
//! uid is, and starting a child process as another account with nothing inherited.
//!
//! Every platform call of the interpreter trust decision (`trust`) and of running an
//! interpreter (`interpreter::run_script`) lives here, so that a port to another
//! platform has one file to write. On Unix: uids, gids and mode bits (`lstat`). On
//! Windows: the owner SID and the access list (`crate::os::access`), mapped to the same
//! shape: the owner as a number (0 for the administrators, SYSTEM and TrustedInstaller),
//! and "everyone may write" for any other account the list lets change the entry (a
//! folder others may only add to counts as a sticky one, like `/tmp`). Windows cannot
//! start a process as another account without its password, so there an interpreter in
//! another account's hands is never run (Unix runs it as that account).

use std::path::Path;
use std::process::Command;

/// A local account an interpreter may be run as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub uid: u32,
    /// Its primary group (from the account database).
    pub gid: u32,
    pub name: String,
}

/// Who may change one file system entry, as `lstat` sees it (Windows: as its owner and
/// access list say, in the same shape).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Perm {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    pub is_dir: bool,
    pub is_link: bool,
    /// Windows: the accounts the access list lets change (or add to) the entry, besides
    /// the owner and the administrators; what the "everyone" bit of `mode` stands for.
    pub others: Vec<String>,
}

impl Perm {
    pub fn group_writable(&self) -> bool {
        self.mode & 0o020 != 0
    }
    pub fn world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }
    /// A folder with the sticky bit: others may add entries but not replace or remove
    /// entries they do not own (`/tmp`).
    pub fn sticky_dir(&self) -> bool {
        self.is_dir && self.mode & 0o1000 != 0
    }
}

#[cfg(unix)]
mod imp {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;

    /// Whether an interpreter in another account's hands can be run as that account.
    pub const RUNS_AS_OWNER: bool = true;
    /// Who "root" is, in messages.
    pub const ROOT: &str = "root";
    /// How certpatch runs when it runs as root, in messages.
    pub const AS_ROOT: &str = "runs as root";

    /// The user certpatch runs as (effective uid).
    pub fn me() -> u32 {
        rustix::process::geteuid().as_raw()
    }

    /// `lstat`: the entry itself, a link not followed.
    pub fn perm(path: &Path) -> Option<Perm> {
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

    /// "uid 1001 (u)": an owner in a message.
    pub fn owner_text(uid: u32) -> String {
        match account(uid) {
            Some(a) => format!("uid {uid} ({})", crate::x509::text::escape(&a.name)),
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
    /// so that a timeout stops what it starts too, is `crate::os::spawn_tree`'s.)
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
}

#[cfg(windows)]
mod imp {
    use super::*;

    /// Windows starts a process as another account only with its password (or a
    /// service's privileges): an interpreter in another account's hands is not run.
    pub const RUNS_AS_OWNER: bool = false;
    pub const ROOT: &str = "an administrator";
    pub const AS_ROOT: &str = "runs elevated";

    /// 0 ("root") when certpatch runs elevated, else the number of the user's SID.
    pub fn me() -> u32 {
        crate::os::euid()
    }

    /// The entry's owner and access list, in the shape of `lstat`'s answer.
    pub fn perm(path: &Path) -> Option<Perm> {
        let a = crate::os::access(path).ok()?;
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

    pub fn owner_text(uid: u32) -> String {
        crate::os::owner_text(uid)
    }
    pub fn account(_: u32) -> Option<Account> {
        None
    }
    pub fn private_group(_: u32, _: u32) -> bool {
        false
    }
    pub fn confine(_: &mut Command, _: Option<&Account>) {}
}

pub use imp::{
    account, confine, me, owner_text, perm, private_group, AS_ROOT, ROOT, RUNS_AS_OWNER,
};

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn perm_reads_the_link_not_its_target() {
        let t = tempfile::tempdir().unwrap();
        let link = t.path().join("l");
        std::os::unix::fs::symlink("/", &link).unwrap();
        let p = perm(&link).unwrap();
        assert!(p.is_link && !p.is_dir);
        let d = perm(Path::new("/tmp")).unwrap();
        assert!(d.sticky_dir(), "{d:?}");
        assert_eq!(account(0).unwrap().name, "root");
    }
}
