//! Attacks through the filesystem, reproduced: certpatch is often run as root on files other
//! users can write. Each test plants what another user could plant (as root, files are
//! chowned to `nobody`, uid 65534; a test that needs that fails when not run as root, and
//! `--features no-root-tests` leaves it out) and asserts the exact outcome: the victim's bytes unchanged, exit 1, and the
//! reason on standard error.

use std::fs;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

/// The unprivileged user that plays the other user.
pub const NOBODY: u32 = 65534;

pub fn is_root() -> bool {
    running_as_root()
}

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(p: &Path, uid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(uid)).unwrap();
}

/// Runs certpatch as `nobody` (root only) with `args`, from a copy of the binary and with
/// a `CERTPATCH_HOME` of nobody's own, all inside the sandbox made traversable: CI may
/// clone the repository inside a private (0700) folder that `nobody` cannot enter.
/// Everything else the child reads must be copied into the sandbox, readable, by the
/// caller. Always `Some`: a missing `setpriv` fails the test, naming what to install (the
/// `Option` is kept for the callers written when it skipped).
pub fn as_nobody(sb: &Sandbox, home: &Path, args: &[&std::ffi::OsStr]) -> Option<Output> {
    let setpriv = require_setpriv();
    chmod(sb.root(), 0o755);
    let bin_dir = sb.root().join("nobody-bin");
    fs::create_dir_all(&bin_dir).unwrap();
    chmod(&bin_dir, 0o755);
    let copy = bin_dir.join("certpatch");
    if !copy.exists() {
        // Copied by a child process, so the copy is never "busy" when it runs.
        copy_binary(&copy);
    }
    let out = std::process::Command::new(&setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&copy)
        .args(args)
        .env_clear()
        .env("HOME", sb.root().join("no-home"))
        .env("PATH", sb.root().join("no-bin"))
        .env("CERTPATCH_HOST_ROOT", sb.root().join("no-host"))
        .env("PYENV_ROOT", sb.root().join("no-pyenv"))
        .env("CERTPATCH_HOME", home)
        .current_dir(sb.root())
        .run_output()
        .unwrap();
    Some(out)
}

/// A fixture copied into the sandbox, readable by everyone.
pub fn readable_copy(sb: &Sandbox, src: &Path) -> PathBuf {
    let dst = sb.root().join(src.file_name().unwrap());
    fs::copy(src, &dst).unwrap();
    chmod(&dst, 0o644);
    dst
}

/// A folder of `nobody`'s own (0700) for its `CERTPATCH_HOME`.
pub fn nobody_home(sb: &Sandbox) -> PathBuf {
    let home = sb.root().join("home-nobody");
    fs::create_dir(&home).unwrap();
    chmod(&home, 0o700);
    chown(&home, NOBODY);
    home
}

fn add_args<'a>(file: &'a Path, bundle: &'a Path) -> Vec<&'a std::ffi::OsStr> {
    vec![
        "add".as_ref(),
        file.as_os_str(),
        "--bundle".as_ref(),
        bundle.as_os_str(),
        "--at".as_ref(),
        TEST_CLOCK.as_ref(),
    ]
}

/// A venv in the sandbox (pyvenv.cfg, certifi and pip's vendored certifi, both real files).
fn make_venv(sb: &Sandbox) -> (PathBuf, PathBuf) {
    let venv = sb.root().join("venv");
    let sp = venv.join("lib/python3.12/site-packages");
    fs::create_dir_all(sp.join("certifi")).unwrap();
    fs::create_dir_all(sp.join("pip/_vendor/certifi")).unwrap();
    fs::write(venv.join("pyvenv.cfg"), "home = /nonexistent/bin\n").unwrap();
    fs::write(sp.join("certifi/__init__.py"), "").unwrap();
    fs::write(sp.join("certifi/cacert.pem"), test_bundle_bytes()).unwrap();
    fs::write(sp.join("pip/__init__.py"), "").unwrap();
    fs::write(
        sp.join("pip/_vendor/certifi/cacert.pem"),
        test_bundle_bytes(),
    )
    .unwrap();
    (venv.clone(), sp.join("certifi/cacert.pem"))
}

