//! Regression tests, each named after the bug it pins (found in review).

use crate::common::*;

#[cfg(unix)] // a symbolic link to the bundle (tests/cli/windows.rs has the drive-letter and verbatim cases)
#[test]
fn output_naming_the_bundle_itself_is_a_usage_error_and_writes_nothing() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--output", bundle.to_str().unwrap()],
    );
    assert_exit(&out, 2, "add --output BUNDLE");
    assert_file_is(&bundle, &before, "--output naming the bundle");
    // Through a symlink to the bundle, too.
    let link = sb.root().join("link.pem");
    std::os::unix::fs::symlink(&bundle, &link).unwrap();
    let out = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--output", link.to_str().unwrap()],
    );
    assert_exit(&out, 2, "add --output LINK-TO-BUNDLE");
    assert_file_is(&bundle, &before, "--output naming a link to the bundle");
    assert!(!sb.backups_exist(), "no backup for a refused --output");
}

#[test]
fn dry_run_with_output_writes_no_output_file() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out_path = sb.root().join("out.pem");
    let out = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--dry-run", "--output", out_path.to_str().unwrap()],
    );
    assert_exit(&out, 0, "add --dry-run --output");
    assert!(!out_path.exists(), "--dry-run must not write OUT");
    assert!(stdout(&out).contains("would write"), "{}", stdout(&out));
}

#[test]
fn private_key_block_starting_mid_line_is_refused() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let mut input = read(gen("int-good.pem"));
    input.extend_from_slice(b"key: ");
    input.extend(read(gen("int-good.key")));
    let file = sb.file("inline-key.pem", &input);
    let out = sb.add(&file, &bundle, &["--json"]);
    assert_exit(&out, 1, "add with an inline key");
    assert_eq!(json(&out)["error"]["code"], "private-key");
    assert_file_is(&bundle, &before, "inline private key");
}

#[test]
fn json_failure_before_any_bundle_is_still_a_json_document() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["--json", "check"])
        .arg(gen("int-good.pem"))
        .args(["--bundle", "does-not-exist.pem"])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "check --bundle missing --json");
    let v = json(&out);
    assert_eq!(v["ok"], false, "{v:#}");
    assert_eq!(v["command"], "check", "{v:#}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does-not-exist.pem"));
}

#[test]
fn prefix_naming_different_certificates_in_different_bundles_removes_nothing() {
    let sb = Sandbox::new();
    let a = sb.test_bundle();
    let b = sb.write_bundle("other.pem", &test_bundle_bytes());
    // Find two intermediates whose fingerprints share a first digit.
    let names: Vec<String> = (1..=8).map(|i| format!("int-{i:02}.pem")).collect();
    let pair = names.iter().enumerate().find_map(|(i, x)| {
        names[i + 1..]
            .iter()
            .find(|y| fp(&gen(x))[..1] == fp(&gen(y))[..1])
            .map(|y| (x.clone(), y.clone()))
    });
    let Some((x, y)) = pair else {
        eprintln!("no two of int-01..08 share a first hex digit; not exercised");
        return;
    };
    sb.add_ok(gen(&x), &a, &[]);
    sb.add_ok(gen(&y), &b, &[]);
    let (before_a, before_b) = (read(&a), read(&b));
    let prefix = fp(&gen(&x))[..1].to_string();
    let out = sb
        .cmd()
        .args(["remove", &prefix, "--bundle"])
        .arg(&a)
        .arg("--bundle")
        .arg(&b)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "ambiguous across bundles");
    assert_file_is(&a, &before_a, "first bundle untouched");
    assert_file_is(&b, &before_b, "second bundle untouched");
}

#[test]
fn undo_hint_names_only_certificates_that_were_added() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    // test-root is already present; only int-05 is added.
    let mut input = read(gen("test-root.pem"));
    input.extend(read(gen("int-05.pem")));
    let file = sb.file("root-and-05.pem", &input);
    let out = sb.add_ok(&file, &bundle, &[]);
    let text = stdout(&out);
    let hint = text
        .lines()
        .find(|l| l.starts_with("undo with:"))
        .unwrap_or_else(|| panic!("no undo hint in {text}"));
    assert!(hint.contains(&fp(&gen("int-05.pem"))[..16]), "{hint}");
    assert!(!hint.contains(&fp(&gen("test-root.pem"))[..16]), "{hint}");
}

