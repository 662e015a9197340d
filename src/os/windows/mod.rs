//! Held folders and file facts on Windows, by Windows' own rules (see docs/design.md,
//! "Windows").
//!
//! - **No link followed where none may be.** Every open passes
//!   `FILE_FLAG_OPEN_REPARSE_POINT` and the opened handle's attributes are checked: a
//!   reparse point (a symbolic link, a junction, a mount point) where a file or folder was
//!   expected is refused (`ERROR_STOPPED_ON_SYMLINK`), never followed.
//! - **Held folders.** A [`Folder`] keeps a handle on every folder from the drive's root down,
//!   opened without `FILE_SHARE_DELETE`: while held, none of them can be renamed, deleted
//!   or replaced by a link, so opening `folder\name` by path afterwards reaches the folder
//!   checked (Windows has no `openat` in its documented API; this is its equivalent).
//! - **Regular files only**: `GetFileType == FILE_TYPE_DISK` and no folder or reparse bit.
//! - **Identity**: (volume serial number, file index) from `GetFileInformationByHandle`.
//! - **Owners**: the owner SID (`GetSecurityInfo`). "root" is an elevated token (or the
//!   owner SID Administrators, SYSTEM or TrustedInstaller): mapped to 0; any other SID to a
//!   stable number derived from it (never 0), the running user's own included, so the
//!   owner rules of the rest of the crate hold by SID.
//! - **Atomic replace**: `SetFileInformationByHandle(FileRenameInfoEx)` with
//!   `REPLACE_IF_EXISTS | POSIX_SEMANTICS` (Windows 10 1709+ on NTFS: works while Python
//!   holds the bundle open), else `MoveFileExW(REPLACE_EXISTING | WRITE_THROUGH)`.
//! - **Locks**: never on the bundle (Windows locks are mandatory: Python could not read
//!   it); a lock file per bundle in `%LOCALAPPDATA%\certpatch\locks`.
//! - **Private folders**: created with a protected DACL granting only the user, SYSTEM and
//!   Administrators.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::windows::ffi::{OsStrExt, OsStringExt};
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::AsRawHandle;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use windows_sys::Win32::Foundation::{
    CloseHandle, LocalFree, ERROR_ACCESS_DENIED, ERROR_DIRECTORY, ERROR_SHARING_VIOLATION,
    ERROR_STOPPED_ON_SYMLINK, GENERIC_ALL, GENERIC_WRITE, HANDLE,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW,
    ConvertStringSidToSidW, GetSecurityInfo, SetSecurityInfo, SDDL_REVISION_1, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AclSizeInformation, GetAce, GetAclInformation, GetSecurityDescriptorControl,
    GetTokenInformation, LookupAccountSidW, TokenElevation, TokenUser, ACCESS_ALLOWED_ACE,
    ACE_HEADER, ACL, ACL_SIZE_INFORMATION, DACL_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SECURITY_ATTRIBUTES,
    SE_DACL_PROTECTED, SID_NAME_USE, TOKEN_ELEVATION, TOKEN_QUERY, TOKEN_USER,
    UNPROTECTED_DACL_SECURITY_INFORMATION,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateDirectoryW, FileRenameInfoEx, GetFileInformationByHandle, GetFileType, MoveFileExW,
    SetFileInformationByHandle, BY_HANDLE_FILE_INFORMATION, DELETE, FILE_APPEND_DATA,
    FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_READONLY, FILE_ATTRIBUTE_REPARSE_POINT,
    FILE_DELETE_CHILD, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT,
    FILE_GENERIC_WRITE, FILE_READ_ATTRIBUTES, FILE_RENAME_INFO, FILE_SHARE_DELETE, FILE_SHARE_READ,
    FILE_SHARE_WRITE, FILE_TYPE_CHAR, FILE_TYPE_DISK, FILE_TYPE_PIPE, FILE_WRITE_DATA,
    MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH, READ_CONTROL, SYNCHRONIZE, WRITE_DAC,
    WRITE_OWNER,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use super::{done, Kind, Link, Meta, ProcessTree, Walked};

mod account;
pub use account::*;
mod listing;
pub use listing::*;

/// How a link is named in errors.
pub const LINK_WORDS: &str = "a symbolic link or junction (a reparse point)";

/// How often a rename refused because the old file is open is tried (20 ms apart: about
/// two seconds in all).
const RENAME_TRIES: u32 = 100;

/// The most links one resolution follows.
const MAX_LINKS: usize = 40;

/// Well-known SIDs that count as "root": Administrators, SYSTEM, TrustedInstaller.
const ROOT_SIDS: [&str; 3] = [
    "S-1-5-32-544",
    "S-1-5-18",
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
];

fn link_error() -> io::Error {
    io::Error::from_raw_os_error(ERROR_STOPPED_ON_SYMLINK as i32)
}

fn wide(p: &Path) -> Vec<u16> {
    p.as_os_str().encode_wide().chain(Some(0)).collect()
}

fn handle(f: &File) -> HANDLE {
    f.as_raw_handle() as HANDLE
}

/// A SID as its string form (`S-1-5-…`).
fn sid_string(sid: PSID) -> Option<String> {
    let mut out: *mut u16 = std::ptr::null_mut();
    // SAFETY: `sid` is a valid SID from the system; `out` receives a LocalAlloc'd string
    // that is freed below.
    unsafe {
        if ConvertSidToStringSidW(sid, &mut out) == 0 || out.is_null() {
            return None;
        }
        let mut len = 0;
        while *out.add(len) != 0 {
            len += 1;
        }
        let s = String::from_utf16_lossy(std::slice::from_raw_parts(out, len));
        LocalFree(out as _);
        Some(s)
    }
}

/// The number a SID stands for in [`Meta::owner`]: 0 for the administrators and the
/// system, the running user's own [`euid`] for its SID (0 when elevated: an elevated
/// administrator's files are root's), else a stable value derived from the SID (never 0).
fn sid_number(sid: &str) -> u32 {
    if ROOT_SIDS.contains(&sid) {
        return 0;
    }
    if let (Some(me), true) = token() {
        if me == sid {
            return 0;
        }
    }
    let n = sid_hash(sid);
    if let Ok(mut seen) = sids_seen().lock() {
        seen.entry(n).or_insert_with(|| sid.to_string());
    }
    n
}

fn sid_hash(sid: &str) -> u32 {
    let digest = Sha256::digest(sid.as_bytes());
    let n = u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
    0x1_0000 + n % 0x7fff_0000
}

/// The running user's SID and whether its token is elevated.
fn token() -> &'static (Option<String>, bool) {
    static TOKEN: OnceLock<(Option<String>, bool)> = OnceLock::new();
    TOKEN.get_or_init(|| {
        // SAFETY: the token handle is opened for query and closed here; the buffers are
        // sized by the first GetTokenInformation call.
        unsafe {
            let mut tok: HANDLE = std::ptr::null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut tok) == 0 {
                return (None, false);
            }
            let mut elevation = TOKEN_ELEVATION { TokenIsElevated: 0 };
            let mut len = 0u32;
            let elevated = GetTokenInformation(
                tok,
                TokenElevation,
                &mut elevation as *mut _ as *mut _,
                std::mem::size_of::<TOKEN_ELEVATION>() as u32,
                &mut len,
            ) != 0
                && elevation.TokenIsElevated != 0;
            let mut needed = 0u32;
            GetTokenInformation(tok, TokenUser, std::ptr::null_mut(), 0, &mut needed);
            let mut buf = vec![0u64; (needed as usize).div_ceil(8).max(1)];
            let user = if GetTokenInformation(
                tok,
                TokenUser,
                buf.as_mut_ptr() as *mut _,
                (buf.len() * 8) as u32,
                &mut needed,
            ) != 0
            {
                let tu = &*(buf.as_ptr() as *const TOKEN_USER);
                sid_string(tu.User.Sid)
            } else {
                None
            };
            CloseHandle(tok);
            (user, elevated)
        }
    })
}