fn add_env(sb: &Sandbox, venv: &Path) -> Output {
    sb.cmd()
        .arg("add")
        .arg(gen("int-good.pem"))
        .arg("--env")
        .arg(venv)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// --output

#[test]
fn output_link_planted_in_a_shared_folder_is_refused_and_its_target_untouched() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let shared = sb.root().join("shared");
    fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    let victim = sb.file("victim", b"root-only secret\n");
    chmod(&victim, 0o600);
    let link = shared.join("out.pem");
    symlink(&victim, &link).unwrap();
    if is_root() {
        chown(&link, NOBODY);
    }
    let out = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--output", link.to_str().unwrap()],
    );
    assert_exit(&out, 1, "add --output LINK");
    assert!(
        stderr(&out)
            .contains("is a symbolic link; certpatch does not write through a link at --output"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&victim, b"root-only secret\n", "the link's target");
    let meta = fs::metadata(&victim).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o600);
    assert_eq!(meta.uid(), fs::metadata(sb.root()).unwrap().uid());
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_file_is(&bundle, &test_bundle_bytes(), "the bundle");
}

#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn output_is_never_chowned_nor_group_or_world_writable() {
    require_root("chowns files to uid 65534 to play another user");
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    chown(&bundle, NOBODY);
    chmod(&bundle, 0o666);
    let out_path = sb.root().join("out.pem");
    let out = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--output", out_path.to_str().unwrap()],
    );
    assert_exit(&out, 0, "add --output");
    let meta = fs::metadata(&out_path).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid()),
        (0, 0),
        "owned by root, not chowned"
    );
    assert_eq!(meta.mode() & 0o7777, 0o644, "not group/world-writable");
    assert_eq!(patch_count(&read(&out_path)), 1);
}

/// Issue 14, finding 7: a symbolic link at a *folder* of `--output` (here another user's
/// link in a shared folder, leading to a root-only folder) must not redirect root's copy
/// over a root-only file: the folder is opened once, following only root's or the running
/// user's links, and the copy is created and renamed in that open folder.
#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root: chowns files to another uid (feature no-root-tests)"
)]
fn output_through_a_parent_folder_link_another_user_owns_is_refused() {
    require_root("output_through_a_parent_folder_link_another_user_owns_is_refused chowns files");
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let shared = sb.root().join("shared");
    fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    let private = sb.root().join("private");
    fs::create_dir(&private).unwrap();
    chmod(&private, 0o700);
    let victim = private.join("out.pem");
    fs::write(&victim, b"root-only secret\n").unwrap();
    chmod(&victim, 0o600);
    let link = shared.join("dir");
    symlink(&private, &link).unwrap();
    chown(&link, NOBODY);
    let out_path = link.join("out.pem");
    let out = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--output", out_path.to_str().unwrap()],
    );
    assert_exit(&out, 1, "add --output through another user's folder link");
    assert!(
        stderr(&out).contains("is a symbolic link owned by uid 65534"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&victim, b"root-only secret\n", "the root-only file");
    let names: Vec<_> = fs::read_dir(&private).unwrap().collect();
    assert_eq!(
        names.len(),
        1,
        "nothing else written in the root-only folder"
    );
    assert_file_is(&bundle, &test_bundle_bytes(), "the bundle");
}

// ---------------------------------------------------------------------------------------
// Discovered bundles (--env)

#[test]
fn env_bundle_linked_outside_the_environment_is_refused() {
    let sb = Sandbox::new();
    let (venv, certifi) = make_venv(&sb);
    // Another user (or the environment's owner) replaces certifi's bundle with a link to
    // a file outside the environment, which root then patches with --env.
    let victim = sb.file("victim.pem", &test_bundle_bytes());
    chmod(&victim, 0o600);
    fs::remove_file(&certifi).unwrap();
    symlink(&victim, &certifi).unwrap();
    let out = add_env(&sb, &venv);
    assert_exit(&out, 1, "add --env with a link out of the environment");
    assert!(
        stderr(&out).contains("outside its environment"),
        "{}",
        stderr(&out)
    );
    assert_file_is(
        &victim,
        &test_bundle_bytes(),
        "the file outside the environment",
    );
    assert_eq!(fs::metadata(&victim).unwrap().mode() & 0o7777, 0o600);
}

