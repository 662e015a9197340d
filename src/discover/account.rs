//! The operating system's side of "whose code is this": who owns a file, which account a
//! uid is, and starting a child process as another account with nothing inherited.
//!
//! Every platform call of the interpreter trust decision (`trust`) and of running an
//! interpreter (`interpreter::run_script`) lives here, so that a port to another
//! platform has one file to write. On Unix it is implemented; elsewhere nothing is
//! judged (there are no uids; the decision says so) and children run as the user.

use std::path::Path;
use std::process::{Child, Command};

/// A local account an interpreter may be run as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub uid: u32,
    /// Its primary group (from the account database).
    pub gid: u32,
    pub name: String,
}

/// Who may change one file system entry, as `lstat` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perm {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    pub is_dir: bool,
    pub is_link: bool,
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

    /// Whether this platform has owners to judge.
    pub const JUDGES_OWNERS: bool = true;

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
        })
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

    /// Makes `cmd` start in its own process group (so a timeout stops what a wrapper
    /// started too), with every inherited descriptor above standard error closed at exec,
    /// and, with `run_as`, as that account: supplementary groups dropped, then its gid,
    /// then its uid (the standard library's order), in `/`.
    pub fn confine(cmd: &mut Command, run_as: Option<&Account>) {
        cmd.process_group(0);
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

    /// Stops the child and everything in its process group.
    pub fn stop_group(child: &mut Child) {
        let pid = rustix::process::Pid::from_child(child);
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        let _ = child.kill();
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;

    pub const JUDGES_OWNERS: bool = false;

    /// 0 ("root") when certpatch runs elevated (Windows: an elevated administrator's
    /// token), else 1: owners are not judged here, so only "root or not" matters.
    pub fn me() -> u32 {
        if elevated() {
            0
        } else {
            1
        }
    }

    #[cfg(windows)]
    fn elevated() -> bool {
        use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
        use windows_sys::Win32::Security::{
            GetTokenInformation, TokenElevation, TOKEN_ELEVATION, TOKEN_QUERY,
        };
        use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
        // SAFETY: the token is opened for query and closed; `e` is a plain struct the
        // call fills. Unknown counts as elevated (the cautious answer).
        unsafe {
            let mut tok: HANDLE = std::ptr::null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut tok) == 0 {
                return true;
            }
            let mut e = TOKEN_ELEVATION { TokenIsElevated: 0 };
            let mut len = 0u32;
            let ok = GetTokenInformation(
                tok,
                TokenElevation,
                &mut e as *mut _ as *mut _,
                std::mem::size_of::<TOKEN_ELEVATION>() as u32,
                &mut len,
            );
            CloseHandle(tok);
            ok == 0 || e.TokenIsElevated != 0
        }
    }

    #[cfg(not(windows))]
    fn elevated() -> bool {
        true
    }
    pub fn perm(_: &Path) -> Option<Perm> {
        None
    }
    pub fn account(_: u32) -> Option<Account> {
        None
    }
    pub fn private_group(_: u32, _: u32) -> bool {
        false
    }
    pub fn confine(_: &mut Command, _: Option<&Account>) {}
    pub fn stop_group(child: &mut Child) {
        let _ = child.kill();
    }
}

pub use imp::{account, confine, me, perm, private_group, stop_group, JUDGES_OWNERS};

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