/// Who certpatch runs as: 0 for an elevated administrator ("root"), else the number of the
/// user's SID.
pub fn euid() -> u32 {
    match token() {
        (_, true) => 0,
        (Some(sid), false) => sid_hash(sid),
        (None, false) => u32::MAX,
    }
}

/// An open handle's security descriptor as `GetSecurityInfo` gives it: the owner and DACL
/// point into it, and it is freed when dropped.
struct Descriptor {
    sd: PSECURITY_DESCRIPTOR,
    owner: PSID,
    dacl: *mut ACL,
}

impl Descriptor {
    /// The parts `what` names (`OWNER_SECURITY_INFORMATION`, `DACL_SECURITY_INFORMATION`)
    /// of the descriptor of `h`, open with READ_CONTROL.
    fn of(h: HANDLE, what: u32) -> io::Result<Descriptor> {
        let mut d = Descriptor {
            sd: std::ptr::null_mut(),
            owner: std::ptr::null_mut(),
            dacl: std::ptr::null_mut(),
        };
        let want_owner = what & OWNER_SECURITY_INFORMATION != 0;
        let want_dacl = what & DACL_SECURITY_INFORMATION != 0;
        // SAFETY: the out-pointers are valid; the descriptor is LocalAlloc'd by the call and
        // freed in `drop`.
        let rc = unsafe {
            GetSecurityInfo(
                h,
                SE_FILE_OBJECT,
                what,
                if want_owner {
                    &mut d.owner
                } else {
                    std::ptr::null_mut()
                },
                std::ptr::null_mut(),
                if want_dacl {
                    &mut d.dacl
                } else {
                    std::ptr::null_mut()
                },
                std::ptr::null_mut(),
                &mut d.sd,
            )
        };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        Ok(d)
    }

    /// The owner's SID as a string, when the descriptor names one.
    fn owner_sid(&self) -> Option<String> {
        if self.owner.is_null() {
            return None;
        }
        sid_string(self.owner)
    }
}

impl Drop for Descriptor {
    fn drop(&mut self) {
        if !self.sd.is_null() {
            // SAFETY: allocated by GetSecurityInfo with LocalAlloc; freed once.
            unsafe { LocalFree(self.sd as _) };
        }
    }
}

/// The owner of an open handle, as a number ([`sid_number`]); unknown owners are never 0.
fn owner_of(h: HANDLE) -> u32 {
    Descriptor::of(h, OWNER_SECURITY_INFORMATION)
        .ok()
        .and_then(|d| d.owner_sid())
        .map_or(u32::MAX, |s| sid_number(&s))
}

/// Who may change an entry, by Windows' own rules: its owner and the accounts its access
/// list lets change it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The owner as a number ([`Meta::owner`]): 0 for the administrators, SYSTEM,
    /// TrustedInstaller and an elevated user's own SID.
    pub owner: u32,
    /// Accounts other than those and the owner that may write, delete or re-permit it
    /// (a folder: remove or rename what it holds).
    pub replace: Vec<String>,
    /// Accounts other than those and the owner that may add entries to a folder (as
    /// `C:\` lets every authenticated user make a folder): like a sticky `/tmp`, harmless
    /// on the way to something, not where Python imports from.
    pub add: Vec<String>,
    pub is_dir: bool,
    /// A reparse point (symbolic link, junction).
    pub is_link: bool,
}

/// `ACCESS_ALLOWED_ACE_TYPE` and `ACCESS_ALLOWED_CALLBACK_ACE_TYPE` (same layout).
const ALLOW_ACE_TYPES: [u8; 2] = [0, 9];
/// `INHERIT_ONLY_ACE`: the entry applies to what the folder will hold, not to itself.
const INHERIT_ONLY_ACE: u8 = 0x08;

/// The rights that change a file, or replace or remove what a folder holds.
fn replace_rights(is_dir: bool) -> u32 {
    let both = DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL;
    if is_dir {
        both | FILE_DELETE_CHILD
    } else {
        both | FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE
    }
}

/// The rights that add an entry to a folder (`FILE_ADD_FILE`, `FILE_ADD_SUBDIRECTORY`).
const ADD_RIGHTS: u32 = FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE;

/// Who may change `path` (a reparse point itself, not followed). Deny entries are not
/// subtracted: an allowed right is counted even where a deny entry might take it back
/// (the cautious reading).
pub fn access(path: &Path) -> io::Result<Access> {
    let file = open_for_meta(path, false)?;
    let meta = file_meta(&file)?;
    let is_dir = meta.kind == Kind::Dir;
    let d = Descriptor::of(
        handle(&file),
        OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
    )?;
    let owner = d.owner_sid().as_deref().map_or(u32::MAX, sid_number);
    // SAFETY: the DACL is null or points into `d`, alive until the end of this function.
    let (replace, add) = unsafe { writers_in(d.dacl, owner, is_dir) };
    Ok(Access {
        owner,
        replace,
        add,
        is_dir,
        is_link: meta.kind == Kind::Link,
    })
}