/// Issue 14, finding 4, at the command line: while a thread swaps the venv's `certifi`
/// folder with a link to a folder outside the environment (`renameat2(RENAME_EXCHANGE)`,
/// in a tight loop, as the attacker did), `add --env` runs again and again. The file
/// outside (the root-only bundle in the attack; the same user's here, so that only the held
/// resolution stands in the way) must never change, and every run either patches the real
/// bundle or is refused. Which runs win the race is not asserted. (The 2,000-attempt loop
/// is the library test `a_folder_swapped_for_a_link_in_a_loop_never_leads_a_write_outside`.)
#[test]
fn env_add_while_certifi_is_swapped_for_a_link_in_a_loop_never_writes_outside() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    const RUNS: usize = 40;
    let sb = Sandbox::new();
    let (venv, certifi) = make_venv(&sb);
    let sp = certifi.parent().unwrap().parent().unwrap().to_path_buf();
    let outside = sb.root().join("root-only");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("cacert.pem"), test_bundle_bytes()).unwrap();
    chmod(&outside.join("cacert.pem"), 0o600);
    symlink(&outside, sp.join("swap")).unwrap();
    // The real certifi folder, held, wherever the swaps leave its name.
    let real = fs::File::open(sp.join("certifi")).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicUsize::new(0));
    let swapper = {
        let (stop, swaps) = (Arc::clone(&stop), Arc::clone(&swaps));
        let sp = fs::File::open(&sp).unwrap();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                rustix::fs::renameat_with(
                    &sp,
                    "certifi",
                    &sp,
                    "swap",
                    rustix::fs::RenameFlags::EXCHANGE,
                )
                .expect("the swap (renameat2 RENAME_EXCHANGE)");
                swaps.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while swaps.load(Ordering::Relaxed) == 0 {
        std::thread::yield_now();
    }
    let mut codes = [0usize; 2];
    for run in 0..RUNS {
        let out = add_env(&sb, &venv);
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(1)),
            "run {run}: exit {code:?}\n{}",
            stderr(&out)
        );
        codes[code.unwrap() as usize] += 1;
        assert_file_is(
            &outside.join("cacert.pem"),
            &test_bundle_bytes(),
            &format!("run {run}: the file outside the environment"),
        );
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    let fd = rustix::fs::openat(
        &real,
        "cacert.pem",
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NOFOLLOW,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut fs::File::from(fd), &mut bytes).unwrap();
    assert!(
        patch_count(&bytes) <= 1,
        "the real bundle patched at most once"
    );
    eprintln!(
        "{RUNS} runs, {} swaps: {} exit 0, {} exit 1; real bundle has {} patch(es)",
        swaps.load(Ordering::Relaxed),
        codes[0],
        codes[1],
        patch_count(&bytes)
    );
}

/// By design a link inside an environment that leads to a file inside it is followed (a
/// layout that keeps its bundle elsewhere in the environment): the held resolution opens
/// the real folder, inside the environment, and patches the real file, leaving the link.
#[test]
fn env_bundle_linked_inside_the_environment_is_patched_at_its_real_path() {
    let sb = Sandbox::new();
    let (venv, certifi) = make_venv(&sb);
    let real = venv.join("share/certs/cacert.pem");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::rename(&certifi, &real).unwrap();
    symlink(&real, &certifi).unwrap();
    let out = add_env(&sb, &venv);
    assert_exit(&out, 0, "add --env with a link inside the environment");
    assert!(
        stdout(&out).contains("share/certs/cacert.pem"),
        "{}",
        stdout(&out)
    );
    assert_eq!(patch_count(&read(&real)), 1, "the real file is patched");
    assert!(fs::symlink_metadata(&certifi).unwrap().is_symlink());
}

