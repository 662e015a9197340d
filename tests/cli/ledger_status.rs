//! The ledger, `status` and `reapply`, on copies: a certifi-shaped folder (the package's
//! `METADATA` version and `RECORD` hash written here) whose `cacert.pem` is replaced the way
//! an upgrade or a reinstall replaces it. The real-venv version of the story is in
//! `upgrade_e2e.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;

/// Installs `bytes` as certifi `version` under `<sandbox>/b/site` ([`install_certifi_in`]).
fn install_certifi(sb: &Sandbox, version: &str, bytes: &[u8]) -> PathBuf {
    install_certifi_in(&sb.bundle_dir().join("site"), version, bytes)
}

fn run(sb: &Sandbox, args: &[&str], bundle: &Path) -> std::process::Output {
    sb.cmd()
        .args(args)
        .arg("--bundle")
        .arg(bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap()
}

fn status_json(sb: &Sandbox, bundle: &Path) -> (i32, serde_json::Value) {
    let out = run(sb, &["status", "--json"], bundle);
    (out.status.code().unwrap(), json(&out))
}

#[test]
fn an_upgrade_loses_the_patch_status_names_it_and_reapply_puts_it_back() {
    let sb = Sandbox::new();
    let old = test_bundle_bytes();
    let bundle = install_certifi(&sb, "2024.8.30", &old);
    let (code, doc) = status_json(&sb, &bundle);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["bundles"][0]["state"]["state"], "pristine", "{doc:#}");

    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let (code, doc) = status_json(&sb, &bundle);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["bundles"][0]["state"]["state"], "patched-by-certpatch");
    let ledger = fs::read_to_string(sb.home().join("ledger.toml")).unwrap();
    for field in [
        "version = 1",
        "bundle-sha256 = ",
        "[patch.package]",
        "version = \"2024.8.30\"",
        "pem = ",
        "not-after = ",
    ] {
        assert!(ledger.contains(field), "{field} missing:\n{ledger}");
    }

    // The upgrade: a new certifi, its own file, no patch.
    let mut new = old.clone();
    new.extend_from_slice(b"\n");
    let bundle = install_certifi(&sb, "2026.10.19", &new);
    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 1, "status after the upgrade");
    let text = stdout(&out);
    assert!(
        text.contains("LOST:")
            && text.contains("certpatch Test Intermediate A")
            && text.contains("certifi was upgraded 2024.8.30 → 2026.10.19"),
        "{text}"
    );
    assert!(text.contains("certpatch reapply --bundle"), "{text}");
    let (_, doc) = status_json(&sb, &bundle);
    let lost = &doc["bundles"][0]["lost"][0];
    assert_eq!(lost["sha256"], fp(&gen("int-good.pem")));
    assert_eq!(lost["how"]["how"], "upgraded");
    assert_eq!(lost["how"]["from"], "2024.8.30");

    // --dry-run writes nothing.
    let out = run(&sb, &["reapply", "--dry-run"], &bundle);
    assert_exit(&out, 0, "reapply --dry-run");
    assert_file_is(&bundle, &new, "after reapply --dry-run");

    let out = run(&sb, &["reapply", "--json"], &bundle);
    assert_exit(&out, 0, "reapply");
    let doc = json(&out);
    assert_eq!(doc["command"], "reapply");
    assert_eq!(
        doc["bundles"][0]["certificates"][0]["status"], "reapplied",
        "{doc:#}"
    );
    assert_eq!(count_cert(&read(&bundle), &der(&gen("int-good.pem"))), 1);
    let after = read(&bundle);
    let (code, doc) = status_json(&sb, &bundle);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["bundles"][0]["state"]["state"], "patched-by-certpatch");

    // Idempotent: nothing more to do, nothing written.
    let out = run(&sb, &["reapply"], &bundle);
    assert_exit(&out, 0, "second reapply");
    assert!(
        stdout(&out).contains("nothing to reapply"),
        "{}",
        stdout(&out)
    );
    assert_file_is(&bundle, &after, "after the second reapply");
}