/// The accounts, other than `owner`, the administrators and the user certpatch runs as,
/// that `dacl` lets change an entry: (replace, add) as in [`Access`]. A null list lets
/// everyone do everything.
///
/// # Safety
/// `dacl` is null or points to a valid access control list.
unsafe fn writers_in(dacl: *const ACL, owner: u32, is_dir: bool) -> (Vec<String>, Vec<String>) {
    let mut replace = Vec::new();
    let mut add = Vec::new();
    if dacl.is_null() {
        replace.push("Everyone (the entry has no access control list)".to_string());
        return (replace, add);
    }
    let mut info: ACL_SIZE_INFORMATION = std::mem::zeroed();
    if GetAclInformation(
        dacl,
        &mut info as *mut _ as *mut _,
        std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
        AclSizeInformation,
    ) == 0
    {
        replace.push("unknown accounts (the access control list cannot be read)".to_string());
        return (replace, add);
    }
    for i in 0..info.AceCount {
        let mut ace: *mut std::ffi::c_void = std::ptr::null_mut();
        if GetAce(dacl, i, &mut ace) == 0 {
            continue;
        }
        let header = &*(ace as *const ACE_HEADER);
        if !ALLOW_ACE_TYPES.contains(&header.AceType) || header.AceFlags & INHERIT_ONLY_ACE != 0 {
            continue;
        }
        let allowed = &*(ace as *const ACCESS_ALLOWED_ACE);
        let sid = &allowed.SidStart as *const u32 as PSID;
        let Some(sid) = sid_string(sid) else { continue };
        let n = sid_number(&sid);
        if n == 0 || n == owner || n == euid() || sid == OWNER_RIGHTS_SID {
            continue;
        }
        let who = if allowed.Mask & replace_rights(is_dir) != 0 {
            &mut replace
        } else if is_dir && allowed.Mask & ADD_RIGHTS != 0 {
            &mut add
        } else {
            continue;
        };
        let name = sid_text(&sid);
        if !who.contains(&name) {
            who.push(name);
        }
    }
    (replace, add)
}

/// `OWNER RIGHTS`: an entry for whoever owns the object.
const OWNER_RIGHTS_SID: &str = "S-1-3-4";

/// The SIDs seen, by their number, to name an owner in messages.
fn sids_seen() -> &'static std::sync::Mutex<std::collections::HashMap<u32, String>> {
    static SEEN: OnceLock<std::sync::Mutex<std::collections::HashMap<u32, String>>> =
        OnceLock::new();
    SEEN.get_or_init(Default::default)
}

/// `DOMAIN\name (S-1-…)`, or the SID alone when the system has no name for it.
fn sid_text(sid: &str) -> String {
    match account_name(sid) {
        Some(name) => format!("{name} ({sid})"),
        None => sid.to_string(),
    }
}

/// The account name of a SID (`LookupAccountSidW`).
fn account_name(sid: &str) -> Option<String> {
    let wide_sid: Vec<u16> = sid.encode_utf16().chain(Some(0)).collect();
    let mut psid: PSID = std::ptr::null_mut();
    // SAFETY: the SID is converted into a LocalAlloc'd buffer freed below; the name
    // buffers are sized by the call and read only up to the lengths it returns.
    unsafe {
        if ConvertStringSidToSidW(wide_sid.as_ptr(), &mut psid) == 0 {
            return None;
        }
        let mut name = [0u16; 256];
        let mut domain = [0u16; 256];
        let (mut name_len, mut domain_len) = (256u32, 256u32);
        let mut kind: SID_NAME_USE = 0;
        let ok = LookupAccountSidW(
            std::ptr::null(),
            psid,
            name.as_mut_ptr(),
            &mut name_len,
            domain.as_mut_ptr(),
            &mut domain_len,
            &mut kind,
        );
        LocalFree(psid as _);
        if ok == 0 {
            return None;
        }
        let name = String::from_utf16_lossy(&name[..name_len as usize]);
        let domain = String::from_utf16_lossy(&domain[..domain_len as usize]);
        Some(if domain.is_empty() {
            name
        } else {
            format!("{domain}\\{name}")
        })
    }
}

/// How an owner number reads in a message: the account and SID it was made from.
pub fn owner_text(n: u32) -> String {
    if n == 0 {
        return "an administrator (Administrators, SYSTEM or TrustedInstaller)".to_string();
    }
    let seen = sids_seen()
        .lock()
        .map(|s| s.get(&n).cloned())
        .ok()
        .flatten();
    match seen {
        Some(sid) => sid_text(&sid),
        None => format!("an account with no name (number {n})"),
    }
}

/// The opened file's facts.
pub fn file_meta(file: &File) -> io::Result<Meta> {
    let h = handle(file);
    // SAFETY: `info` is a plain struct filled by the call on an open handle.
    let (info, ftype) = unsafe {
        let mut info: BY_HANDLE_FILE_INFORMATION = std::mem::zeroed();
        if GetFileInformationByHandle(h, &mut info) == 0 {
            return Err(io::Error::last_os_error());
        }
        (info, GetFileType(h))
    };
    let attrs = info.dwFileAttributes;
    let kind = if attrs & FILE_ATTRIBUTE_REPARSE_POINT != 0 {
        Kind::Link
    } else if attrs & FILE_ATTRIBUTE_DIRECTORY != 0 {
        Kind::Dir
    } else {
        match ftype {
            FILE_TYPE_DISK => Kind::File,
            FILE_TYPE_PIPE => Kind::Fifo,
            FILE_TYPE_CHAR => Kind::Device,
            _ => Kind::Other,
        }
    };
    let mode = if kind == Kind::Dir {
        0o755
    } else if attrs & FILE_ATTRIBUTE_READONLY != 0 {
        0o444
    } else {
        0o644
    };
    let owner = owner_of(h);
    Ok(Meta {
        kind,
        len: (u64::from(info.nFileSizeHigh) << 32) | u64::from(info.nFileSizeLow),
        owner,
        group: owner,
        mode,
        id: (
            u64::from(info.dwVolumeSerialNumber),
            (u64::from(info.nFileIndexHigh) << 32) | u64::from(info.nFileIndexLow),
        ),
    })
}

/// Opens a name for its facts only (attributes, owner), a folder too.
fn open_for_meta(path: &Path, follow: bool) -> io::Result<File> {
    let mut flags = FILE_FLAG_BACKUP_SEMANTICS;
    if !follow {
        flags |= FILE_FLAG_OPEN_REPARSE_POINT;
    }
    std::fs::OpenOptions::new()
        .access_mode(READ_CONTROL | FILE_READ_ATTRIBUTES | SYNCHRONIZE)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .custom_flags(flags)
        .open(path)
}

/// A path's facts: following a final link when `follow`, else of the link itself.
pub fn path_meta(path: &Path, follow: bool) -> io::Result<Meta> {
    file_meta(&open_for_meta(path, follow)?)
}

