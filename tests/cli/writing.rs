//! How a patch is written: the block format, ASCII only, `--dry-run`, `--output`, the file's
//! mode, symlinks, and nothing left beside the bundle.

#[cfg(unix)]
use std::fs;
#[cfg(unix)]
use std::os::unix::fs::{symlink, PermissionsExt};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::common::*;

/// The `# Subject:` line certifi wrote for the entry labelled `label`.
fn certifi_subject_line(bundle: &[u8], label: &str) -> String {
    let text = String::from_utf8_lossy(bundle);
    let lines: Vec<&str> = text.lines().collect();
    let want = format!("# Label: \"{label}\"");
    let i = lines
        .iter()
        .position(|l| *l == want)
        .unwrap_or_else(|| panic!("no entry labelled {label}"));
    lines[..i]
        .iter()
        .rev()
        .find(|l| l.starts_with("# Subject: "))
        .unwrap()
        .to_string()
}

#[test]
fn patch_block_has_certifi_header_lines_and_reencoded_pem() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let before = read(&bundle);
    sb.add_ok(real("le-r10.pem"), &bundle, &[]);
    let after = read(&bundle);
    assert!(after.starts_with(&before), "appended");
    assert_ascii(&after, "patched bundle");

    let blocks = patch_blocks(&after);
    assert_eq!(blocks.len(), 1, "one patch block");
    let b = &blocks[0];
    let d = der(&real("le-r10.pem"));
    let (_, cert) = x509_parser::parse_x509_certificate(&d).unwrap();

    assert!(b[0].starts_with("# certpatch:"), "{b:?}");
    assert!(
        b[0].contains("le-r10.pem"),
        "the first line names the source: {}",
        b[0]
    );
    // R10's issuer is ISRG Root X1: its Issuer line reads exactly as certifi's Subject
    // line for that root.
    let x1 = certifi_subject_line(&before, "ISRG Root X1");
    assert_eq!(b[1], x1.replacen("# Subject: ", "# Issuer: ", 1));
    assert_eq!(b[2], "# Subject: CN=R10 O=Let's Encrypt");
    assert_eq!(b[3], "# Label: \"R10\"");
    assert_eq!(b[4], format!("# Serial: {}", cert.tbs_certificate.serial));
    assert_eq!(
        b[5],
        format!("# MD5 Fingerprint: {}", hex_colons(&Md5::digest(&d)))
    );
    assert_eq!(
        b[6],
        format!("# SHA1 Fingerprint: {}", hex_colons(&Sha1::digest(&d)))
    );
    assert_eq!(
        b[7],
        format!("# SHA256 Fingerprint: {}", hex_colons(&Sha256::digest(&d)))
    );
    let pem_text = pem::encode_config(
        &pem::Pem::new("CERTIFICATE", d.clone()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    );
    let pem_lines: Vec<&str> = pem_text.lines().collect();
    assert_eq!(
        &b[8..],
        &pem_lines[..],
        "the PEM re-encoded from the DER, 64 columns"
    );
}

#[test]
fn patch_block_for_test_intermediate_matches_certifi_style() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let blocks = patch_blocks(&read(&bundle));
    let b = &blocks[0];
    assert_eq!(
        b[1],
        "# Issuer: CN=certpatch Test Root CA O=certpatch tests"
    );
    assert_eq!(
        b[2],
        "# Subject: CN=certpatch Test Intermediate A O=certpatch tests"
    );
    assert_eq!(b[3], "# Label: \"certpatch Test Intermediate A\"");
    // Serial 0x7E57000000000002, in decimal as certifi writes it.
    assert_eq!(b[4], format!("# Serial: {}", 0x7E57_0000_0000_0002u64));
}

#[test]
fn non_ascii_names_are_escaped_like_certifi() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-unicode.pem"), &bundle, &[]);
    let after = read(&bundle);
    assert_ascii(&after, "bundle after adding int-unicode");
    let blocks = patch_blocks(&after);
    assert_eq!(
        blocks[0][2],
        "# Subject: CN=T\\xe9st \\xcfnterm\\xe9diaire F\\u0151tan\\xfas\\xedtv\\xe1ny \\u2603 O=certpatch tests"
    );
    assert_eq!(
        blocks[0][3],
        "# Label: \"T\\xe9st \\xcfnterm\\xe9diaire F\\u0151tan\\xfas\\xedtv\\xe1ny \\u2603\""
    );
    // And it is undone exactly.
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    assert_file_is(&bundle, &test_bundle_bytes(), "undo");
}

