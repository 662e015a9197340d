//! Whose code an interpreter would run, decided before certpatch runs it.
//!
//! certpatch is run as root on environments other users own. Starting
//! `/home/u/venv/bin/python3` as root runs whatever `u` can change: the executable (or a
//! link to it), `pyvenv.cfg`, the site-packages certifi is imported from, the standard
//! library of the base install the venv points to. So before any interpreter is started
//! (`interpreter::run_script`, the only place that starts one), this module lists what
//! that interpreter reads at start and for certpatch's scripts, and asks who can change
//! each entry.
//!
//! **The rule** (OpenSSH's StrictModes, git's `safe.directory`): an entry is in safe hands
//! when it is owned by root or by the user certpatch runs as, and neither its group nor
//! everyone can write it — except a folder with the sticky bit on the way to it (`/tmp`),
//! and a group that is its owner's private group (same name, no other member). Then:
//! - everything in safe hands: the interpreter runs as certpatch's user;
//! - the rest owned by **one** other account, and certpatch runs as root: it runs as that
//!   account (supplementary groups dropped, its primary gid, its uid, in `/`, nothing
//!   inherited) — the owner's code, run with the owner's rights;
//! - anything else (two other owners, a group or everyone can write, an owner without an
//!   account, or certpatch is not root and so cannot become the owner): it is not run,
//!   and the reason is given; callers fall back (discovery reads the layout, the load
//!   check relies on certpatch's own parse check).
//!
//! What is looked at: every link on the way from the path given to the real executable
//! and every folder above each of them; the environment's folder, `pyvenv.cfg`, its
//! `lib` folders, each `lib/pythonX.Y` and site-packages folder and the entries at their
//! top level (the modules Python and certpatch's scripts import), `certifi/` and
//! `pip/_vendor/` inside them; the same for the base install (`home` in `pyvenv.cfg`, and
//! the install the resolved executable is in; `/usr/local` with `/usr`, whose
//! `dist-packages` Debian's Python imports from). Files deeper inside the standard library
//! are not looked at one by one. Whatever runs, it runs with `-I -S` (see
//! `interpreter`), so no `.pth` file, `sitecustomize` or user site is read at all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::layout::{is_python_name, list, prefix_of_exe, site_packages_dirs};
use crate::os::{self, Account, Perm};
use crate::x509::text::path_text;

/// An owner in a message: "uid 1001 (name)" on Unix, the account and SID on Windows,
/// escaped for a terminal (an account name is whatever its administrator chose).
pub fn owner_text(uid: u32) -> String {
    crate::x509::text::escape(&os::owner_text(uid)).into_owned()
}

/// Whether and how an interpreter may be run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Everything it reads is root's or certpatch's user's: run it as is.
    Trusted,
    /// Run it as this account (certpatch is root; the account owns the rest).
    RunAs(Account),
    /// Do not run it; why.
    Refused(String),
}

/// Who, besides root and certpatch's user, can change an entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum By {
    User(u32),
    Group(u32),
    Everyone,
}

/// One entry in hands other than root's and certpatch's user's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub path: PathBuf,
    pub by: By,
    pub mode: u32,
    /// Windows: the accounts the access list lets write (`Perm::others`).
    pub others: Vec<String>,
}

impl Finding {
    /// "`/x` is owned by uid 1001 (u)", "`/x` can be written by group 100 (mode 0775)".
    pub fn describe(&self) -> String {
        let path = path_text(&self.path);
        match self.by {
            By::User(uid) => format!("`{path}` is owned by {}", owner_text(uid)),
            By::Group(gid) => format!(
                "`{path}` can be written by group {gid} (mode {:04o})",
                self.mode & 0o7777
            ),
            By::Everyone if !self.others.is_empty() => format!(
                "`{path}` can be written by {} (its access control list allows it)",
                crate::x509::text::escape(&self.others.join(", "))
            ),
            By::Everyone => format!(
                "`{path}` can be written by every user (mode {:04o})",
                self.mode & 0o7777
            ),
        }
    }
}

/// How an entry is judged: a folder on the way to something (sticky protects it), or a
/// folder whose new entries Python would import (sticky does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    OnTheWay,
    Content,
}

/// What `me` must fear from one entry.
fn judge(path: &Path, p: &Perm, role: Role, me: u32) -> Vec<Finding> {
    if p.is_link {
        // A link's own mode means nothing; the folder holding it is judged.
        return Vec::new();
    }
    let mut out = Vec::new();
    let finding = |by| Finding {
        path: path.to_path_buf(),
        by,
        mode: p.mode,
        others: p.others.clone(),
    };
    if p.uid != 0 && p.uid != me {
        out.push(finding(By::User(p.uid)));
    }
    let shielded = role == Role::OnTheWay && p.sticky_dir();
    if p.group_writable() && !shielded && p.gid != 0 && !os::private_group(p.gid, p.uid) {
        out.push(finding(By::Group(p.gid)));
    }
    if p.world_writable() && !shielded {
        out.push(finding(By::Everyone));
    }
    out
}