#[test]
fn restore_without_backup_of_a_patched_bundle_fails_and_points_to_remove() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let patched = read(&bundle);
    let out = sb
        .cmd()
        .env("CERTPATCH_HOME", sb.root().join("another-home"))
        .arg("restore")
        .arg("--bundle")
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "restore with another CERTPATCH_HOME");
    assert!(stderr(&out).contains("remove --all"), "{}", stderr(&out));
    assert_file_is(&bundle, &patched, "restore without backup");
}

#[cfg(unix)] // a folder made unwritable by mode bits, run as `nobody`
#[test]
fn failed_write_leaves_no_backup_behind() {
    // Needs a folder the process cannot write: root ignores permissions, so run the
    // binary as `nobody` when we are root, or rely on the mode bits otherwise. The child
    // reads only copies inside the sandbox (CI may clone into a private 0700 folder that
    // `nobody` cannot enter), and the bundle is the child's own, so that the one failure
    // left is the folder it cannot write.
    use crate::attacks_files::{as_nobody, is_root, nobody_home, readable_copy, NOBODY};
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let dir = sb.root().join("ro");
    std::fs::create_dir(&dir).unwrap();
    let bundle = dir.join("cacert.pem");
    std::fs::write(&bundle, test_bundle_bytes()).unwrap();
    std::fs::set_permissions(&bundle, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let input = readable_copy(&sb, &gen("int-good.pem"));
    let args: Vec<&std::ffi::OsStr> = vec![
        "add".as_ref(),
        input.as_os_str(),
        "--bundle".as_ref(),
        bundle.as_os_str(),
        "--at".as_ref(),
        TEST_CLOCK.as_ref(),
    ];
    let (out, home) = if is_root() {
        std::os::unix::fs::lchown(&bundle, Some(NOBODY), Some(NOBODY)).unwrap();
        let home = nobody_home(&sb);
        let Some(out) = as_nobody(&sb, &home, &args) else {
            return;
        };
        (out, home)
    } else {
        let home = sb.root().join("home-mine");
        let out = sb
            .std_cmd()
            .env("CERTPATCH_HOME", &home)
            .args(&args)
            .run_output()
            .unwrap();
        (out, home)
    };
    assert_exit(&out, 1, "add into a read-only folder");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "cannot create a temporary file beside `{}`",
            bundle.display()
        )) && err.contains("Permission denied"),
        "{err}"
    );
    assert_eq!(read(&bundle), test_bundle_bytes(), "bundle unchanged");
    assert!(
        !home.join("backups").exists() || files_under(&home.join("backups")).is_empty(),
        "a backup was left for a write that failed: {:?}",
        files_under(&home)
    );
}

#[test]
fn find_json_still_warns_about_overrides_on_stderr() {
    let sb = Sandbox::new();
    let empty = sb.root().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = sb
        .cmd()
        .env("REQUESTS_CA_BUNDLE", "/somewhere/else.pem")
        .args(["find", "--json", "--root"])
        .arg(&empty)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "find --json --root EMPTY");
    assert_eq!(json(&out)["bundles"], serde_json::json!([]));
    assert!(
        stderr(&out).contains("REQUESTS_CA_BUNDLE"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bundle_in_the_system_store_is_refused_with_update_ca_certificates() {
    // CERTPATCH_HOST_ROOT moves /etc/ssl into the sandbox, so the real store is never named.
    let sb = Sandbox::new();
    let host = sb.root().join("host");
    let store = host.join("etc/ssl/certs/ca-certificates.crt");
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    std::fs::write(&store, test_bundle_bytes()).unwrap();
    let out = sb
        .cmd()
        .env("CERTPATCH_HOST_ROOT", &host)
        .arg("add")
        .arg(gen("int-good.pem"))
        .arg("--bundle")
        .arg(&store)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "add to the system store");
    assert!(
        stderr(&out).contains("update-ca-certificates"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&store), test_bundle_bytes(), "system store unchanged");
}

#[test]
fn sandbox_without_targets_cannot_reach_a_real_environment() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("list").run_output().unwrap();
    assert_exit(&out, 1, "list with no target in the sandbox");
    assert!(stderr(&out).contains("--bundle"), "{}", stderr(&out));
}

#[test]
fn restore_dry_run_shows_the_patches_and_touches_nothing() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let patched = read(&bundle);
    // A temporary file as a killed run leaves it: only a real write may clean it up.
    let stale = sb.bundle_dir().join(".cacert.pem.certpatch-XYZ.tmp");
    std::fs::write(&stale, b"partial").unwrap();
    let out = sb.restore(&bundle, &["--dry-run"]);
    assert_exit(&out, 0, "restore --dry-run");
    assert!(stdout(&out).contains("-# certpatch:"), "{}", stdout(&out));
    assert_file_is(&bundle, &patched, "restore --dry-run");
    assert!(stale.exists(), "a dry run must not delete anything");
}

