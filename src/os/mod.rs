//! The operating system's side of holding a path: every call that opens a folder and keeps
//! it, opens or creates a file beneath a held folder, or renames within one; and the file
//! facts the rest of the crate judges (kind, size, owner, mode, identity) in one
//! platform-free shape ([`Meta`]); and who else may change a path (owner, and on Windows
//! the access list), which `discover` judges before it runs an interpreter. It exists so
//! that `store`, `target` and `discover` say *what* they hold or judge, and the platform
//! code that says *how* sits in one place, the crate's bottom layer:
//! `unix/` (openat2, `O_NOFOLLOW`, `flock`; uids, mode bits, `setuid` children) and
//! `windows/` (reparse points refused, handles held without delete sharing, a separate
//! lock file, `MoveFileExW`; owner SIDs and access lists, Job Objects). Each has
//! `account.rs` (who may change an entry, and how an interpreter is started) and
//! `listing.rs` (the folder listing of discovery's walk) beside its `mod.rs`.
//!
//! Its error messages name paths with `{:?}` (quoted, control characters and line breaks
//! escaped): this layer cannot use `x509::text::path_text`, and a folder name may hold
//! anything another user chose.
//!
//! Why a folder is held: certpatch is often run as root on paths other users can change.
//! A path checked and then opened again by name can be a different file by then (a folder
//! swapped for a link between the two). Holding the opened folder from the checks to the
//! write means the file checked is the file written.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

/// A local account an interpreter may be run as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub uid: u32,
    /// Its primary group (from the account database).
    pub gid: u32,
    pub name: String,
}

/// Who may change one file system entry, as `lstat` sees it (Windows: as its owner and
/// access list say, in the same shape; see `windows/account.rs`).
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

/// One entry of a folder listing ([`Listing::entries`]): its name and whether it is a
/// folder as the listing gives it (a link is a link, never what it points to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub name: std::ffi::OsString,
    pub is_dir: bool,
}

/// Whether `path` ends with one of the extensions `PATHEXT` lists (Windows runs only those;
/// `.COM;.EXE;.BAT;.CMD` when it is not set), compared without case.
#[cfg_attr(unix, allow(dead_code))]
fn has_pathext(path: &std::path::Path, pathext: Option<&std::ffi::OsStr>) -> bool {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return false;
    };
    let list = pathext
        .and_then(|p| p.to_str())
        .filter(|p| !p.is_empty())
        .unwrap_or(".COM;.EXE;.BAT;.CMD");
    list.split(';')
        .filter_map(|e| e.strip_prefix('.'))
        .any(|e| e.eq_ignore_ascii_case(ext))
}

/// What kind of file system entry an opened (or `lstat`ed) name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A symbolic link; on Windows any reparse point (symbolic link, junction, mount point).
    Link,
    Fifo,
    Socket,
    Device,
    Other,
}

impl Kind {
    /// How an error names it ("is a FIFO (named pipe), not a regular file").
    pub fn described(self) -> &'static str {
        match self {
            Kind::File => "a regular file",
            Kind::Dir => "a folder",
            Kind::Link => LINK_WORDS,
            Kind::Fifo => "a FIFO (named pipe)",
            Kind::Socket => "a socket",
            Kind::Device => "a device",
            Kind::Other => "not a regular file",
        }
    }
}

/// The facts about one file the rest of the crate judges, the same on every platform.
/// `owner` is a uid on Unix; on Windows the owner SID mapped to one (see `windows/mod.rs`):
/// 0 for the administrators/SYSTEM, the running user's own value, or a stable value per
/// other SID. `mode` is the Unix permission bits; on Windows a stand-in (0o644, 0o444 for
/// a read-only file, 0o755 for a folder), since access there is decided by the DACL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    pub len: u64,
    pub owner: u32,
    pub group: u32,
    pub mode: u32,
    /// (device, inode) on Unix; (volume serial number, file index) on Windows.
    pub id: (u64, u64),
}

/// A link met while resolving a path (a symbolic link; on Windows also a junction), with
/// its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub path: std::path::PathBuf,
    pub owner: u32,
}

/// What `walk_parent` found: the held folder, the final name in it, every link followed.
#[derive(Debug)]
pub struct Walked {
    pub folder: Folder,
    pub name: std::ffi::OsString,
    pub links: Vec<Link>,
}

impl Walked {
    /// The real path of the final name (the folder's path joined with it).
    pub fn path(&self) -> std::path::PathBuf {
        self.folder.path().join(&self.name)
    }
}

/// The end of a walk: the innermost held folder of `stack`, the final name, the links met.
fn done(
    mut stack: Vec<Folder>,
    name: &std::ffi::OsStr,
    links: Vec<Link>,
) -> std::io::Result<Walked> {
    Ok(Walked {
        folder: stack.pop().expect("the root stays on the stack"),
        name: name.to_os_string(),
        links,
    })
}

/// A started child and every process it starts, stopped together ([`spawn_tree`]): its
/// own process group on Unix, a Job Object on Windows.
pub struct ProcessTree {
    child: std::process::Child,
    /// Windows: the job the child was put in before it ran; closing it kills what is left
    /// in it (`JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`).
    #[cfg(windows)]
    job: std::os::windows::io::OwnedHandle,
}