#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn env_bundle_owned_by_another_user_is_refused() {
    require_root("chowns files to uid 65534 to play another user");
    let sb = Sandbox::new();
    let (venv, certifi) = make_venv(&sb);
    chown(&certifi, NOBODY);
    let out = add_env(&sb, &venv);
    assert_exit(&out, 1, "add --env with a planted bundle");
    assert!(
        stderr(&out).contains("is owned by uid 65534")
            && stderr(&out).contains("but its environment"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&certifi, &test_bundle_bytes(), "the planted file");
    assert_eq!(fs::metadata(&certifi).unwrap().uid(), NOBODY);
}

#[test]
fn env_bundle_that_holds_no_certificate_is_refused() {
    let sb = Sandbox::new();
    let (venv, certifi) = make_venv(&sb);
    fs::write(&certifi, b"not a bundle\n").unwrap();
    let out = add_env(&sb, &venv);
    assert_exit(&out, 1, "add --env with a bundle without certificates");
    assert!(
        stderr(&out).contains("holds no certificate"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&certifi, b"not a bundle\n", "the file without certificates");
}

#[test]
fn env_bundle_that_is_a_fifo_is_refused_without_blocking() {
    let sb = Sandbox::new();
    let (venv, certifi) = make_venv(&sb);
    fs::remove_file(&certifi).unwrap();
    make_fifo(&certifi);
    // The Sandbox command is killed after 60 s: a hang fails the test.
    for command in ["add", "check"] {
        let out = sb
            .cmd()
            .arg(command)
            .arg(gen("int-good.pem"))
            .arg("--env")
            .arg(&venv)
            .args(["--at", TEST_CLOCK])
            .run_output()
            .unwrap();
        assert_exit(
            &out,
            1,
            &format!("{command} --env with a FIFO for certifi's bundle"),
        );
        assert!(
            stderr(&out).contains("is not a regular file (a folder, FIFO or device)"),
            "{}",
            stderr(&out)
        );
    }
    let out = sb
        .cmd()
        .args(["list", "--env"])
        .arg(&venv)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "list --env with a FIFO for certifi's bundle");
    assert!(fs::symlink_metadata(&certifi)
        .unwrap()
        .file_type()
        .is_fifo());
}

// ---------------------------------------------------------------------------------------
// --bundle

#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn explicit_bundle_through_a_link_another_user_owns_is_refused() {
    require_root("chowns files to uid 65534 to play another user");
    let sb = Sandbox::new();
    let shared = sb.root().join("shared");
    fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    let victim = sb.file("victim.pem", &test_bundle_bytes());
    chmod(&victim, 0o600);
    let link = shared.join("cacert.pem");
    symlink(&victim, &link).unwrap();
    chown(&link, NOBODY);
    let out = sb.add(gen("int-good.pem"), &link, &[]);
    assert_exit(&out, 1, "add --bundle LINK-OF-ANOTHER-USER");
    assert!(
        stderr(&out).contains("is a symbolic link owned by uid 65534"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&victim, &test_bundle_bytes(), "the link's target");
    // A link in the path (a folder) counts too.
    let dir_link = shared.join("dir");
    symlink(sb.root(), &dir_link).unwrap();
    chown(&dir_link, NOBODY);
    let out = sb.add(gen("int-good.pem"), &dir_link.join("victim.pem"), &[]);
    assert_exit(
        &out,
        1,
        "add --bundle through a folder link of another user",
    );
    assert_file_is(
        &victim,
        &test_bundle_bytes(),
        "the file behind the folder link",
    );
}

#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn non_owner_cannot_replace_a_root_owned_read_only_bundle() {
    require_root("chowns files to uid 65534 to play another user");
    let sb = Sandbox::new();
    let dir = sb.root().join("shared");
    fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o777);
    let bundle = dir.join("cacert.pem");
    fs::write(&bundle, test_bundle_bytes()).unwrap();
    chmod(&bundle, 0o444);
    let input = readable_copy(&sb, &gen("int-good.pem"));
    let home = nobody_home(&sb);
    let Some(out) = as_nobody(&sb, &home, &add_args(&input, &bundle)) else {
        return;
    };
    assert_exit(&out, 1, "nobody adds to root's bundle");
    assert!(
        stderr(&out).contains("belongs to uid 0, and certpatch runs as uid 65534"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&bundle, &test_bundle_bytes(), "root's bundle");
    let meta = fs::metadata(&bundle).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o7777), (0, 0o444));
}