#[test]
fn hand_written_marker_line_just_above_a_patch_is_not_swallowed_by_remove() {
    // Found by the bundle property test: a bundle whose last line is a hand-written
    // `# certpatch:` comment without a final newline; after the first of two patches was
    // removed, that comment sat right above the second patch and was taken for its start.
    let sb = Sandbox::new();
    let mut original = test_bundle_bytes();
    original.extend_from_slice(b"# certpatch: note to self, not a patch");
    let bundle = sb.write_bundle("cacert.pem", &original);
    sb.add_ok(gen("int-01.pem"), &bundle, &[]);
    sb.add_ok(gen("int-02.pem"), &bundle, &[]);
    let first = fp(&gen("int-01.pem"));
    assert_exit(&sb.remove(&bundle, &[&first]), 0, "remove the first patch");
    let second = fp(&gen("int-02.pem"));
    assert_exit(
        &sb.remove(&bundle, &[&second]),
        0,
        "remove the second patch",
    );
    assert_file_is(&bundle, &original, "hand-written marker kept, bytes exact");
}

#[test]
fn partial_success_says_how_many_bundles_were_patched_and_exits_1() {
    let sb = Sandbox::new();
    let with_root = sb.test_bundle();
    let without_root = sb.copy_bundle(&real(CERTIFI), "pip.pem");
    let out = sb
        .cmd()
        .arg("add")
        .arg(gen("int-good.pem"))
        .arg("--bundle")
        .arg(&with_root)
        .arg("--bundle")
        .arg(&without_root)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "one bundle patched, one refused");
    let text = stdout(&out);
    assert!(text.contains("to 1 of 2 bundle(s)"), "{text}");
    assert!(text.contains("1 bundle(s) refused"), "{text}");
    assert_eq!(
        read(&without_root),
        read(real(CERTIFI)),
        "refused bundle unchanged"
    );
    assert_eq!(patch_count(&read(&with_root)), 1);
}

#[test]
fn remove_after_blank_lines_were_stripped_keeps_every_certificate_loadable() {
    // `sed -i '/^$/d'` on a patched bundle: removing the first patch used to join the
    // previous certificate's END line with the next patch's first line.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    for c in ["int-good.pem", "int-01.pem", "int-02.pem"] {
        sb.add_ok(gen(c), &bundle, &["-q"]);
    }
    let text = String::from_utf8(read(&bundle)).unwrap();
    let stripped: String = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&bundle, &stripped).unwrap();
    let out = sb.remove(&bundle, &[&fp(&gen("int-good.pem"))]);
    assert_exit(&out, 0, "remove after stripping blank lines");
    let now = String::from_utf8(read(&bundle)).unwrap();
    assert!(!now.contains("-----# certpatch"), "lines were joined");
    assert_eq!(
        sb.listed_patches(&bundle).len(),
        2,
        "the other patches are intact"
    );
    assert_eq!(
        cert_count(now.as_bytes()),
        cert_count(stripped.as_bytes()) - 1
    );
}

#[test]
fn hand_written_certpatch_comment_above_a_root_is_not_removed() {
    let sb = Sandbox::new();
    let mut bytes = read(real(CERTIFI));
    bytes.extend_from_slice(b"\n# certpatch: pinned by ops\n");
    bytes.extend(read(gen("test-root.pem")));
    let bundle = sb.write_bundle("cacert.pem", &bytes);
    assert!(sb.listed_patches(&bundle).is_empty(), "not a patch");
    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all with no patch");
    assert_file_is(&bundle, &bytes, "the root stays");
}

#[cfg(unix)] // FIFOs and symbolic links
#[test]
fn output_onto_a_fifo_folder_dash_or_link_is_refused() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let fifo = sb.root().join("pipe");
    make_fifo(&fifo);
    let folder = sb.root().join("folder");
    std::fs::create_dir(&folder).unwrap();
    let refused = vec![folder.clone(), std::path::PathBuf::from("-"), fifo.clone()];
    for out in &refused {
        let res = sb.add(
            gen("int-good.pem"),
            &bundle,
            &["--output", out.to_str().unwrap()],
        );
        assert_exit(&res, 2, &format!("--output {}", out.display()));
    }
    {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
    }
    assert!(folder.is_dir());
    // A symlink to a file is refused, never followed (see attacks_files.rs): the file
    // and the link stay as they are.
    let target = sb.file("copy.pem", b"old");
    let link = sb.root().join("copy-link.pem");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let res = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--output", link.to_str().unwrap()],
    );
    assert_exit(&res, 1, "--output onto a symlink");
    assert!(
        stderr(&res).contains("is a symbolic link"),
        "{}",
        stderr(&res)
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read(&target), b"old");
}

