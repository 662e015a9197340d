//! Windows by its own rules, run under Wine in CI (`.ci/windows.sh`): a bundle on another
//! drive keeps its drive letter, `\\?\` never shows in output nor splits one bundle into
//! two (backups, ledger), a name typed in another case is the same bundle, the printed
//! undo command is quoted for cmd and PowerShell, and a junction is never written through.

use std::fs;

use crate::common::*;

/// The variable naming a drive letter mapped to a scratch folder, e.g. `T:` (set by
/// `.ci/windows.sh`: under Wine a `dosdevices` link; on Windows `subst T: %TEMP%`).
const TEST_DRIVE: &str = "CERTPATCH_TEST_DRIVE";

/// A sandbox on the test drive (not the drive of the temporary folder).
fn sandbox_on_test_drive() -> (Sandbox, char) {
    let drive = std::env::var(TEST_DRIVE).unwrap_or_else(|_| {
        panic!(
            "{TEST_DRIVE} is not set: name a drive letter mapped to a scratch folder \
             (.ci/windows.sh maps one under Wine; on Windows: subst T: %TEMP% and set {TEST_DRIVE}=T:)"
        )
    });
    let letter = drive.chars().next().expect("a drive letter");
    let tmp = tempfile::Builder::new()
        .prefix("certpatch-test-")
        .tempdir_in(format!("{letter}:\\"))
        .unwrap_or_else(|e| panic!("a folder on {TEST_DRIVE}={drive}: {e}"));
    fs::create_dir(tmp.path().join("b")).unwrap();
    (Sandbox { tmp }, letter)
}

fn json_path(v: &serde_json::Value) -> String {
    v["bundles"][0]["path"].as_str().unwrap().to_string()
}