#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn read_only_bundle_is_refused_for_its_owner_but_patched_by_root() {
    require_root("chowns files to uid 65534 to play another user");
    let sb = Sandbox::new();
    let dir = sb.root().join("mine");
    fs::create_dir(&dir).unwrap();
    chown(&dir, NOBODY);
    let bundle = dir.join("cacert.pem");
    fs::write(&bundle, test_bundle_bytes()).unwrap();
    chmod(&bundle, 0o444);
    chown(&bundle, NOBODY);
    let input = readable_copy(&sb, &gen("int-good.pem"));
    let home = nobody_home(&sb);
    let Some(out) = as_nobody(&sb, &home, &add_args(&input, &bundle)) else {
        return;
    };
    assert_exit(&out, 1, "the owner adds to its read-only bundle");
    assert!(
        stderr(&out).contains("is read-only (mode 0444)"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&bundle, &test_bundle_bytes(), "the read-only bundle");
    // Root may: the mode and the owner are kept.
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let meta = fs::metadata(&bundle).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o7777),
        (NOBODY, NOBODY, 0o444)
    );
    assert_eq!(patch_count(&read(&bundle)), 1);
}

#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn root_patching_in_a_folder_others_can_write_is_warned() {
    require_root("chowns files to uid 65534 to play another user");
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    chmod(&sb.bundle_dir(), 0o777);
    let out = sb.add(gen("int-good.pem"), &bundle, &[]);
    assert_exit(&out, 0, "add in a world-writable folder");
    assert!(
        stderr(&out).contains(
            "its folder can be written by users other than root and the file's owner (mode 0777)"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(patch_count(&read(&bundle)), 1);
    // A private folder: no warning.
    chmod(&sb.bundle_dir(), 0o755);
    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove in a private folder");
    assert!(
        !stderr(&out).contains("its folder can be written"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------
// CERTPATCH_HOME

#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn state_folder_owned_by_another_user_is_refused() {
    require_root("chowns files to uid 65534 to play another user");
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    fs::create_dir(sb.home()).unwrap();
    chmod(&sb.home(), 0o700);
    chown(&sb.home(), NOBODY);
    let out = sb.add(gen("int-good.pem"), &bundle, &[]);
    assert_exit(&out, 1, "add with another user's CERTPATCH_HOME");
    assert!(
        stderr(&out).contains("is owned by uid 65534, not by you (uid 0)"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&bundle, &test_bundle_bytes(), "the bundle");
    assert!(files_under(&sb.home()).is_empty());
}

#[test]
fn state_folder_that_is_a_link_or_writable_by_others_is_refused() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let elsewhere = sb.root().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    chmod(&elsewhere, 0o700);
    symlink(&elsewhere, sb.home()).unwrap();
    let out = sb.add(gen("int-good.pem"), &bundle, &[]);
    assert_exit(&out, 1, "add with a symlinked CERTPATCH_HOME");
    assert!(
        stderr(&out).contains("is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&bundle, &test_bundle_bytes(), "the bundle");
    assert!(files_under(&elsewhere).is_empty());
    // A run that fails on its state as a whole says so with a stable cause and a
    // separate hint in JSON (`code` stays `failed`).
    let out = sb
        .cmd()
        .args(["reapply", "--json", "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "reapply with a symlinked CERTPATCH_HOME");
    let doc = json(&out);
    assert_eq!(doc["error"]["code"], "failed", "{doc:#}");
    assert_eq!(doc["error"]["cause"], "unsafe-state", "{doc:#}");
    assert!(
        doc["error"]["hint"]
            .as_str()
            .unwrap()
            .starts_with("replace the link with a folder"),
        "{doc:#}"
    );

    fs::remove_file(sb.home()).unwrap();
    fs::create_dir(sb.home()).unwrap();
    chmod(&sb.home(), 0o777);
    let out = sb.add(gen("int-good.pem"), &bundle, &[]);
    assert_exit(&out, 1, "add with a world-writable CERTPATCH_HOME");
    assert!(
        stderr(&out).contains("can be written by group or others (mode 0777)"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&bundle, &test_bundle_bytes(), "the bundle");
}

#[test]
fn a_backup_folder_linked_elsewhere_is_not_restored_from() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &["-q"]);
    let patched = read(&bundle);
    let backups = sb.home().join("backups");
    let ids = dir_entries(&backups);
    assert_eq!(ids.len(), 1);
    let id_dir = backups.join(&ids[0]);
    // Another user's folder with a "backup" of their choosing, linked in its place.
    let planted = sb.root().join("planted");
    fs::create_dir(&planted).unwrap();
    fs::rename(&id_dir, planted.join("real")).unwrap();
    fs::write(planted.join("real/original"), b"planted content\n").unwrap();
    symlink(planted.join("real"), &id_dir).unwrap();
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 1, "restore from a linked backup folder");
    assert!(
        stderr(&out).contains("is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&bundle, &patched, "the bundle");
}

// ---------------------------------------------------------------------------------------
// Bounded work

#[test]
fn bundle_over_64_mib_is_refused_before_reading() {
    let sb = Sandbox::new();
    let big = sb.bundle_dir().join("cacert.pem");
    // Sparse: 65 MiB that take no disk space.
    fs::File::create(&big)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let out = sb
        .cmd()
        .args(["list", "--bundle"])
        .arg(&big)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "list of a 64 MiB + 1 byte bundle");
    assert!(
        stderr(&out).contains("larger than the 64 MiB certpatch reads"),
        "{}",
        stderr(&out)
    );
    let out = sb.add(gen("int-good.pem"), &big, &[]);
    assert_exit(&out, 1, "add to a 64 MiB + 1 byte bundle");
    assert!(
        stderr(&out).contains("larger than the 64 MiB"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::metadata(&big).unwrap().len(), (64 << 20) + 1);
    assert!(!sb.backups_exist());

    // find reports it with a note instead of reading it.
    let (venv, certifi) = make_venv(&sb);
    fs::File::create(&certifi)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let out = sb
        .cmd()
        .args(["find", "--json", "--root"])
        .arg(&venv)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "find --root with a 3 GiB bundle");
    let v = json(&out);
    let entry = v["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "certifi")
        .unwrap_or_else(|| panic!("no certifi bundle in {v:#}"));
    assert!(entry["certificates"].is_null(), "{entry:#}");
    assert!(
        entry["error"]
            .as_str()
            .is_some_and(|n| n.contains("larger than the 64 MiB")),
        "{entry:#}"
    );
}

/// The files around a bundle that tell which package owns it (a wheel's `METADATA` and
/// `RECORD`, a vendored `__init__.py`) are in the environment, which its user controls: a
/// FIFO planted there must not hang a root-run `add` or `status` (reading it used to block
/// for ever), and the patch still goes in, with the owner unknown.
#[test]
fn a_fifo_among_the_package_records_does_not_hang_add_or_status() {
    let sb = Sandbox::new();
    let (venv, certifi) = make_venv(&sb);
    let site = certifi.parent().unwrap().parent().unwrap().to_path_buf();
    let dist = site.join("certifi-2026.10.19.dist-info");
    fs::create_dir_all(&dist).unwrap();
    for fifo in [dist.join("METADATA"), dist.join("RECORD")] {
        make_fifo(&fifo);
    }
    // The Sandbox command is killed after 60 s: a hang fails the test.
    let out = add_env(&sb, &venv);
    assert_exit(
        &out,
        0,
        "add --env with FIFOs among certifi's package records",
    );
    assert_eq!(patch_count(&fs::read(&certifi).unwrap()), 1);
    let out = sb
        .cmd()
        .args(["status", "--env"])
        .arg(&venv)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "status ended by a signal or crashed: {out:?}"
    );
    assert!(stdout(&out).contains("cacert.pem"), "{}", stdout(&out));
}