#[test]
fn a_hand_edited_bundle_is_reported_as_edited_by_something_else() {
    let sb = Sandbox::new();
    let bundle = install_certifi(&sb, "2026.10.19", &test_bundle_bytes());
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    // Someone appends a certificate by hand, without certpatch.
    let mut bytes = read(&bundle);
    bytes.extend_from_slice(&read(gen("int-02.pem")));
    fs::write(&bundle, &bytes).unwrap();
    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 1, "status of a hand-edited bundle");
    let text = stdout(&out);
    assert!(
        text.contains("edited by something else") && text.contains("RECORD"),
        "{text}"
    );
    assert!(
        text.contains("pip install --force-reinstall certifi"),
        "{text}"
    );
    let (_, doc) = status_json(&sb, &bundle);
    assert_eq!(doc["bundles"][0]["state"]["state"], "edited");
    assert_file_is(&bundle, &bytes, "status writes nothing");
}

#[test]
fn reapply_refuses_an_expired_patch_and_one_whose_issuer_left_certifi_and_says_why() {
    let sb = Sandbox::new();
    let bundle = install_certifi(&sb, "2026.10.19", &test_bundle_bytes());
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    // Reinstalled: the same version's own file is back.
    let bundle = install_certifi(&sb, "2026.10.19", &test_bundle_bytes());
    let (_, doc) = status_json(&sb, &bundle);
    assert_eq!(doc["bundles"][0]["lost"][0]["how"]["how"], "reinstalled");
    // At a time after the certificate expired (2035-01-01): refused, saying so.
    let out = sb
        .cmd()
        .args(["reapply", "--bundle"])
        .arg(&bundle)
        .args(["--at", "2036-01-01T00:00:00Z"])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "reapply of an expired certificate");
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
    assert_file_is(
        &bundle,
        &test_bundle_bytes(),
        "an expired patch is not put back",
    );

    // A new certifi without the test root: the issuer left, so the intermediate cannot chain.
    let certifi_only = read(real(CERTIFI));
    let bundle = install_certifi(&sb, "2027.1.1", &certifi_only);
    let out = run(&sb, &["reapply", "--json"], &bundle);
    assert_exit(&out, 1, "reapply without the issuer");
    let doc = json(&out);
    let c = &doc["bundles"][0]["certificates"][0];
    assert_eq!(c["status"], "refused", "{doc:#}");
    let reasons = c["reasons"].to_string();
    assert!(
        reasons.contains("issuer-missing") && reasons.contains("left certifi"),
        "{reasons}"
    );
    assert_file_is(&bundle, &certifi_only, "nothing written");
}

#[test]
fn a_kept_certificate_from_config_toml_is_added_where_missing_unless_expired() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    fs::create_dir_all(sb.home()).unwrap();
    fs::write(
        sb.home().join("config.toml"),
        format!(
            "# kept everywhere\nkeep = [{:?}, {:?}]\n",
            gen("int-good.pem").display().to_string(),
            gen("int-expired.pem").display().to_string()
        ),
    )
    .unwrap();
    let out = run(&sb, &["reapply", "--json"], &bundle);
    assert_exit(&out, 1, "one kept certificate is expired");
    let doc = json(&out);
    let statuses: Vec<String> = doc["bundles"][0]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["why"].as_str().unwrap(),
                c["status"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(statuses, ["kept reapplied", "kept refused"], "{doc:#}");
    assert!(
        doc["bundles"][0]["certificates"][1]["reasons"]
            .to_string()
            .contains("expired"),
        "{doc:#}"
    );
    assert_eq!(count_cert(&read(&bundle), &der(&gen("int-good.pem"))), 1);
    assert_eq!(count_cert(&read(&bundle), &der(&gen("int-expired.pem"))), 0);
}

#[test]
fn a_damaged_ledger_is_named_with_its_line_and_list_remove_restore_still_work() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let patched = read(&bundle);
    let ledger = sb.home().join("ledger.toml");
    fs::write(&ledger, "version = 1\n\n[[patch]]\nbundle = 7\n").unwrap();
    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 1, "status with a damaged ledger");
    let err = stderr(&out);
    assert!(err.contains("ledger.toml` is damaged at line 4"), "{err}");
    assert_file_is(&bundle, &patched, "status writes nothing");
    // The markers are the truth: list, remove and restore work.
    assert_eq!(sb.listed_patches(&bundle), vec![fp(&gen("int-good.pem"))]);
    let out = sb.remove(&bundle, &[&fp(&gen("int-good.pem"))]);
    assert_exit(&out, 0, "remove with a damaged ledger");
    assert_file_is(&bundle, &test_bundle_bytes(), "removed from the markers");
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore with a damaged ledger");
    assert_file_is(&bundle, &test_bundle_bytes(), "restored");
    // The damaged ledger is left for the user to look at, not overwritten.
    assert_eq!(
        fs::read_to_string(&ledger).unwrap(),
        "version = 1\n\n[[patch]]\nbundle = 7\n"
    );
}