#[test]
fn restore_after_remove_all_and_an_upgrade_does_not_downgrade() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &["-q"]);
    assert_exit(&sb.remove(&bundle, &["--all", "-q"]), 0, "remove --all");
    // certifi is upgraded: a different bundle.
    let upgraded = read(gen("bundle-foreign-text.pem"));
    std::fs::write(&bundle, &upgraded).unwrap();
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore with nothing of certpatch's in the bundle");
    assert_file_is(&bundle, &upgraded, "no downgrade");
}

#[cfg(unix)] // Unix modes (Windows: a protected DACL, docs/design.md)
#[test]
fn backups_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &["-q"]);
    for f in files_under(&sb.home()) {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} is mode {mode:o}", f.display());
    }
    let backups = sb.home().join("backups");
    let mode = std::fs::metadata(&backups).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "backups folder mode {mode:o}");
}

#[cfg(unix)] // a FIFO (Windows has none in the file system)
#[test]
fn find_root_does_not_hang_on_a_fifo_named_cacert_pem() {
    let sb = Sandbox::new();
    let root = sb.root().join("tree/pkg");
    std::fs::create_dir_all(&root).unwrap();
    let fifo = root.join("cacert.pem");
    make_fifo(&fifo);
    // The Sandbox command times out after 60 s; a hang fails the test.
    let out = sb
        .cmd()
        .args(["find", "--json", "--root"])
        .arg(sb.root().join("tree"))
        .timeout(std::time::Duration::from_secs(20))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "find --root with a FIFO");
    assert_eq!(json(&out)["bundles"], serde_json::json!([]));
}

#[test]
fn json_usage_errors_are_still_one_json_document() {
    let sb = Sandbox::new();
    for args in [
        vec!["--json", "add", "x.pem", "--at", "garbage"],
        vec!["--json", "frobnicate"],
        vec!["--json", "remove", "--all", "abc"],
    ] {
        let out = sb.cmd().args(&args).run_output().unwrap();
        assert_exit(&out, 2, &format!("{args:?}"));
        let v = json(&out);
        assert_eq!(v["ok"], false, "{v:#}");
        assert_eq!(v["error"]["code"], "usage", "{v:#}");
    }
}

#[test]
fn json_usage_errors_name_the_command_clap_knows() {
    // `command` came from a hand-written list that lacked `status` and `reapply`.
    let sb = Sandbox::new();
    for command in ["status", "reapply", "add", "index"] {
        let out = sb
            .cmd()
            .args(["--json", command, "--bogus"])
            .run_output()
            .unwrap();
        assert_exit(&out, 2, command);
        let v = json(&out);
        assert_eq!(v["command"], command, "{v:#}");
        assert_eq!(v["error"]["code"], "usage", "{v:#}");
    }
}