impl ProcessTree {
    /// The child's exit status, if it has ended.
    pub fn try_wait(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        self.child.try_wait()
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_runs_only_the_extensions_pathext_names() {
        use std::path::Path;
        let ext = Some(std::ffi::OsStr::new(".COM;.EXE;.BAT;.CMD;.PY"));
        assert!(has_pathext(Path::new(r"C:\Python312\python.exe"), ext));
        assert!(has_pathext(Path::new(r"C:\Python312\PYTHON.EXE"), ext));
        assert!(!has_pathext(Path::new(r"C:\Python312\python"), ext));
        assert!(!has_pathext(Path::new(r"C:\Python312\python.txt"), ext));
        assert!(has_pathext(Path::new("run.cmd"), None));
        assert!(!has_pathext(Path::new("run.py"), None));
    }
    use std::process::Command;
    use std::time::{Duration, Instant};

    const ROLE: &str = "CERTPATCH_TEST_TREE_ROLE";
    const PID_FILE: &str = "CERTPATCH_TEST_TREE_PID_FILE";

    /// This test binary again, running only [`tree_helper`] in the given role.
    fn helper(role: &str, pid_file: &std::path::Path) -> Command {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--ignored",
            "--exact",
            "os::tests::tree_helper",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(PID_FILE, pid_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
        cmd
    }

    /// Not a test: the processes of [`stopping_a_tree_stops_what_its_child_started`]. As
    /// "parent", it starts a "grandchild", writes that one's pid, and waits; the
    /// grandchild waits. (Run by itself, without the role, it does nothing.)
    #[test]
    #[ignore = "a helper process for stopping_a_tree_stops_what_its_child_started"]
    fn tree_helper() {
        let pid_file = std::env::var_os(PID_FILE);
        match (std::env::var(ROLE).as_deref(), pid_file) {
            (Ok("parent"), Some(pid_file)) => {
                let pid_file = std::path::PathBuf::from(pid_file);
                let mut grandchild = helper("grandchild", &pid_file).spawn().unwrap();
                let tmp = pid_file.with_extension("tmp");
                std::fs::write(&tmp, grandchild.id().to_string()).unwrap();
                std::fs::rename(&tmp, &pid_file).unwrap();
                // Waits (for up to the grandchild's 600 s) until the tree is stopped.
                let _ = grandchild.wait();
            }
            (Ok("grandchild"), _) => std::thread::sleep(Duration::from_secs(600)),
            _ => {}
        }
    }

    /// Whether process `pid` has ended, waiting for it up to `limit`.
    fn ended_within(pid: u32, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            #[cfg(unix)]
            let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| {
                    !s.rsplit(')')
                        .next()
                        .unwrap_or("")
                        .trim_start()
                        .starts_with('Z')
                })
                .unwrap_or(false);
            #[cfg(windows)]
            let alive = {
                use windows_sys::Win32::Foundation::{CloseHandle, WAIT_TIMEOUT};
                use windows_sys::Win32::System::Threading::{
                    OpenProcess, WaitForSingleObject, PROCESS_SYNCHRONIZE,
                };
                // SAFETY: the handle, when opened, is closed here.
                unsafe {
                    let h = OpenProcess(PROCESS_SYNCHRONIZE, 0, pid);
                    if h.is_null() {
                        false
                    } else {
                        let r = WaitForSingleObject(h, 100);
                        CloseHandle(h);
                        r == WAIT_TIMEOUT
                    }
                }
            };
            if !alive {
                return true;
            }
            if start.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills `pid` (cleanup after a failed assertion).
    fn kill(pid: u32) {
        #[cfg(unix)]
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        #[cfg(windows)]
        {
            use windows_sys::Win32::Foundation::CloseHandle;
            use windows_sys::Win32::System::Threading::{
                OpenProcess, TerminateProcess, PROCESS_TERMINATE,
            };
            // SAFETY: the handle, when opened, is closed here.
            unsafe {
                let h = OpenProcess(PROCESS_TERMINATE, 0, pid);
                if !h.is_null() {
                    TerminateProcess(h, 1);
                    CloseHandle(h);
                }
            }
        }
    }

    #[test]
    fn a_folder_others_may_write_is_told_as_shared() {
        let t = tempfile::tempdir().unwrap();
        let d = dunce::canonicalize(t.path()).unwrap().join("d");
        std::fs::create_dir(&d).unwrap();
        let folder = open_folder(&d).unwrap();
        assert_eq!(folder.others_may_replace(euid()).unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
            let how = folder.others_may_replace(euid()).unwrap();
            assert_eq!(how.as_deref(), Some("mode 0777"));
        }
        #[cfg(windows)]
        {
            set_sddl(&d, "D:P(A;;FA;;;BA)(A;;FA;;;WD)");
            let how = folder.others_may_replace(euid()).unwrap().unwrap();
            assert!(how.contains("S-1-1-0"), "{how}");
        }
    }

    #[test]
    #[cfg_attr(
        not(any(target_os = "linux", windows)),
        ignore = "reads /proc to tell a zombie from a live process"
    )]
    fn stopping_a_tree_stops_what_its_child_started() {
        let t = tempfile::tempdir().unwrap();
        let pid_file = t.path().join("grandchild.pid");
        let mut tree = spawn_tree(&mut helper("parent", &pid_file)).unwrap();
        let start = Instant::now();
        let grandchild = loop {
            if let Ok(text) = std::fs::read_to_string(&pid_file) {
                break text.trim().parse::<u32>().unwrap();
            }
            assert!(
                tree.try_wait().unwrap().is_none(),
                "the helper ended before it started the grandchild"
            );
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "no grandchild after 300 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let child = tree.id();
        tree.stop();
        let gone = ended_within(grandchild, Duration::from_secs(120));
        if !gone {
            kill(grandchild);
        }
        assert!(
            ended_within(child, Duration::from_secs(120)),
            "the child runs on"
        );
        assert!(
            gone,
            "the grandchild {grandchild} outlived the stopped tree"
        );
    }
}