#[test]
fn a_damaged_config_names_its_line_and_key_and_leaves_bundles_alone() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    fs::create_dir_all(sb.home()).unwrap();
    fs::write(
        sb.home().join("config.toml"),
        "warning-days = 30\nwarning-dayz = 10\n",
    )
    .unwrap();
    for cmd in ["status", "reapply"] {
        let out = run(&sb, &[cmd], &bundle);
        assert_exit(&out, 1, cmd);
        let err = stderr(&out);
        assert!(
            err.contains("config.toml` is not valid at line 2, key `warning-dayz`"),
            "{cmd}: {err}"
        );
    }
    fs::write(sb.home().join("config.toml"), "warning-days = \"soon\"\n").unwrap();
    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 1, "status with a wrong type");
    assert!(
        stderr(&out).contains("line 1, key `warning-days`"),
        "{}",
        stderr(&out)
    );
    // Commands that do not need it work; the bundle is untouched.
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    assert_eq!(sb.listed_patches(&bundle), vec![fp(&gen("int-good.pem"))]);
    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all");
    assert_file_is(&bundle, &test_bundle_bytes(), "after remove");
}

#[test]
fn a_newer_ledger_with_unknown_fields_reads_fine_and_keeps_them() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let ledger = sb.home().join("ledger.toml");
    let text = fs::read_to_string(&ledger).unwrap();
    let newer = text.replace("version = 1\n", "version = 2\nsynced-to = \"nas\"\n")
        + "\n[[patch]]\nbundle = \"/elsewhere/cacert.pem\"\nsha256 = \"00\"\npem = \"\"\nsigned-by = \"a newer certpatch\"\n";
    fs::write(&ledger, &newer).unwrap();
    // The patch is lost (the file replaced); a newer ledger still tells it.
    fs::write(&bundle, test_bundle_bytes()).unwrap();
    let out = run(&sb, &["status", "--json"], &bundle);
    assert_exit(&out, 1, "status: one lost patch");
    let doc = json(&out);
    assert_eq!(doc["ledger_error"], serde_json::Value::Null, "{doc:#}");
    assert_eq!(
        doc["bundles"][0]["lost"][0]["sha256"],
        fp(&gen("int-good.pem"))
    );
    let out = run(&sb, &["reapply"], &bundle);
    assert_exit(&out, 0, "reapply with a newer ledger");
    let after = fs::read_to_string(&ledger).unwrap();
    for kept in [
        "version = 2",
        "synced-to = \"nas\"",
        "signed-by = \"a newer certpatch\"",
    ] {
        assert!(after.contains(kept), "{kept} lost:\n{after}");
    }
}

#[test]
fn status_warns_about_a_patched_certificate_expiring_within_the_configured_window() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    // int-good expires 2035-01-01: 20 days before, inside the default 30-day window.
    let at = ["--at", "2034-12-12T00:00:00Z"];
    let out = sb
        .cmd()
        .args(["status", "--bundle"])
        .arg(&bundle)
        .args(at)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "status 20 days before expiry");
    assert!(
        stdout(&out).contains("expires in 20 day(s)"),
        "{}",
        stdout(&out)
    );
    // A 10-day window: all is well.
    fs::write(sb.home().join("config.toml"), "warning-days = 10\n").unwrap();
    let out = sb
        .cmd()
        .args(["status", "--bundle"])
        .arg(&bundle)
        .args(at)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "status with a 10-day window");
    assert!(stdout(&out).contains("config.toml"), "{}", stdout(&out));
}