/// The stand-in permission bits of metadata the standard library read.
pub fn mode_of(m: &std::fs::Metadata) -> u32 {
    if m.is_dir() {
        0o755
    } else if m.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

/// Opens a file to read, sharing everything (Python may read, others may replace it),
/// never through a reparse point.
fn open_read_unchecked(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
}

/// Opens `path` for reading, refusing a reparse point at it (`ERROR_STOPPED_ON_SYMLINK`);
/// the caller checks the opened file ([`file_meta`]).
pub fn open_read(path: &Path) -> io::Result<File> {
    let file = open_read_unchecked(path)?;
    if file.metadata()?.file_attributes() & FILE_ATTRIBUTE_REPARSE_POINT != 0 {
        return Err(link_error());
    }
    Ok(file)
}

/// Opens `path` for reading through any links on the way (discovery reads what a name
/// leads to), sharing everything; Windows has no FIFO in the file system (pipes live under
/// `\\.\pipe\`). The caller checks the opened file is a regular one.
pub fn open_read_through_links(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .open(path)
}

/// The user's home folder: `%USERPROFILE%` (`HOME` is rarely set on Windows).
pub fn home_dir() -> Option<std::ffi::OsString> {
    std::env::var_os("USERPROFILE").or_else(|| std::env::var_os("HOME"))
}

/// The roots of the Windows store (the user's view of `ROOT`, which includes the
/// machine's), as Python's `ssl.enum_certificates("ROOT")` reads them, as DER.
pub fn store_roots_der() -> Vec<Vec<u8>> {
    let Ok(store) = schannel::cert_store::CertStore::open_current_user("ROOT") else {
        return Vec::new();
    };
    store.certs().map(|c| c.to_der().to_vec()).collect()
}

use std::os::windows::fs::MetadataExt;

/// Whether an open was refused because the final name is a reparse point.
pub fn is_final_link_error(e: &io::Error) -> bool {
    e.raw_os_error() == Some(ERROR_STOPPED_ON_SYMLINK as i32)
}

/// Whether an error means "a reparse point (or not a folder) where a folder was expected".
pub fn is_link_error(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(c) if c == ERROR_STOPPED_ON_SYMLINK as i32 || c == ERROR_DIRECTORY as i32)
}

/// Keeps what Windows has of a mode: the read-only attribute when no write bit is set.
pub fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    if mode & 0o200 == 0 {
        let mut perms = file.metadata()?.permissions();
        perms.set_readonly(true);
        file.set_permissions(perms)?;
    }
    Ok(())
}

/// Windows: certpatch does not give a file another owner (that takes SeRestorePrivilege
/// and would hide who wrote it); a replace that would change the owner is refused.
pub fn set_owner(_file: &File, owner: Option<u32>, group: Option<u32>) -> io::Result<()> {
    if owner.is_none() && group.is_none() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        "on Windows certpatch does not change a file's owner",
    ))
}

/// Creates `dir` and its missing parents, each with a protected DACL: full control for
/// the user, SYSTEM and the Administrators, nothing inherited, nobody else.
pub fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|p| !p.exists()).collect();
    let sddl = match &token().0 {
        Some(sid) => format!("D:P(A;OICI;FA;;;{sid})(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"),
        None => "D:P(A;OICI;FA;;;OW)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)".to_string(),
    };
    let sddl: Vec<u16> = OsStr::new(&sddl).encode_wide().chain(Some(0)).collect();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: the SDDL string is NUL-terminated; the descriptor is freed below.
    if unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl.as_ptr(),
            SDDL_REVISION_1,
            &mut sd,
            std::ptr::null_mut(),
        )
    } == 0
    {
        return Err(io::Error::last_os_error());
    }
    let sa = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: sd,
        bInheritHandle: 0,
    };
    let mut result = Ok(());
    for p in missing.into_iter().rev() {
        // SAFETY: a NUL-terminated path and a valid SECURITY_ATTRIBUTES.
        if unsafe { CreateDirectoryW(wide(p).as_ptr(), &sa) } == 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::AlreadyExists {
                result = Err(e);
                break;
            }
        }
    }
    // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW.
    unsafe { LocalFree(sd as _) };
    result
}

/// Opens (creating) a lock file in certpatch's own state.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// The exclusive lock on a bundle, held while alive: a lock file of its own, never the
/// bundle (a Windows lock is mandatory: Python could no longer read a locked bundle).
pub struct Guard(#[allow(dead_code)] File);

impl Guard {
    /// The guard does not hold the bundle open (a rename over an open file is refused by
    /// older Windows and Wine), so the caller keeps what it read when it locked.
    pub fn bundle_meta(&self) -> Option<io::Result<Meta>> {
        None
    }
}

/// The lock file of the bundle `folder\name`: `%LOCALAPPDATA%\certpatch\locks\<hash of the
/// path, case folded>.lock` (the user's own, private folder).
fn lock_path(folder: &Folder, name: &OsStr) -> io::Result<PathBuf> {
    let base = directories::BaseDirs::new()
        .map(|b| b.data_local_dir().to_path_buf())
        .ok_or_else(|| io::Error::other("no %LOCALAPPDATA% folder for certpatch's lock files"))?;
    let dir = base.join("certpatch").join("locks");
    create_private_dirs(&dir)?;
    let key = folder.path.join(name).to_string_lossy().to_lowercase();
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Ok(dir.join(format!("{hex}.lock")))
}

/// Takes the exclusive lock for the bundle `name` in `folder` (its lock file), calling
/// `on_wait` before waiting for another holder. Returns the guard and the bundle to read.
pub fn lock_bundle(
    folder: &Folder,
    name: &OsStr,
    file: File,
    on_wait: impl FnOnce(),
) -> io::Result<(Guard, File)> {
    let lock = open_lock_file(&lock_path(folder, name)?)?;
    if lock.try_lock().is_err() {
        // The bundle is not held open while waiting: the holder's rename must not meet
        // this handle (Windows before 10 1709 and Wine refuse to rename over an open file).
        drop(file);
        on_wait();
        lock.lock()?;
        let file = folder.open_read(name)?;
        return Ok((Guard(lock), file));
    }
    Ok((Guard(lock), file))
}

/// An open folder, held with every folder above it (none can be renamed or replaced while
/// held), and the link-free path it was reached by.
#[derive(Debug)]
pub struct Folder {
    held: Vec<File>,
    path: PathBuf,
}

fn single_name(name: &OsStr) -> io::Result<&OsStr> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name
            .encode_wide()
            .any(|c| c == u16::from(b'/') || c == u16::from(b'\\') || c == u16::from(b':'));
    if bad {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a single file name",
        ));
    }
    Ok(name)
}

/// Opens one folder to hold: no reparse point, no delete sharing (so it cannot be renamed
/// or removed while held).
fn hold_dir(path: &Path) -> io::Result<File> {
    let dir = std::fs::OpenOptions::new()
        .access_mode(READ_CONTROL | FILE_READ_ATTRIBUTES | SYNCHRONIZE)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)?;
    let attrs = dir.metadata()?.file_attributes();
    if attrs & FILE_ATTRIBUTE_REPARSE_POINT != 0 {
        return Err(link_error());
    }
    if attrs & FILE_ATTRIBUTE_DIRECTORY == 0 {
        return Err(io::Error::from_raw_os_error(ERROR_DIRECTORY as i32));
    }
    Ok(dir)
}