#[test]
fn non_ascii_source_file_name_keeps_bundle_ascii() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let input = sb.file(
        "zwischenzertifikat-für-café ☃.pem",
        &read(gen("int-good.pem")),
    );
    sb.add_ok(&input, &bundle, &[]);
    assert_ascii(&read(&bundle), "bundle after a non-ASCII source name");
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    assert_file_is(&bundle, &test_bundle_bytes(), "undo");
}

#[test]
fn dry_run_add_writes_nothing() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.add_ok(gen("int-good.pem"), &bundle, &["--dry-run"]);
    assert!(
        !stdout(&out).trim().is_empty(),
        "a dry run says what it would do"
    );
    assert_file_is(&bundle, &before, "dry run: bundle unchanged");
    assert!(!sb.backups_exist(), "dry run: no backup folder");
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);

    let out = sb.add_ok(
        gen("int-good-and-sub.p7c"),
        &bundle,
        &["--dry-run", "--json"],
    );
    let v = json(&out);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["bundles"][0]["status"], "would-patch", "{v:#}");
    assert_file_is(&bundle, &before, "dry run: bundle unchanged");
    assert!(!sb.backups_exist(), "dry run: no backup folder");
    assert!(
        sb.listed_patches(&bundle).is_empty(),
        "dry run: no patch listed"
    );

    // A refused dry run still refuses.
    let out = sb.add(gen("int-expired.pem"), &bundle, &["--dry-run"]);
    assert_exit(&out, 1, "dry run of a refused certificate");
    assert_file_is(&bundle, &before, "dry run: bundle unchanged");
}

#[test]
fn output_writes_elsewhere_and_leaves_bundle_identical() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out_path = sb.root().join("patched-copy.pem");
    let out = sb.add_ok(
        gen("int-good.pem"),
        &bundle,
        &["--json", "--output", out_path.to_str().unwrap()],
    );
    let v = json(&out);
    assert_eq!(v["bundles"][0]["status"], "written-to-output", "{v:#}");
    assert_file_is(&bundle, &before, "--output: bundle unchanged");
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);

    let written = read(&out_path);
    assert!(
        written.starts_with(&before),
        "OUT is the bundle plus the patch"
    );
    assert_eq!(count_cert(&written, &der(&gen("int-good.pem"))), 1);
    assert_eq!(patch_count(&written), 1);

    // OUT is a patched bundle in its own right: its patch comes off exactly.
    let sb2 = Sandbox::new();
    let copy = sb2.write_bundle("cacert.pem", &written);
    assert_exit(&sb2.remove(&copy, &["--all"]), 0, "remove --all on OUT");
    assert_file_is(&copy, &before, "OUT minus its patch is the original");
}

#[test]
fn output_in_text_mode_leaves_bundle_identical() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out_path = sb.root().join("out.pem");
    sb.add_ok(
        gen("multi.pem"),
        &bundle,
        &["--output", out_path.to_str().unwrap()],
    );
    assert_file_is(&bundle, &before, "--output: bundle unchanged");
    assert_eq!(patch_count(&read(&out_path)), 2);
}

#[cfg(unix)] // Unix modes
#[test]
fn file_mode_is_kept() {
    for mode in [0o600, 0o640, 0o644] {
        let sb = Sandbox::new();
        let bundle = sb.test_bundle();
        fs::set_permissions(&bundle, fs::Permissions::from_mode(mode)).unwrap();
        let mode_of = || fs::metadata(&bundle).unwrap().permissions().mode() & 0o7777;

        sb.add_ok(gen("int-good.pem"), &bundle, &[]);
        assert_eq!(mode_of(), mode, "mode {mode:o} kept by add");
        assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
        assert_eq!(mode_of(), mode, "mode {mode:o} kept by remove");
        sb.add_ok(gen("int-good.pem"), &bundle, &[]);
        let out = sb.restore(&bundle, &[]);
        assert_exit(&out, 0, "restore");
        assert_eq!(mode_of(), mode, "mode {mode:o} kept by restore");
    }
}