#[test]
fn list_mentions_lost_patches_and_remove_of_a_lost_patch_says_it_is_gone_and_forgets_it() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    fs::write(&bundle, test_bundle_bytes()).unwrap(); // replaced: the patch is lost
    let out = run(&sb, &["list"], &bundle);
    assert_exit(&out, 0, "list");
    let err = stderr(&out);
    assert!(
        err.contains("1 recorded patch(es) no longer in this bundle")
            && err.contains("certpatch status")
            && err.contains("certpatch reapply"),
        "{err}"
    );
    assert_eq!(
        sb.list_json(&bundle)["bundles"][0]["lost"][0]["sha256"],
        fp(&gen("int-good.pem"))
    );
    // remove of the lost patch: not an error; it is dropped from the ledger.
    let sha = fp(&gen("int-good.pem"));
    let out = sb.remove(&bundle, &[&sha[..12], "--dry-run"]);
    assert_exit(&out, 0, "remove --dry-run of a lost patch");
    assert!(
        stdout(&out).contains("would be dropped"),
        "{}",
        stdout(&out)
    );
    assert!(fs::read_to_string(sb.home().join("ledger.toml"))
        .unwrap()
        .contains(&sha));
    let out = sb.remove(&bundle, &[&sha[..12]]);
    assert_exit(&out, 0, "remove of a lost patch");
    assert!(stdout(&out).contains("already gone"), "{}", stdout(&out));
    assert!(!fs::read_to_string(sb.home().join("ledger.toml"))
        .unwrap()
        .contains(&sha));
    assert_file_is(
        &bundle,
        &test_bundle_bytes(),
        "remove of a lost patch writes nothing",
    );
    let (code, _) = status_json(&sb, &bundle);
    assert_eq!(code, 0, "nothing lost any more");
}

/// `check` and `add` report what `status` reports: `PIP_CERT` makes a pip before 24.2
/// ignore its vendored bundle, but not pip 24.2+ (truststore loads the bundle anyway).
#[test]
fn check_warns_about_pip_cert_only_for_a_pip_before_24_2() {
    let sb = Sandbox::new();
    for (version, warned) in [("23.2.1", true), ("24.3.1", false)] {
        let site = sb
            .bundle_dir()
            .join(format!("v{version}/lib/python3.11/site-packages"));
        let bundle = site.join("pip/_vendor/certifi/cacert.pem");
        fs::create_dir_all(bundle.parent().unwrap()).unwrap();
        fs::write(&bundle, test_bundle_bytes()).unwrap();
        fs::create_dir_all(site.join(format!("pip-{version}.dist-info"))).unwrap();
        fs::write(
            site.join(format!("pip-{version}.dist-info/METADATA")),
            format!("Name: pip\nVersion: {version}\n"),
        )
        .unwrap();
        for cmd in ["check", "status"] {
            let mut c = sb.cmd();
            c.env("PIP_CERT", "/elsewhere.pem").arg(cmd);
            if cmd == "check" {
                c.arg(gen("int-good.pem"));
            }
            let out = c
                .arg("--bundle")
                .arg(&bundle)
                .args(["--at", TEST_CLOCK])
                .run_output()
                .unwrap();
            let text = format!("{}{}", stdout(&out), stderr(&out));
            assert_eq!(
                text.contains("PIP_CERT"),
                warned,
                "{cmd} with pip {version}:\n{text}"
            );
            if warned {
                assert!(
                    text.contains(&format!("pip {version}, before 24.2")),
                    "{text}"
                );
            }
        }
    }
}