impl Folder {
    /// The link-free path the folder was reached by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn last(&self) -> &File {
        self.held
            .last()
            .expect("a held folder holds at least its root")
    }

    /// The held folder's own status (owner, identity).
    pub fn stat(&self) -> io::Result<Meta> {
        file_meta(self.last())
    }

    /// Opens the file `name` in this folder for reading, refusing a reparse point.
    pub fn open_read(&self, name: &OsStr) -> io::Result<File> {
        open_read(&self.path.join(single_name(name)?))
    }

    /// Creates `name` in this folder, exclusively (never through an existing name or link).
    pub fn create_new(&self, name: &OsStr, _mode: u32) -> io::Result<File> {
        std::fs::OpenOptions::new()
            .write(true)
            // WRITE_DAC: [`Folder::keep_access`] gives it the bundle's access list.
            .access_mode(FILE_GENERIC_WRITE | READ_CONTROL | WRITE_DAC)
            .create_new(true)
            .share_mode(FILE_SHARE_READ | FILE_SHARE_DELETE)
            .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
            .open(self.path.join(single_name(name)?))
    }

    /// Whether accounts other than the administrators and `file_owner` can replace what
    /// this folder holds (its access list lets them delete or change entries, or another
    /// account owns it): who, in words, for the warning certpatch gives elevated.
    pub fn others_may_replace(&self, file_owner: u32) -> io::Result<Option<String>> {
        let a = access(&self.path)?;
        if !a.replace.is_empty() {
            return Ok(Some(format!(
                "its access list lets {} change what it holds",
                a.replace.join(", ")
            )));
        }
        if a.owner != 0 && a.owner != file_owner {
            return Ok(Some(format!("it is owned by {}", owner_text(a.owner))));
        }
        Ok(None)
    }

    /// Gives `on` (a new file certpatch wrote, to be renamed over `name`) the access list
    /// of `name`: its explicit entries and whether it inherits from the folder, as
    /// `ReplaceFileW` would. A rename keeps the new file's own list, so without this a
    /// bundle an administrator had locked down would come back with the folder's.
    pub fn keep_access(&self, name: &OsStr, on: &File) -> io::Result<()> {
        let old = open_for_meta(&self.path.join(single_name(name)?), false)?;
        let d = Descriptor::of(handle(&old), DACL_SECURITY_INFORMATION)?;
        let mut control: u16 = 0;
        let mut revision = 0u32;
        // SAFETY: `d` holds a valid descriptor; `on` is open with WRITE_DAC; the DACL
        // points into `d`, alive across the call.
        let rc = unsafe {
            GetSecurityDescriptorControl(d.sd, &mut control, &mut revision);
            let inherit = if control & SE_DACL_PROTECTED != 0 {
                PROTECTED_DACL_SECURITY_INFORMATION
            } else {
                UNPROTECTED_DACL_SECURITY_INFORMATION
            };
            SetSecurityInfo(
                handle(on),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | inherit,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                d.dacl,
                std::ptr::null(),
            )
        };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        Ok(())
    }

    /// The status of `name` in this folder, of a reparse point itself when it is one.
    pub fn stat_of(&self, name: &OsStr) -> io::Result<Meta> {
        path_meta(&self.path.join(single_name(name)?), false)
    }

    /// Renames `from` over `to`, both in this folder, atomically: POSIX semantics first
    /// (`FileRenameInfoEx`, replacing even a file others hold open), else `MoveFileExW`.
    /// A link at `to` is replaced, never followed.
    pub fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
        let src = self.path.join(single_name(from)?);
        let dst = self.path.join(single_name(to)?);
        if rename_posix(&src, &dst).is_ok() {
            return Ok(());
        }
        // `MoveFileExW` fails while another process holds the old file open without
        // delete sharing (a reader, a virus scanner): retried, a bounded number of times,
        // as git for Windows does.
        let (from, to) = (wide(&src), wide(&dst));
        let mut tries = 0;
        loop {
            // SAFETY: both paths are NUL-terminated wide strings.
            let ok = unsafe {
                MoveFileExW(
                    from.as_ptr(),
                    to.as_ptr(),
                    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH,
                )
            };
            if ok != 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            let busy = matches!(e.raw_os_error(), Some(c) if c == ERROR_ACCESS_DENIED as i32 || c == ERROR_SHARING_VIOLATION as i32);
            tries += 1;
            if !busy || tries >= RENAME_TRIES {
                return Err(e);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Removes `name` from this folder (a link itself, never what it points to).
    pub fn unlink(&self, name: &OsStr) -> io::Result<()> {
        std::fs::remove_file(self.path.join(single_name(name)?))
    }

    /// The names in this folder.
    pub fn names(&self) -> io::Result<Vec<OsString>> {
        std::fs::read_dir(&self.path)?
            .map(|e| e.map(|e| e.file_name()))
            .collect()
    }

    /// Windows: `MoveFileExW(WRITE_THROUGH)` flushes the rename; nothing more to do.
    pub fn sync(&self) {}
}

/// `SetFileInformationByHandle(FileRenameInfoEx, REPLACE_IF_EXISTS | POSIX_SEMANTICS)`.
fn rename_posix(src: &Path, dst: &Path) -> io::Result<()> {
    const REPLACE_IF_EXISTS: u32 = 0x1;
    const POSIX_SEMANTICS: u32 = 0x2;
    let file = std::fs::OpenOptions::new()
        .access_mode(DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(src)?;
    let name: Vec<u16> = dst.as_os_str().encode_wide().collect();
    let header = std::mem::offset_of!(FILE_RENAME_INFO, FileName);
    let size = header + (name.len() + 1) * 2;
    let mut buf = vec![0u64; size.div_ceil(8)];
    // SAFETY: `buf` is large enough and 8-aligned for FILE_RENAME_INFO followed by the
    // name; the struct's fields are written through a raw pointer into it.
    unsafe {
        let info = buf.as_mut_ptr() as *mut FILE_RENAME_INFO;
        (*info).Anonymous.Flags = REPLACE_IF_EXISTS | POSIX_SEMANTICS;
        (*info).RootDirectory = std::ptr::null_mut();
        (*info).FileNameLength = (name.len() * 2) as u32;
        let dst_ptr = (buf.as_mut_ptr() as *mut u8).add(header) as *mut u16;
        std::ptr::copy_nonoverlapping(name.as_ptr(), dst_ptr, name.len());
        if SetFileInformationByHandle(
            handle(&file),
            FileRenameInfoEx,
            buf.as_ptr() as *const _,
            size as u32,
        ) == 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The root of an absolute path (`C:\`, `\\server\share\`) and its other components.
fn split_root(path: &Path) -> io::Result<(PathBuf, Vec<OsString>)> {
    let mut root = PathBuf::new();
    let mut rest = Vec::new();
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir if rest.is_empty() => root.push(c),
            Component::Normal(n) => rest.push(n.to_os_string()),
            Component::CurDir => {}
            _ => rest.push(c.as_os_str().to_os_string()),
        }
    }
    if !root.has_root() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{path:?} is not an absolute path"),
        ));
    }
    Ok((root, rest))
}

/// Opens the absolute, already resolved path `dir` as a held folder, following no link on
/// the way ([`is_link_error`] for a reparse point met).
pub fn open_folder(dir: &Path) -> io::Result<Folder> {
    let dir = dunce::simplified(dir);
    let (root, rest) = split_root(dir)?;
    let mut folder = Folder {
        held: vec![hold_dir(&root)?],
        path: root,
    };
    for part in rest {
        if Path::new(&part)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{}` is not a resolved path", dir.display()),
            ));
        }
        let path = folder.path.join(&part);
        folder.held.push(hold_dir(&path)?);
        folder.path = path;
    }
    Ok(folder)
}