/// The entries in hands other than root's and `me`'s among `paths` (missing ones skipped).
fn findings_in(paths: &BTreeSet<(PathBuf, Role)>, me: u32) -> Vec<Finding> {
    paths
        .iter()
        .filter_map(|(path, role)| os::perm_of(path).map(|p| judge(path, &p, *role, me)))
        .flatten()
        .collect()
}

/// `path` and every folder above it, plus the folders above where its folder really is.
fn on_the_way(path: &Path, out: &mut BTreeSet<(PathBuf, Role)>) {
    for a in path.ancestors() {
        out.insert((a.to_path_buf(), Role::OnTheWay));
    }
    if let Some(real) = path.parent().and_then(|d| dunce::canonicalize(d).ok()) {
        for a in real.ancestors() {
            out.insert((a.to_path_buf(), Role::OnTheWay));
        }
    }
}

/// Each link from `exe` to the file it names, `exe` first (at most 40 hops).
fn hops(exe: &Path) -> Vec<PathBuf> {
    let mut out = vec![exe.to_path_buf()];
    let mut at = exe.to_path_buf();
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&at) else {
            break;
        };
        at = match at.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
        out.push(at.clone());
    }
    if let Ok(real) = dunce::canonicalize(exe) {
        out.push(real);
    }
    out
}

/// A folder and its top-level entries, all as content Python may import.
fn with_entries(dir: &Path, out: &mut BTreeSet<(PathBuf, Role)>) {
    if !dir.is_dir() {
        return;
    }
    out.insert((dir.to_path_buf(), Role::Content));
    for (_, p) in list(dir) {
        out.insert((p, Role::Content));
    }
}

/// An environment's (or install's) parts Python reads: see the module docs.
fn environment_parts(root: &Path, out: &mut BTreeSet<(PathBuf, Role)>) {
    on_the_way(&root.join("pyvenv.cfg"), out);
    for lib_name in ["lib", "Lib", "lib64"] {
        let lib = root.join(lib_name);
        if !lib.is_dir() {
            continue;
        }
        out.insert((lib.clone(), Role::Content));
        for (name, path) in list(&lib) {
            // The standard library (`python3.11`, `python311.zip`) and its extensions.
            if is_python_name(&name) || name.starts_with("python") {
                with_entries(&path, out);
                with_entries(&path.join("lib-dynload"), out);
            }
        }
    }
    for sp in site_packages_dirs(root) {
        with_entries(&sp, out);
        for inner in ["certifi", "pip", "pip/_vendor", "pip/_vendor/certifi"] {
            with_entries(&sp.join(inner), out);
        }
    }
}

/// The `home` of a venv's `pyvenv.cfg`: the folder of its base interpreter.
fn venv_home(root: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(root.join("pyvenv.cfg")).ok()?;
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("home")).then(|| PathBuf::from(v.trim()))
    })
}