#[cfg(unix)] // symbolic links (creating one on Windows needs a privilege)
#[test]
fn symlinked_bundle_is_written_through_and_stays_a_link() {
    let sb = Sandbox::new();
    let target_dir = sb.root().join("real-site-packages");
    fs::create_dir(&target_dir).unwrap();
    let target = target_dir.join("cacert.pem");
    fs::write(&target, test_bundle_bytes()).unwrap();
    let link = sb.bundle_dir().join("cacert.pem");
    symlink(&target, &link).unwrap();

    sb.add_ok(gen("int-good.pem"), &link, &[]);
    let meta = fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link stays a link");
    assert_eq!(
        fs::read_link(&link).unwrap(),
        target,
        "pointing at the same target"
    );
    assert_eq!(
        count_cert(&read(&target), &der(&gen("int-good.pem"))),
        1,
        "the target is patched"
    );
    assert_eq!(
        sb.bundle_dir_entries(),
        vec!["cacert.pem"],
        "nothing beside the link"
    );
    assert_eq!(
        dir_entries(&target_dir),
        vec!["cacert.pem"],
        "nothing beside the target"
    );

    // The patch is found through the link, and through the target.
    assert_eq!(sb.listed_patches(&link).len(), 1);
    assert_eq!(sb.listed_patches(&target).len(), 1);

    assert_exit(
        &sb.remove(&link, &["--all"]),
        0,
        "remove --all through the link",
    );
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_file_is(&target, &test_bundle_bytes(), "undo through the link");
}

#[cfg(unix)] // symbolic links (creating one on Windows needs a privilege)
#[test]
fn relative_symlink_in_same_folder_is_written_through() {
    let sb = Sandbox::new();
    let target = sb.write_bundle("cacert-real.pem", &test_bundle_bytes());
    let link = sb.bundle_dir().join("cacert.pem");
    symlink("cacert-real.pem", &link).unwrap();
    sb.add_ok(gen("int-good.pem"), &link, &[]);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(patch_count(&read(&target)), 1);
    assert_eq!(
        sb.bundle_dir_entries(),
        vec!["cacert-real.pem", "cacert.pem"]
    );
}

#[test]
fn no_stray_files_beside_the_bundle_after_success() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.write_bundle("README.txt", b"a neighbour that must stay alone\n");
    let expected = vec!["README.txt".to_string(), "cacert.pem".to_string()];

    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    assert_eq!(sb.bundle_dir_entries(), expected, "after add");
    sb.add_ok(gen("multi.pem"), &bundle, &[]);
    assert_eq!(sb.bundle_dir_entries(), expected, "after a second add");
    let out = sb.remove(&bundle, &[&fp(&gen("int-01.pem"))]);
    assert_exit(&out, 0, "remove");
    assert_eq!(sb.bundle_dir_entries(), expected, "after remove");
    // The backup lives under CERTPATCH_HOME, not beside the bundle.
    let backups = files_under(&sb.home().join("backups"));
    assert!(
        backups.iter().any(|f| read(f) == test_bundle_bytes()),
        "a pristine copy is kept under CERTPATCH_HOME/backups: {backups:?}"
    );
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore");
    assert_eq!(sb.bundle_dir_entries(), expected, "after restore");
    assert_file_is(
        &sb.bundle_dir().join("README.txt"),
        b"a neighbour that must stay alone\n",
        "neighbour untouched",
    );
}

#[test]
fn one_add_patches_several_bundles() {
    let sb = Sandbox::new();
    let a = sb.test_bundle();
    let b = sb.write_bundle("second.pem", &read(gen("bundle-crlf.pem")));
    let a0 = read(&a);
    let b0 = read(&b);
    let out = sb
        .cmd()
        .args(["add", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&a)
        .arg("--bundle")
        .arg(&b)
        .arg(gen("int-good.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "add to two bundles");
    let v = json(&out);
    assert_eq!(v["bundles"].as_array().unwrap().len(), 2);
    for bundle in [&a, &b] {
        assert_eq!(count_cert(&read(bundle), &der(&gen("int-good.pem"))), 1);
    }
    let out = sb
        .cmd()
        .args(["remove", "--all", "--bundle"])
        .arg(&a)
        .arg("--bundle")
        .arg(&b)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "remove from both");
    assert_file_is(&a, &a0, "first bundle restored");
    assert_file_is(&b, &b0, "second bundle restored");
}

#[test]
fn quiet_add_prints_nothing_on_stdout() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add_ok(gen("int-good.pem"), &bundle, &["-q"]);
    assert!(stdout(&out).trim().is_empty(), "quiet: {}", stdout(&out));
    assert_eq!(patch_count(&read(&bundle)), 1);
}

#[test]
fn color_never_prints_no_escape_codes() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    for file in [gen("int-good.pem"), gen("int-expired.pem")] {
        let out = sb.add(&file, &bundle, &["--color", "never"]);
        assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b));
    }
    let out = sb
        .cmd()
        .env("NO_COLOR", "1")
        .args(["add", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(gen("int-wrong-sig.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "refused");
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b));
}