/// Opens the relative path `rel` (plain names only) below the held folder `base`, following
/// no link and never leaving `base`.
pub fn open_folder_beneath(base: &Folder, rel: &Path) -> io::Result<Folder> {
    let mut folder = Folder {
        held: base
            .held
            .iter()
            .map(File::try_clone)
            .collect::<io::Result<_>>()?,
        path: base.path.clone(),
    };
    for c in rel.components() {
        let Component::Normal(name) = c else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{}` is not a plain relative path", rel.display()),
            ));
        };
        let path = folder.path.join(name);
        folder.held.push(hold_dir(&path)?);
        folder.path = path;
    }
    Ok(folder)
}

/// The final path of a reparse point, followed by the system (`GetFinalPathNameByHandleW`),
/// without the `\\?\` prefix where the plain form means the same.
fn final_path(path: &Path) -> io::Result<PathBuf> {
    let f = open_for_meta(path, true)?;
    let mut buf = vec![0u16; 1024];
    loop {
        // SAFETY: the buffer's length is passed; the call writes at most that many units.
        let n =
            unsafe { GetFinalPathNameByHandleW(handle(&f), buf.as_mut_ptr(), buf.len() as u32, 0) }
                as usize;
        if n == 0 {
            return Err(io::Error::last_os_error());
        }
        if n < buf.len() {
            buf.truncate(n);
            return Ok(dunce::simplified(&PathBuf::from(OsString::from_wide(&buf))).to_path_buf());
        }
        buf.resize(n + 1, 0);
    }
}

use windows_sys::Win32::Storage::FileSystem::GetFinalPathNameByHandleW;

/// Resolves `path` (absolute, or from the current folder) down to its parent folder, held,
/// one component at a time: each reparse point met (a folder on the way; the final name
/// too when `follow_final`) is reported in [`Walked::links`] with its owner, for the caller
/// to judge, and the walk goes on from the path the system resolves it to. `..` goes back
/// to the folder it came from. Nothing is opened but folders.
pub fn walk_parent(path: &Path, follow_final: bool) -> io::Result<Walked> {
    let mut path = dunce::simplified(&std::path::absolute(path)?).to_path_buf();
    let mut links: Vec<Link> = Vec::new();
    'restart: loop {
        let (root, rest) = split_root(&path)?;
        let mut stack = vec![Folder {
            held: vec![hold_dir(&root)?],
            path: root,
        }];
        let count = rest.len();
        for (i, part) in rest.iter().enumerate() {
            let last = i + 1 == count;
            if part == ".." {
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
            let top = stack.last().expect("the root stays on the stack");
            let part = &true_name(&top.path, part);
            if last && !follow_final {
                return done(stack, part, links);
            }
            let at = top.path.join(part);
            match hold_dir(&at) {
                Ok(_) if last => return done(stack, part, links),
                Ok(h) => {
                    let mut held: Vec<File> = top
                        .held
                        .iter()
                        .map(File::try_clone)
                        .collect::<io::Result<_>>()?;
                    held.push(h);
                    stack.push(Folder { held, path: at });
                }
                Err(e) if is_final_link_error(&e) => {
                    let meta = path_meta(&at, false)?;
                    links.push(Link {
                        path: at.clone(),
                        owner: meta.owner,
                    });
                    if links.len() > MAX_LINKS {
                        return Err(io::Error::other("too many links on the way"));
                    }
                    let mut next = final_path(&at)?;
                    for p in &rest[i + 1..] {
                        next.push(p);
                    }
                    path = next;
                    continue 'restart;
                }
                Err(_) if last => return done(stack, part, links),
                Err(e) => return Err(e),
            }
        }
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` does not name a file", path.display()),
        ));
    }
}

/// The name `name` has in the folder `dir`, as the folder spells it (`Lib` for `lib`: NTFS
/// keeps case but ignores it), so that one file always has one path in output, backups and
/// the ledger. The name as given when it cannot be read (or holds a wildcard).
fn true_name(dir: &Path, name: &OsStr) -> OsString {
    use windows_sys::Win32::Storage::FileSystem::{FindClose, FindFirstFileW, WIN32_FIND_DATAW};
    if name
        .encode_wide()
        .any(|c| c == u16::from(b'*') || c == u16::from(b'?'))
    {
        return name.to_os_string();
    }
    // SAFETY: a NUL-terminated path; `data` is a plain struct the call fills; the search
    // handle is closed.
    unsafe {
        let mut data: WIN32_FIND_DATAW = std::mem::zeroed();
        let h = FindFirstFileW(wide(&dir.join(name)).as_ptr(), &mut data);
        if h == windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE {
            return name.to_os_string();
        }
        FindClose(h);
        let len = data
            .cFileName
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(data.cFileName.len());
        let found = OsString::from_wide(&data.cFileName[..len]);
        if found.to_string_lossy().to_lowercase() == name.to_string_lossy().to_lowercase() {
            found
        } else {
            // A short (8.3) name typed: keep what the user wrote.
            name.to_os_string()
        }
    }
}

/// Starts `cmd` suspended, puts it in a new Job Object that kills every process in it when
/// closed, and only then lets it run: nothing it starts can leave the job before it is in
/// it, so [`ProcessTree::stop`] (and dropping the tree) stops them all. Windows has no
/// process groups; this is its way (what `command-group` and uv do).
pub fn spawn_tree(cmd: &mut std::process::Command) -> io::Result<ProcessTree> {
    use std::os::windows::io::{FromRawHandle, OwnedHandle};
    use std::os::windows::process::CommandExt;
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
        SetInformationJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    };
    use windows_sys::Win32::System::Threading::CREATE_SUSPENDED;
    // SAFETY: the job handle is owned at once; the limit struct is plain data the call reads.
    let job = unsafe {
        let raw = CreateJobObjectW(std::ptr::null(), std::ptr::null());
        if raw.is_null() {
            return Err(io::Error::last_os_error());
        }
        let job = OwnedHandle::from_raw_handle(raw as _);
        let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if SetInformationJobObject(
            raw,
            JobObjectExtendedLimitInformation,
            &limits as *const _ as *const _,
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        ) == 0
        {
            return Err(io::Error::last_os_error());
        }
        job
    };
    cmd.creation_flags(CREATE_SUSPENDED);
    let mut child = cmd.spawn()?;
    let started = (|| {
        // SAFETY: both handles are open; the child is suspended until resumed below.
        if unsafe { AssignProcessToJobObject(job.as_raw_handle() as _, child.as_raw_handle() as _) }
            == 0
        {
            return Err(io::Error::last_os_error());
        }
        resume_threads(child.id())
    })();
    if let Err(e) = started {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(ProcessTree { child, job })
}