/// Everything the interpreter `exe` (absolute) reads that certpatch judges.
fn what_it_reads(exe: &Path) -> BTreeSet<(PathBuf, Role)> {
    let mut out = BTreeSet::new();
    let chain = hops(exe);
    for hop in &chain {
        on_the_way(hop, &mut out);
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    for hop in &chain {
        roots.extend(prefix_of_exe(hop));
    }
    if let Some(home) = roots.first().and_then(|r| venv_home(r)) {
        on_the_way(&home, &mut out);
        roots.extend(home.parent().map(Path::to_path_buf));
    }
    // Debian's Python also imports from /usr/local/lib/python3.X/dist-packages.
    if roots.iter().any(|r| r == Path::new("/usr")) {
        roots.push(PathBuf::from("/usr/local"));
    }
    roots.sort();
    roots.dedup();
    for root in &roots {
        environment_parts(root, &mut out);
    }
    out
}

/// Whose code `exe` (absolute) would run, and so whether and as whom to run it.
pub fn decide(exe: &Path) -> Decision {
    let me = os::euid();
    decide_as(exe, me)
}

fn decide_as(exe: &Path, me: u32) -> Decision {
    let found = findings_in(&what_it_reads(exe), me);
    if found.is_empty() {
        return Decision::Trusted;
    }
    let why = |f: &Finding| {
        format!(
            "it was not run: {}, and certpatch runs only code that {}{} alone can change",
            f.describe(),
            os::ROOT_WORDS,
            if me == 0 { "" } else { " and you" }
        )
    };
    if let Some(f) = found.iter().find(|f| !matches!(f.by, By::User(_))) {
        return Decision::Refused(why(f));
    }
    let owners: BTreeSet<u32> = found
        .iter()
        .filter_map(|f| match f.by {
            By::User(u) => Some(u),
            _ => None,
        })
        .collect();
    if owners.len() > 1 || me != 0 {
        return Decision::Refused(why(&found[0]));
    }
    if !os::RUNS_AS_OWNER {
        return Decision::Refused(format!(
            "{}; on this platform certpatch cannot run it as its owner: run certpatch as that user, without elevation, or name the bundle with --bundle",
            why(&found[0])
        ));
    }
    let uid = found[0].path.as_path();
    let owner = owners.into_iter().next().unwrap_or_default();
    match os::account(owner) {
        Some(a) => Decision::RunAs(a),
        None => Decision::Refused(format!(
            "it was not run: `{}` is owned by uid {owner}, which has no account to run it as",
            path_text(uid)
        )),
    }
}

/// Why an environment found implicitly (`$VIRTUAL_ENV`, `$CONDA_PREFIX`, a `.venv`, the
/// first `python3` on `PATH`) is not used: it, its `pyvenv.cfg` or a folder above it is in
/// hands other than root's and certpatch's user's (as root: root's alone). `None` when it
/// may be used.
pub fn implicit_environment_refusal(root: &Path) -> Option<String> {
    let me = os::euid();
    let mut paths = BTreeSet::new();
    on_the_way(root, &mut paths);
    if let Ok(real) = dunce::canonicalize(root) {
        on_the_way(&real, &mut paths);
    }
    paths.insert((root.join("pyvenv.cfg"), Role::OnTheWay));
    let found = findings_in(&paths, me);
    let first = found.first()?;
    Some(format!(
        "{}; an environment certpatch finds by itself must be {} and writable by no one else; name it with `--env` if you mean it",
        first.describe(),
        if me == 0 {
            format!("owned by {} (certpatch {})", os::ROOT_WORDS, os::AS_ROOT_WORDS)
        } else {
            format!("owned by you or {}", os::ROOT_WORDS)
        }
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn perm(uid: u32, gid: u32, mode: u32, is_dir: bool) -> Perm {
        Perm {
            uid,
            gid,
            mode,
            is_dir,
            is_link: false,
            others: Vec::new(),
        }
    }

    #[test]
    fn the_rule_owner_group_world_and_sticky() {
        let p = Path::new("/x");
        // Owned by me or root, writable by no one else: nothing to fear.
        assert!(judge(p, &perm(500, 500, 0o755, true), Role::Content, 500).is_empty());
        assert!(judge(p, &perm(0, 0, 0o775, true), Role::Content, 500).is_empty());
        // Another owner.
        assert_eq!(
            judge(p, &perm(1001, 1001, 0o755, true), Role::Content, 0)[0].by,
            By::User(1001)
        );
        // Everyone: refused unless a sticky folder on the way.
        assert_eq!(
            judge(p, &perm(0, 0, 0o777, true), Role::Content, 0)[0].by,
            By::Everyone
        );
        assert!(judge(p, &perm(0, 0, 0o1777, true), Role::OnTheWay, 0).is_empty());
        assert_eq!(
            judge(p, &perm(0, 0, 0o1777, true), Role::Content, 0)[0].by,
            By::Everyone
        );
        // A shared group (no account 4242 has it as its private group).
        assert_eq!(
            judge(p, &perm(0, 4242, 0o775, true), Role::Content, 0)[0].by,
            By::Group(4242)
        );
    }

    #[test]
    #[cfg_attr(
        feature = "no-root-tests",
        ignore = "needs root (chown); left out by --features no-root-tests"
    )]
    fn a_root_owned_tree_is_trusted_and_a_world_writable_one_refused() {
        assert_eq!(
            os::euid(),
            0,
            "this test needs root (it gives a file to another uid); run it as root, or build with `--features no-root-tests` to leave it out"
        );
        let t = tempfile::tempdir().unwrap();
        let venv = super::super::testutil::make_venv(t.path(), "v", "3.12");
        let exe = venv.join("bin/python3");
        assert_eq!(decide_as(&exe, 0), Decision::Trusted);
        let sp = venv.join("lib/python3.12/site-packages");
        chmod(&sp, 0o777);
        match decide_as(&exe, 0) {
            Decision::Refused(why) => {
                assert!(why.contains("every user"), "{why}");
                assert!(why.contains("site-packages"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        chmod(&sp, 0o755);
        // A file owned by another account: certpatch not root cannot become it.
        let cfg = venv.join("pyvenv.cfg");
        std::os::unix::fs::chown(&cfg, Some(4242), None).unwrap();
        match decide_as(&exe, 0) {
            Decision::Refused(why) => assert!(why.contains("no account"), "{why}"),
            Decision::RunAs(a) => assert_eq!(a.uid, 4242),
            other => panic!("{other:?}"),
        }
        match decide_as(&exe, 500) {
            Decision::Refused(why) => {
                assert!(why.contains("uid 4242"), "{why}");
                assert!(why.contains("root and you"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }
}