/// `[default-targets]` is what a command acts on when no target flag is given.
#[test]
fn default_targets_from_config_toml_apply_when_no_target_is_named() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    fs::create_dir_all(sb.home()).unwrap();
    fs::write(
        sb.home().join("config.toml"),
        format!(
            "[default-targets]\nbundles = [{:?}]\n",
            bundle.display().to_string()
        ),
    )
    .unwrap();
    let out = sb
        .cmd()
        .args(["add", "--at", TEST_CLOCK])
        .arg(gen("int-good.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "add with the configured default target");
    assert_eq!(count_cert(&read(&bundle), &der(&gen("int-good.pem"))), 1);
    let out = sb.cmd().args(["status", "--json"]).run_output().unwrap();
    assert_exit(&out, 0, "status with the configured default target");
    let doc = json(&out);
    assert_eq!(
        doc["bundles"][0]["present"][0]["sha256"],
        fp(&gen("int-good.pem"))
    );
    assert!(doc["config"].as_str().unwrap().ends_with("config.toml"));
}

/// A setting that is not an environment variable (`cert =` in the pip.conf that
/// PIP_CONFIG_FILE names) also keeps `add` from promising "retry the failing request now":
/// pip before 24.2 reads that file, not the patched vendored bundle.
#[test]
fn add_does_not_say_retry_now_when_a_pip_conf_setting_redirects_pip() {
    let sb = Sandbox::new();
    let site = sb.bundle_dir().join("v/lib/python3.11/site-packages");
    let bundle = site.join("pip/_vendor/certifi/cacert.pem");
    fs::create_dir_all(bundle.parent().unwrap()).unwrap();
    fs::write(&bundle, test_bundle_bytes()).unwrap();
    fs::create_dir_all(site.join("pip-23.2.1.dist-info")).unwrap();
    fs::write(
        site.join("pip-23.2.1.dist-info/METADATA"),
        "Name: pip\nVersion: 23.2.1\n",
    )
    .unwrap();
    let conf = sb.file("pip.conf", b"[global]\ncert = /elsewhere.pem\n");
    let out = sb
        .cmd()
        .env("PIP_CONFIG_FILE", &conf)
        .arg("add")
        .arg(gen("int-good.pem"))
        .arg("--bundle")
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "add with a pip.conf cert setting");
    assert!(stderr(&out).contains("pip.conf"), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("retry the failing request now"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("unset the variables or settings named above"),
        "{}",
        stdout(&out)
    );
}

/// Regression (issue 17): `reapply` recorded the patch again without its package, so the
/// next upgrade was "the file was replaced" instead of "certifi was upgraded B → C".
#[test]
fn after_reapply_the_next_upgrade_is_still_named_with_both_versions() {
    let sb = Sandbox::new();
    let old = test_bundle_bytes();
    let bundle = install_certifi(&sb, "2024.8.30", &old);
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let mut b = old.clone();
    b.extend_from_slice(b"\n");
    let bundle = install_certifi(&sb, "2025.1.31", &b);
    assert_exit(&run(&sb, &["reapply"], &bundle), 0, "reapply");
    let ledger = fs::read_to_string(sb.home().join("ledger.toml")).unwrap();
    assert!(ledger.contains("version = \"2025.1.31\""), "{ledger}");
    b.extend_from_slice(b"\n");
    let bundle = install_certifi(&sb, "2026.10.19", &b);
    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 1, "status after the second upgrade");
    assert!(
        stdout(&out).contains("certifi was upgraded 2025.1.31 → 2026.10.19"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_downgrade_is_called_a_downgrade() {
    let sb = Sandbox::new();
    let old = test_bundle_bytes();
    let bundle = install_certifi(&sb, "2026.10.19", &old);
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let mut b = old.clone();
    b.extend_from_slice(b"\n");
    let bundle = install_certifi(&sb, "2024.8.30", &b);
    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 1, "status after the downgrade");
    assert!(
        stdout(&out).contains("certifi was downgraded 2026.10.19 → 2024.8.30"),
        "{}",
        stdout(&out)
    );
    let (_, doc) = status_json(&sb, &bundle);
    assert_eq!(
        doc["bundles"][0]["lost"][0]["how"]["how"], "downgraded",
        "{doc:#}"
    );
}

/// The manual recipe's trap (issue 17): a root pasted by hand, then a certpatch patch it
/// issues. `status` must not advise the reinstall that would drop the root; `adopt`
/// makes the pasted root a tracked patch, and an upgrade then reapplies both.
#[test]
fn a_hand_pasted_root_is_adopted_tracked_and_reapplied_after_an_upgrade() {
    let sb = Sandbox::new();
    let package_file = read(real(CERTIFI));
    let bundle = install_certifi(&sb, "2024.8.30", &package_file);
    let mut edited = package_file.clone();
    edited.extend(b"\n# our root, pasted by hand\n");
    edited.extend(read(gen("test-root.pem")));
    fs::write(&bundle, &edited).unwrap();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);

    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 1, "status of a hand-edited bundle");
    let text = stdout(&out);
    assert!(
        text.contains("certpatch adopt --allow-root --bundle"),
        "{text}"
    );
    assert!(text.contains("--allow-root"), "{text}");
    assert!(!text.contains("force-reinstall"), "{text}");

    let before = read(&bundle);
    let out = run(&sb, &["adopt"], &bundle);
    assert_exit(&out, 1, "adopt of a root without --allow-root");
    assert!(stderr(&out).contains("--allow-root"), "{}", stderr(&out));
    assert_eq!(read(&bundle), before, "a refused adopt writes nothing");
    let out = run(&sb, &["adopt", "--allow-root"], &bundle);
    assert_exit(&out, 0, "adopt --allow-root");
    let out = run(&sb, &["status"], &bundle);
    assert_exit(&out, 0, "status after adopt");
    assert!(
        stdout(&out).contains("patched only by certpatch"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        sb.listed_patches(&bundle).len(),
        2,
        "the root and the intermediate"
    );
    let out = run(&sb, &["adopt", "--allow-root"], &bundle);
    assert_exit(&out, 0, "adopt again");
    assert!(
        stdout(&out).contains("nothing to adopt"),
        "{}",
        stdout(&out)
    );

    // An upgrade loses both; reapply puts the root back first, then its intermediate.
    let mut newer = package_file.clone();
    newer.extend_from_slice(b"\n");
    let bundle = install_certifi(&sb, "2026.10.19", &newer);
    let out = run(&sb, &["reapply"], &bundle);
    assert_exit(&out, 0, "reapply after the upgrade");
    assert_eq!(sb.listed_patches(&bundle).len(), 2, "{}", stdout(&out));
    assert_exit(&run(&sb, &["status"], &bundle), 0, "status after reapply");
    // And the undo gives back the new package's own file.
    assert_exit(&run(&sb, &["remove", "--all"], &bundle), 0, "remove --all");
    assert_eq!(read(&bundle), newer);
}

#[test]
fn a_change_inside_the_package_file_is_not_adopted() {
    let sb = Sandbox::new();
    let package_file = test_bundle_bytes();
    let bundle = install_certifi(&sb, "2024.8.30", &package_file);
    let inner = package_file[64..].to_vec();
    fs::write(&bundle, &inner).unwrap();
    let out = run(&sb, &["adopt", "--allow-root"], &bundle);
    assert_exit(&out, 1, "adopt of an inner edit");
    assert!(
        stderr(&out).contains("not whole at its start"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&bundle), inner);
}

#[test]
fn status_json_next_is_argv_with_a_description() {
    let sb = Sandbox::new();
    let bundle = install_certifi(&sb, "2024.8.30", &test_bundle_bytes());
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let mut new = test_bundle_bytes();
    new.extend_from_slice(b"\n");
    let bundle = install_certifi(&sb, "2026.10.19", &new);
    let (code, doc) = status_json(&sb, &bundle);
    assert_eq!(code, 1);
    let next = &doc["next"][0];
    let argv: Vec<&str> = next["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(argv[..3], ["certpatch", "reapply", "--bundle"], "{doc:#}");
    // Compared as paths: the test joins `certifi/cacert.pem` with `/`, Windows prints `\`.
    assert_eq!(Path::new(argv[3]), bundle, "{doc:#}");
    assert!(
        next["description"].as_str().unwrap().contains("upgrade"),
        "{doc:#}"
    );
    // The argv runs as it is.
    let out = sb
        .cmd()
        .args(&argv[1..])
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "the next step, run from its argv");
}

/// Regression (contract sweep): `adopt` of a plain copy of a bundle (no package records
/// its hash) said why it adopted nothing but not what to do. It names the way out: adopt
/// the bundle in its package, or move the pasted certificates into a file and `add` it.
#[test]
fn adopt_of_a_plain_copy_says_what_to_do() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = run(&sb, &["adopt"], &bundle);
    assert_exit(&out, 1, "adopt of a plain copy");
    let err = stderr(&out);
    assert!(err.contains("no package records this file's hash"), "{err}");
    assert!(
        err.contains("hint: adopt works on a bundle inside its installed package")
            && err.contains("certpatch add FILE --bundle"),
        "{err}"
    );
    assert_eq!(read(&bundle), before);
}