/// Resumes every thread of process `pid` (started suspended: its main thread).
fn resume_threads(pid: u32) -> io::Result<()> {
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, Thread32First, Thread32Next, TH32CS_SNAPTHREAD, THREADENTRY32,
    };
    use windows_sys::Win32::System::Threading::{OpenThread, ResumeThread, THREAD_SUSPEND_RESUME};
    // SAFETY: the snapshot and thread handles are closed here; `entry` is a plain struct
    // with its size set, as the calls require.
    unsafe {
        let snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
        if snap.is_null() || snap == windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        let mut entry: THREADENTRY32 = std::mem::zeroed();
        entry.dwSize = std::mem::size_of::<THREADENTRY32>() as u32;
        let mut resumed = 0;
        let mut more = Thread32First(snap, &mut entry) != 0;
        while more {
            if entry.th32OwnerProcessID == pid {
                let t = OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID);
                if !t.is_null() {
                    if ResumeThread(t) != u32::MAX {
                        resumed += 1;
                    }
                    CloseHandle(t);
                }
            }
            more = Thread32Next(snap, &mut entry) != 0;
        }
        CloseHandle(snap);
        if resumed == 0 {
            return Err(io::Error::other("the new process has no thread to resume"));
        }
    }
    Ok(())
}