#[test]
fn a_bundle_on_another_drive_keeps_its_drive_letter_through_add_list_remove_restore() {
    let (sb, letter) = sandbox_on_test_drive();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    assert!(bundle
        .to_string_lossy()
        .starts_with(&format!("{letter}:\\")));

    let out = sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let text = stdout(&out);
    let shown = dunce::canonicalize(&bundle).unwrap();
    assert!(
        shown.to_string_lossy().starts_with(&format!("{letter}:\\")),
        "{}",
        shown.display()
    );
    assert!(
        text.contains(&*shown.to_string_lossy()),
        "the drive letter is kept: {text}"
    );
    assert_eq!(json_path(&sb.list_json(&bundle)), shown.to_string_lossy());
    assert_eq!(sb.listed_patches(&bundle).len(), 1);
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove on the drive");
    assert_file_is(&bundle, &before, "byte-identical after remove");

    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    assert_exit(&sb.restore(&bundle, &[]), 0, "restore on the drive");
    assert_file_is(&bundle, &before, "byte-identical after restore");

    // Named relative to a current folder on that drive, and drive-relative (`\…`).
    let out = sb
        .cmd()
        .current_dir(sb.bundle_dir())
        .args(["add", "--at", TEST_CLOCK, "--bundle", "cacert.pem"])
        .arg(gen("int-good.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "add with a relative --bundle on the drive");
    assert!(
        stdout(&out).contains(&*shown.to_string_lossy()),
        "{}",
        stdout(&out)
    );
    let rooted = shown.to_string_lossy()[2..].to_string();
    let out = sb
        .cmd()
        .current_dir(sb.bundle_dir())
        .args(["remove", "--all", "--bundle", &rooted])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "remove with a drive-relative --bundle");
    assert_file_is(&bundle, &before, "byte-identical after remove");
}

#[test]
fn verbatim_paths_never_show_and_name_the_same_bundle() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let plain = dunce::canonicalize(&bundle).unwrap();
    let verbatim = fs::canonicalize(&bundle).unwrap();
    assert!(
        verbatim.to_string_lossy().starts_with(r"\\?\"),
        "std's canonical form is verbatim: {}",
        verbatim.display()
    );
    let out = sb.add_ok(gen("int-good.pem"), &verbatim, &[]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains(r"\\?\"), "no verbatim path in output: {all}");
    assert!(all.contains(&*plain.to_string_lossy()), "{all}");
    // One bundle, one backup, one ledger entry: the plain name finds what the verbatim one
    // added, and restores from the same backup.
    assert_eq!(sb.listed_patches(&plain).len(), 1);
    assert_eq!(json_path(&sb.list_json(&plain)), plain.to_string_lossy());
    sb.add_ok(gen("int-good-twin.pem"), &plain, &[]);
    let backups: Vec<_> = fs::read_dir(sb.home().join("backups")).unwrap().collect();
    assert_eq!(backups.len(), 1, "one backup folder for the bundle");
    assert_exit(&sb.restore(&plain, &[]), 0, "restore by the plain path");
    assert_file_is(&bundle, &before, "byte-identical after restore");
    // An error names a verbatim path plainly too.
    let missing = verbatim.with_file_name("missing.pem");
    let out = sb
        .cmd()
        .args(["list", "--bundle"])
        .arg(&missing)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "list of a missing verbatim path");
    let err = stderr(&out);
    assert!(!err.contains(r"\\?\"), "{err}");
    assert!(
        err.contains(&*plain.with_file_name("missing.pem").to_string_lossy()),
        "{err}"
    );
}

#[test]
fn a_name_typed_in_another_case_is_the_same_bundle() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let upper = sb.root().join("B").join("CACERT.PEM");
    sb.add_ok(gen("int-good.pem"), &upper, &[]);
    let real = dunce::canonicalize(&bundle).unwrap();
    assert_eq!(
        json_path(&sb.list_json(&upper)),
        real.to_string_lossy(),
        "reported as the file system spells it"
    );
    assert_eq!(sb.listed_patches(&bundle).len(), 1, "found by its own name");
    assert_exit(&sb.restore(&bundle, &[]), 0, "restore by its own name");
    assert_file_is(&bundle, &before, "byte-identical after restore");
}

#[test]
fn the_undo_line_is_quoted_for_cmd_and_powershell() {
    let sb = Sandbox::new();
    let dir = sb.root().join("my envs");
    fs::create_dir(&dir).unwrap();
    let bundle = dir.join("cacert.pem");
    fs::write(&bundle, test_bundle_bytes()).unwrap();
    let out = sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let text = stdout(&out);
    let undo = text
        .lines()
        .find(|l| l.starts_with("undo with:"))
        .unwrap_or_else(|| panic!("no undo line: {text}"));
    let real = dunce::canonicalize(&bundle).unwrap();
    assert!(
        undo.ends_with(&format!("--bundle \"{}\"", real.display())),
        "double quotes, single backslashes: {undo}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "test-real-windows"),
    ignore = "makes a junction with mklink /j, which Wine 8.0 cannot: --features test-real-windows on real Windows"
)]
fn a_junction_on_the_way_is_judged_and_a_junction_as_bundle_folder_is_not_written_through() {
    // `mklink /j` (cmd); Wine 8.0 fails to make junctions, hence the feature.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let junction = sb.root().join("j");
    let out = std::process::Command::new("cmd")
        .args(["/c", "mklink", "/j"])
        .arg(&junction)
        .arg(sb.bundle_dir())
        .run_output()
        .expect("cmd.exe to make a junction (mklink /j)");
    assert!(
        out.status.success() && junction.join("cacert.pem").exists(),
        "mklink /j failed: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Named through the junction (made by this user): resolved to the real folder and
    // patched there, as a link the user owns is on Unix.
    let out = sb.add_ok(gen("int-good.pem"), &junction.join("cacert.pem"), &[]);
    let real = dunce::canonicalize(&bundle).unwrap();
    assert!(
        stdout(&out).contains(&*real.to_string_lossy()),
        "{}",
        stdout(&out)
    );
    assert_eq!(sb.listed_patches(&bundle).len(), 1);
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove");
    assert_file_is(&bundle, &before, "byte-identical");
    assert!(
        fs::symlink_metadata(&junction).is_ok(),
        "the junction itself is left alone"
    );
}

/// The issue's list, on a bundle copy on another drive: find (a Windows-layout
/// environment), check, diagnose --chain, add, list, status, reapply, remove — and the
/// undo is byte for byte; every path printed starts with the drive letter, never `\\?\`.
#[test]
fn on_another_drive_find_check_diagnose_add_status_reapply_remove() {
    let (sb, letter) = sandbox_on_test_drive();
    let drive = format!("{letter}:\\");
    // A venv as Windows lays it out: Scripts\python.exe, Lib\site-packages.
    let venv = sb.root().join("venv");
    let certifi = venv.join("Lib\\site-packages\\certifi");
    fs::create_dir_all(&certifi).unwrap();
    fs::create_dir_all(venv.join("Scripts")).unwrap();
    fs::write(venv.join("Scripts\\python.exe"), b"").unwrap();
    fs::write(
        venv.join("pyvenv.cfg"),
        "home = C:\\Python312\nversion = 3.12.1\n",
    )
    .unwrap();
    fs::write(certifi.join("cacert.pem"), test_bundle_bytes()).unwrap();
    fs::write(certifi.join("__init__.py"), "").unwrap();
    let bundle = certifi.join("cacert.pem");
    let before = read(&bundle);

    let found = sb
        .cmd()
        .args(["--json", "find", "--root"])
        .arg(&venv)
        .run_output()
        .unwrap();
    assert_exit(&found, 0, "find --root on the drive");
    let text = stdout(&found);
    let shown = dunce::canonicalize(&bundle).unwrap();
    assert!(shown.to_string_lossy().starts_with(&drive));
    assert!(
        text.contains(&shown.to_string_lossy().replace('\\', "\\\\")),
        "the Windows-layout certifi is found with its drive letter: {text}"
    );
    assert!(!text.contains("\\\\\\\\?\\\\"), "{text}");

    let run = |args: &[&str]| {
        sb.cmd()
            .args(args)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK])
            .run_output()
            .unwrap()
    };
    let leaf = gen("leaf.pem");
    let leaf = leaf.to_str().unwrap();
    let int = gen("int-good.pem");
    let int = int.to_str().unwrap();
    assert_exit(&run(&["check", int]), 0, "check on the drive");
    let out = run(&["diagnose", "--chain", leaf, "--name", "localhost"]);
    assert_exit(&out, 1, "diagnose --chain: the intermediate is missing");
    assert!(
        stdout(&out).contains(&*shown.to_string_lossy()),
        "{}",
        stdout(&out)
    );

    sb.add_ok(int, &bundle, &[]);
    assert_exit(
        &run(&["diagnose", "--chain", leaf, "--name", "localhost"]),
        0,
        "diagnose --chain after add",
    );
    assert_eq!(sb.listed_patches(&bundle).len(), 1);
    let status = run(&["status"]);
    assert_exit(&status, 0, "status on the drive");
    assert!(stdout(&status).contains(&drive), "{}", stdout(&status));
    let reapply = sb
        .cmd()
        .args(["reapply", "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&reapply, 0, "reapply with the patch present");
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove on the drive");
    assert_file_is(&bundle, &before, "byte-identical after remove");
}