/// The bundle was read more leniently than OpenSSL reads it: every line was trimmed, so a
/// `-----BEGIN CERTIFICATE-----` indented by a space counted as a certificate of the
/// bundle, though OpenSSL (and so Python) skips the block. `check` and `add` then accepted
/// an intermediate "issued by a root the bundle already trusts", and the patched bundle
/// still failed in Python. The other way round, a UTF-8 byte order mark before the first
/// block (an editor saving "UTF-8 with BOM") hid that certificate from certpatch, though
/// OpenSSL 3 reads it. (OpenSSL 3.0.19 seen loading 0 certificates from the indented
/// block and 1 from the one after a BOM.)
#[test]
fn a_bundle_is_read_as_openssl_reads_it_indented_block_skipped_bom_block_read() {
    let sb = Sandbox::new();
    let certifi = read(real(CERTIFI));
    let root = read(gen("test-root.pem"));
    let indented: Vec<u8> = String::from_utf8(root.clone())
        .unwrap()
        .lines()
        .map(|l| format!(" {l}\n"))
        .collect::<String>()
        .into_bytes();
    let bundle = sb.write_bundle("indented.pem", &[certifi.clone(), indented].concat());
    let out = sb
        .cmd()
        .arg("check")
        .arg(gen("int-good.pem"))
        .arg("--bundle")
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(
        &out,
        1,
        "check against a bundle whose root block is indented",
    );
    assert!(
        stderr(&out).contains("is not in the bundle"),
        "{}",
        stderr(&out)
    );

    let bom = sb.write_bundle(
        "bom.pem",
        &[b"\xEF\xBB\xBF".to_vec(), root, certifi.clone()].concat(),
    );
    // What certpatch now says is what OpenSSL (the library Python's `ssl` loads a bundle
    // with, `SSL_CTX_load_verify_locations`) reads from these very files.
    #[cfg(unix)]
    {
        let loads = |path: &std::path::Path| {
            let mut ctx =
                openssl::ssl::SslContext::builder(openssl::ssl::SslMethod::tls()).unwrap();
            ctx.set_ca_file(path).unwrap();
            ctx.build().cert_store().all_certificates().len()
        };
        let plain = sb.write_bundle("plain.pem", &certifi);
        let n = loads(&plain);
        assert_eq!(loads(&bundle), n, "OpenSSL skips the indented block");
        assert_eq!(loads(&bom), n + 1, "OpenSSL reads the block after the BOM");
    }
    let before = read(&bom);
    let out = sb.add(gen("int-good.pem"), &bom, &[]);
    assert_exit(
        &out,
        0,
        "add to a bundle that starts with a BOM and the root",
    );
    let out = sb
        .cmd()
        .args(["remove", "--all", "--bundle"])
        .arg(&bom)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "remove --all");
    assert_file_is(&bom, &before, "add then remove gives the BOM bundle back");
}

/// Contract sweep: `CERTPATCH_HOME` naming a file gave "cannot check certpatch's state
/// `…/ledger.toml`: Not a directory", naming neither the variable nor a way out. The
/// message names the variable and the path and says to point it at a folder or unset it
/// (`add`, and `status`, which reads config.toml from there).
#[test]
fn certpatch_home_that_is_a_file_names_the_variable_and_the_way_out() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let file = sb.file("home-file", b"");
    for (home, why) in [
        (file.clone(), "which is a file, not a folder"),
        (
            file.join("sub"),
            "which cannot be a folder: a part of that path is a file",
        ),
    ] {
        for args in [
            vec![
                "add",
                gen("int-good.pem").to_str().unwrap(),
                "--at",
                TEST_CLOCK,
            ],
            vec!["status"],
        ] {
            let out = sb
                .cmd()
                .env("CERTPATCH_HOME", &home)
                .args(&args)
                .arg("--bundle")
                .arg(&bundle)
                .run_output()
                .unwrap();
            assert_exit(
                &out,
                1,
                &format!("{args:?} with CERTPATCH_HOME={}", home.display()),
            );
            let err = stderr(&out);
            assert!(
                err.contains(&format!("CERTPATCH_HOME is `{}`, {why}", home.display())),
                "{args:?}: {err}"
            );
            assert!(
                err.contains("point CERTPATCH_HOME at a folder") && err.contains("or unset it"),
                "{args:?}: {err}"
            );
        }
    }
    let out = sb
        .cmd()
        .env("CERTPATCH_HOME", &file)
        .args(["reapply", "--json", "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["error"]["cause"], "no-home", "{doc:#}");
    assert_file_is(&bundle, &test_bundle_bytes(), "the bundle");
    assert_eq!(
        read(&file),
        b"",
        "the file named by CERTPATCH_HOME is left alone"
    );
}

/// Contract sweep: `--output` into a folder that does not exist ended with "refused for
/// 1 of 1 bundle(s)", calling an I/O failure a refusal, and the error named the file,
/// not the missing folder. It names the folder and how to create it, and the summary
/// says the bundle failed with an error.
#[test]
fn output_into_a_missing_folder_names_the_folder_and_is_a_failure_not_a_refusal() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let folder = sb.root().join("no-such-folder");
    let out_file = folder.join("out.pem");
    let out = sb.add(
        gen("int-good.pem"),
        &bundle,
        &["--output", out_file.to_str().unwrap()],
    );
    assert_exit(&out, 1, "--output into a missing folder");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("its folder `{}` does not exist", folder.display()))
            && err.contains("mkdir -p"),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.contains("failed: nothing was written; 1 of 1 bundle(s) failed with an error"),
        "{text}"
    );
    assert!(!text.contains("refused"), "{text}");
    assert_file_is(&bundle, &test_bundle_bytes(), "the bundle");
    assert!(!folder.exists());
}