impl ProcessTree {
    /// Kills every process in the job, then waits for the child.
    pub fn stop(&mut self) {
        use windows_sys::Win32::System::JobObjects::TerminateJobObject;
        // SAFETY: the job handle is open for the tree's lifetime.
        unsafe {
            TerminateJobObject(self.job.as_raw_handle() as _, 1);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Tests: a security descriptor from SDDL, LocalAlloc'd (the caller frees it).
#[cfg(test)]
fn sd_from_sddl(sddl: &str) -> PSECURITY_DESCRIPTOR {
    let text: Vec<u16> = sddl.encode_utf16().chain(Some(0)).collect();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a NUL-terminated string in; the descriptor out is the caller's to free.
    let ok = unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            text.as_ptr(),
            SDDL_REVISION_1,
            &mut sd,
            std::ptr::null_mut(),
        )
    };
    assert_ne!(ok, 0, "{sddl}");
    sd
}

/// Tests: sets parts of `path`'s security descriptor from SDDL (owner `O:…`, DACL `D:…`).
#[cfg(test)]
pub fn set_sddl(path: &Path, sddl: &str) {
    use windows_sys::Win32::Security::SetFileSecurityW;
    let mut what = 0;
    if sddl.contains("O:") {
        what |= OWNER_SECURITY_INFORMATION;
    }
    if sddl.contains("D:") {
        what |= DACL_SECURITY_INFORMATION;
        if sddl.contains("D:P") {
            what |= PROTECTED_DACL_SECURITY_INFORMATION;
        }
    }
    let sd = sd_from_sddl(sddl);
    // SAFETY: test helper; the descriptor is freed after the call.
    unsafe {
        let ok = SetFileSecurityW(wide(path).as_ptr(), what, sd);
        LocalFree(sd as _);
        assert_ne!(
            ok,
            0,
            "SetFileSecurityW {sddl}: {}",
            io::Error::last_os_error()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `path`'s DACL as SDDL.
    fn dacl_sddl(path: &Path) -> String {
        use windows_sys::Win32::Security::Authorization::ConvertSecurityDescriptorToStringSecurityDescriptorW;
        let f = open_for_meta(path, false).unwrap();
        let d = Descriptor::of(handle(&f), DACL_SECURITY_INFORMATION).unwrap();
        // SAFETY: test helper; the string is LocalAlloc'd by the call and freed.
        unsafe {
            let mut out: *mut u16 = std::ptr::null_mut();
            let mut len = 0u32;
            ConvertSecurityDescriptorToStringSecurityDescriptorW(
                d.sd,
                SDDL_REVISION_1,
                DACL_SECURITY_INFORMATION,
                &mut out,
                &mut len,
            );
            let s = String::from_utf16_lossy(std::slice::from_raw_parts(out, len as usize));
            LocalFree(out as _);
            s.trim_end_matches('\0').to_string()
        }
    }

    /// The writers an SDDL access list names, read as [`access`] reads a file's.
    fn writers_of(sddl: &str, is_dir: bool) -> (Vec<String>, Vec<String>) {
        use windows_sys::Win32::Security::GetSecurityDescriptorDacl;
        let sd = sd_from_sddl(sddl);
        // SAFETY: test helper; the DACL points into the descriptor, freed after its last
        // use.
        unsafe {
            let (mut present, mut defaulted) = (0, 0);
            let mut dacl: *mut ACL = std::ptr::null_mut();
            GetSecurityDescriptorDacl(sd, &mut present, &mut dacl, &mut defaulted);
            let out = writers_in(dacl, sid_hash("S-1-5-21-9-9-9-500"), is_dir);
            LocalFree(sd as _);
            out
        }
    }

    #[test]
    fn an_access_list_names_who_else_may_change_an_entry() {
        // Only the system, the administrators and the owner may write; everyone may read.
        let only_admins = "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;S-1-5-21-9-9-9-500)(A;;FR;;;WD)";
        assert_eq!(writers_of(only_admins, false), (vec![], vec![]));
        // Everyone may write.
        let (replace, _) = writers_of("D:P(A;;FA;;;BA)(A;;FW;;;WD)", false);
        assert_eq!(replace.len(), 1);
        assert!(replace[0].contains("S-1-1-0"), "{replace:?}");
        // Another user may delete it (and so put another file in its place).
        let (replace, _) = writers_of("D:P(A;;FA;;;BA)(A;;SD;;;S-1-5-21-1-2-3-1001)", false);
        assert!(replace[0].contains("S-1-5-21-1-2-3-1001"), "{replace:?}");
        // ... or give itself the right to (WRITE_DAC).
        let (replace, _) = writers_of("D:P(A;;WD;;;S-1-5-21-1-2-3-1001)", false);
        assert_eq!(replace.len(), 1, "{replace:?}");
        // An entry that applies only to what a folder will hold does not count.
        assert_eq!(
            writers_of("D:P(A;;FA;;;BA)(A;IO;FA;;;WD)", false).0.len(),
            0
        );
        // A deny entry is not subtracted (the cautious reading).
        let (replace, _) = writers_of("D:P(D;;FA;;;WD)(A;;FA;;;WD)", false);
        assert_eq!(replace.len(), 1);
        // No access list at all: everyone may do everything.
        // SAFETY: a null list is what the function is documented to take.
        let (replace, _) = unsafe { writers_in(std::ptr::null(), 0, false) };
        assert!(replace[0].contains("Everyone"), "{replace:?}");
    }

    #[test]
    fn a_folder_others_may_only_add_to_is_told_apart() {
        // As `C:\` lets authenticated users make folders (FILE_ADD_SUBDIRECTORY).
        let (replace, add) = writers_of("D:P(A;;FA;;;BA)(A;;FA;;;SY)(A;;0x1200ad;;;AU)", true);
        assert!(replace.is_empty(), "{replace:?}");
        assert!(add[0].contains("S-1-5-11"), "{add:?}");
        // FILE_DELETE_CHILD: they may remove what it holds.
        let (replace, _) = writers_of("D:P(A;;FA;;;BA)(A;;0x1200e9;;;AU)", true);
        assert!(replace[0].contains("S-1-5-11"), "{replace:?}");
        // On a file, the same add rights are writes.
        let (replace, _) = writers_of("D:P(A;;FA;;;BA)(A;;0x1200ad;;;AU)", false);
        assert!(replace[0].contains("S-1-5-11"), "{replace:?}");
    }

    #[test]
    fn a_file_everyone_may_write_is_found_so_on_disk() {
        let t = tempfile::tempdir().unwrap();
        let f = dunce::canonicalize(t.path()).unwrap().join("f");
        std::fs::write(&f, "x").unwrap();
        let a = access(&f).unwrap();
        assert!(a.replace.is_empty(), "a new file: {a:?}");
        assert!(!a.is_dir && !a.is_link);
        set_sddl(&f, "D:P(A;;FA;;;BA)(A;;FA;;;WD)");
        let a = access(&f).unwrap();
        assert!(a.replace.iter().any(|w| w.contains("S-1-1-0")), "{a:?}");
    }

    #[test]
    #[cfg_attr(
        not(feature = "test-real-windows"),
        ignore = "Wine 8.0 keeps no owner but the user's: --features test-real-windows on real Windows"
    )]
    fn an_owner_is_named_by_its_sid() {
        let t = tempfile::tempdir().unwrap();
        let f = dunce::canonicalize(t.path()).unwrap().join("f");
        std::fs::write(&f, "x").unwrap();
        set_sddl(&f, "O:BA");
        assert_eq!(access(&f).unwrap().owner, 0);
        set_sddl(&f, "O:S-1-5-21-1-2-3-1001");
        let owner = access(&f).unwrap().owner;
        assert_ne!(owner, 0);
        assert!(
            owner_text(owner).contains("S-1-5-21-1-2-3-1001"),
            "{}",
            owner_text(owner)
        );
    }

    #[test]
    fn a_replaced_file_keeps_its_access_list() {
        let t = tempfile::tempdir().unwrap();
        let base = dunce::canonicalize(t.path()).unwrap();
        std::fs::write(base.join("cacert.pem"), "old").unwrap();
        // A list the new file would not get by itself (Wine 8.0 keeps a list as mode bits:
        // everyone may write is one it can hold).
        set_sddl(&base.join("cacert.pem"), "D:P(A;;FA;;;BA)(A;;FA;;;WD)");
        let before = dacl_sddl(&base.join("cacert.pem"));
        let folder = open_folder(&base).unwrap();
        let tmp = folder.create_new(OsStr::new(".new"), 0o600).unwrap();
        assert_ne!(
            dacl_sddl(&base.join(".new")),
            before,
            "the test needs a different list"
        );
        folder.keep_access(OsStr::new("cacert.pem"), &tmp).unwrap();
        drop(tmp);
        folder
            .rename(OsStr::new(".new"), OsStr::new("cacert.pem"))
            .unwrap();
        assert_eq!(dacl_sddl(&base.join("cacert.pem")), before);
    }

    #[test]
    fn administrators_and_system_are_root_and_no_other_sid_is() {
        for sid in ROOT_SIDS {
            assert_eq!(sid_number(sid), 0, "{sid}");
        }
        let other = "S-1-5-21-1-2-3-1001";
        assert_ne!(sid_hash(other), 0);
        assert_eq!(sid_hash(other), sid_hash(other), "stable");
        assert_ne!(sid_hash(other), sid_hash("S-1-5-21-1-2-3-1002"));
    }

    #[test]
    #[cfg_attr(
        not(feature = "test-real-windows"),
        ignore = "Wine 8.0 renames a folder held without FILE_SHARE_DELETE: --features test-real-windows on real Windows"
    )]
    fn a_held_folder_cannot_be_renamed_or_removed_while_held() {
        let t = tempfile::tempdir().unwrap();
        let base = dunce::canonicalize(t.path()).unwrap();
        std::fs::create_dir_all(base.join("a/b")).unwrap();
        let held = open_folder(&base.join("a/b")).unwrap();
        assert!(std::fs::rename(base.join("a/b"), base.join("a/c")).is_err());
        assert!(std::fs::rename(base.join("a"), base.join("z")).is_err());
        assert!(std::fs::remove_dir(base.join("a/b")).is_err());
        drop(held);
        std::fs::rename(base.join("a/b"), base.join("a/c")).unwrap();
    }

    #[test]
    fn folders_are_opened_by_plain_names_only_and_files_are_no_folders() {
        let t = tempfile::tempdir().unwrap();
        let base = dunce::canonicalize(t.path()).unwrap();
        std::fs::write(base.join("f"), "x").unwrap();
        let held = open_folder(&base).unwrap();
        assert!(open_folder_beneath(&held, Path::new("../x")).is_err());
        let err = open_folder(&base.join("f")).unwrap_err();
        assert!(
            is_link_error(&err),
            "a file where a folder was expected: {err}"
        );
        assert!(held.open_read(OsStr::new("..\\f")).is_err());
        assert_eq!(
            file_meta(&held.open_read(OsStr::new("f")).unwrap())
                .unwrap()
                .kind,
            Kind::File
        );
    }

    #[test]
    fn the_walk_keeps_the_drive_and_spells_names_as_the_folder_does() {
        let t = tempfile::tempdir().unwrap();
        let base = dunce::canonicalize(t.path()).unwrap();
        std::fs::create_dir_all(base.join("Lib")).unwrap();
        std::fs::write(base.join("Lib/cacert.pem"), "x").unwrap();
        let typed = PathBuf::from(base.to_string_lossy().to_string()).join("lib\\CACERT.pem");
        let walked = walk_parent(&typed, true).unwrap();
        assert_eq!(walked.path(), base.join("Lib").join("cacert.pem"));
        assert!(walked.links.is_empty());
        assert_eq!(
            walked.path().components().next(),
            base.components().next(),
            "the same drive"
        );
    }

    #[test]
    fn a_rename_replaces_the_bundle_and_leaves_no_temporary() {
        let t = tempfile::tempdir().unwrap();
        let base = dunce::canonicalize(t.path()).unwrap();
        std::fs::write(base.join("cacert.pem"), "old").unwrap();
        let held = open_folder(&base).unwrap();
        let mut tmp = held.create_new(OsStr::new(".tmp"), 0o600).unwrap();
        std::io::Write::write_all(&mut tmp, b"new").unwrap();
        drop(tmp);
        assert!(
            held.create_new(OsStr::new(".tmp"), 0o600).is_err(),
            "exclusive"
        );
        held.rename(OsStr::new(".tmp"), OsStr::new("cacert.pem"))
            .unwrap();
        assert_eq!(std::fs::read(base.join("cacert.pem")).unwrap(), b"new");
        assert_eq!(held.names().unwrap(), vec![OsString::from("cacert.pem")]);
    }
}
