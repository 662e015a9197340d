//! Accepted with a warning, or nothing to do: already present, a redundant cross-signed
//! twin, expiring soon, traits Python 3.13's strict verification rejects.

use crate::common::*;

#[test]
fn already_present_is_exit_0_and_bundle_unchanged() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let once = read(&bundle);

    let again = sb.add(gen("int-good.pem"), &bundle, &["--json"]);
    assert_exit(&again, 0, "add the same certificate again");
    let v = json(&again);
    assert_eq!(v["ok"], true);
    assert_eq!(v["bundles"][0]["status"], "unchanged", "{v:#}");
    assert_eq!(v["bundles"][0]["added"], serde_json::json!([]));
    assert_eq!(
        cert_entry(&v, &fp(&gen("int-good.pem")))["decision"],
        "already-present"
    );
    assert_file_is(&bundle, &once, "already present: nothing written");

    // Same certificate in another encoding: still already present.
    let der = sb.add(gen("int-good.der"), &bundle, &[]);
    assert_exit(&der, 0, "add the DER form of a present certificate");
    assert_file_is(&bundle, &once, "already present (DER): nothing written");
    assert_eq!(sb.listed_patches(&bundle).len(), 1);

    let check = sb
        .cmd()
        .args(["check", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(gen("int-good.pem"))
        .run_output()
        .unwrap();
    assert_exit(&check, 0, "check a present certificate");
    assert_eq!(json(&check)["bundles"][0]["status"], "already-present");
}

#[test]
fn root_already_in_real_bundle_is_exit_0_and_nothing_written() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let before = read(&bundle);
    let out = sb.add(real("isrg-root-x1.pem"), &bundle, &[]);
    assert_exit(&out, 0, "add ISRG Root X1 to a bundle that has it");
    assert_file_is(&bundle, &before, "nothing written");
    assert!(!sb.backups_exist(), "no backup when nothing is written");
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);
}

#[test]
fn partly_present_input_adds_only_the_missing_certificate() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-01.pem"), &bundle, &[]);
    let out = sb.add_ok(gen("multi.pem"), &bundle, &["--json"]);
    let v = json(&out);
    assert_eq!(
        v["bundles"][0]["added"],
        serde_json::json!([fp(&gen("int-02.pem"))])
    );
    let after = read(&bundle);
    assert_eq!(count_cert(&after, &der(&gen("int-01.pem"))), 1);
    assert_eq!(count_cert(&after, &der(&gen("int-02.pem"))), 1);
}

#[test]
fn redundant_twin_is_added_with_a_warning() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let out = sb.add_ok(gen("int-good-twin.pem"), &bundle, &["--json"]);
    let v = json(&out);
    assert_eq!(v["bundles"][0]["status"], "patched", "{v:#}");
    assert!(
        codes(&v, "warnings", 0).contains(&"redundant".to_string()),
        "{v:#}"
    );
    assert_eq!(
        count_cert(&read(&bundle), &der(&gen("int-good-twin.pem"))),
        1
    );
}

#[test]
fn redundant_real_cross_signed_e5_warns() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let first = sb.add_ok(real("le-e5.pem"), &bundle, &["--json"]);
    assert!(
        !codes(&json(&first), "warnings", 0).contains(&"redundant".to_string()),
        "the first E5 is not redundant"
    );
    let out = sb.add_ok(real("le-e5-cross.pem"), &bundle, &["--json"]);
    let v = json(&out);
    assert!(
        codes(&v, "warnings", 0).contains(&"redundant".to_string()),
        "{v:#}"
    );
    // The text form says so too (on stdout or stderr).
    let sb2 = Sandbox::new();
    let b2 = sb2.copy_bundle(&real(CERTIFI), "cacert.pem");
    sb2.add_ok(real("le-e5.pem"), &b2, &[]);
    let text = sb2.add_ok(real("le-e5-cross.pem"), &b2, &[]);
    let all = format!("{}{}", stdout(&text), stderr(&text)).to_lowercase();
    assert!(all.contains("redundant"), "text mentions redundancy: {all}");
}

#[test]
fn expiring_within_30_days_warns_but_is_added() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add_ok(gen("int-expiring.pem"), &bundle, &["--json"]);
    let v = json(&out);
    assert_eq!(v["bundles"][0]["status"], "patched");
    assert!(
        codes(&v, "warnings", 0).contains(&"expires-soon".to_string()),
        "{v:#}"
    );
    // int-good (2035) does not warn.
    let good = sb.add_ok(gen("int-good.pem"), &bundle, &["--json"]);
    assert!(codes(&json(&good), "warnings", 0).is_empty());
}

#[test]
fn python313_strict_traits_warn_but_are_added() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add_ok(gen("int-strict-traits.pem"), &bundle, &["--json"]);
    let v = json(&out);
    assert_eq!(v["bundles"][0]["status"], "patched");
    assert!(
        codes(&v, "warnings", 0).contains(&"python313-strict".to_string()),
        "{v:#}"
    );
    assert_eq!(
        count_cert(&read(&bundle), &der(&gen("int-strict-traits.pem"))),
        1
    );
}

#[test]
fn check_reports_warnings_without_writing() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb
        .cmd()
        .args(["check", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(gen("int-strict-traits.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "check int-strict-traits");
    let v = json(&out);
    assert_eq!(v["bundles"][0]["status"], "acceptable");
    assert!(codes(&v, "warnings", 0).contains(&"python313-strict".to_string()));
    assert_file_is(&bundle, &before, "check writes nothing");
}

#[test]
fn python313_trust_anchor_note_is_given_in_text_and_json() {
    // Issue 2, "Checking": a plain note that on Python 3.13+ an added intermediate becomes a
    // trust anchor in its own right. The text output gives it; so must the JSON document.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let text = sb.add_ok(gen("int-01.pem"), &bundle, &[]);
    let all = format!("{}{}", stdout(&text), stderr(&text));
    assert!(all.contains("3.13"), "text mentions Python 3.13: {all}");

    let out = sb.add_ok(gen("int-02.pem"), &bundle, &["--json"]);
    let v = json(&out);
    assert!(
        v["notes"].to_string().contains("3.13") || v["bundles"].to_string().contains("3.13"),
        "the JSON document carries the Python 3.13 trust-anchor note (in `notes` or a warning): {v:#}"
    );
}

#[test]
fn ca_limited_to_client_auth_warns_about_servers() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add(gen("int-client-eku.pem"), &bundle, &["--json"]);
    assert_exit(&out, 0, "add a clientAuth-only CA");
    let v = json(&out);
    assert!(
        codes(&v, "warnings", 0).contains(&"no-server-auth".to_string()),
        "{v:#}"
    );
    let good = sb.add(gen("int-good.pem"), &bundle, &["--json"]);
    assert!(!codes(&json(&good), "warnings", 0).contains(&"no-server-auth".to_string()));
}

/// A venv whose Python is `version` (from its layout), with `bundle`'s bytes as certifi's
/// bundle and a `bin/python3` that cannot run; the bundle's path.
fn venv_with(
    sb: &Sandbox,
    version: &str,
    bundle: &[u8],
) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = sb.root().join(format!("venv{version}"));
    let sp = dir.join(format!("lib/python{version}/site-packages"));
    std::fs::create_dir_all(sp.join("certifi")).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(
        dir.join("pyvenv.cfg"),
        format!("home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = {version}.1\n"),
    )
    .unwrap();
    std::fs::write(dir.join("bin/python3"), "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(
        dir.join("bin/python3"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(sp.join("certifi/__init__.py"), b"").unwrap();
    std::fs::write(sp.join("certifi/core.py"), b"def where(): ...\n").unwrap();
    let pem = sp.join("certifi/cacert.pem");
    std::fs::write(&pem, bundle).unwrap();
    (dir, pem)
}

#[test]
fn python313_strict_traits_are_refused_for_a_python_313_target_and_added_for_312() {
    // Issue 15: for a target whose Python is 3.13+, an intermediate strict mode rejects is
    // refused with the reason and what works; never "retry the failing request".
    let sb = Sandbox::new();
    let bytes = test_bundle_bytes();
    let (env313, pem313) = venv_with(&sb, "3.13", &bytes);
    let out = sb
        .cmd()
        .args(["add", "--json", "--at", TEST_CLOCK, "--env"])
        .arg(&env313)
        .arg(gen("int-strict-traits.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "add int-strict-traits to a 3.13 venv");
    let v = json(&out);
    let reasons = v["bundles"][0]["certificates"][0]["reasons"].to_string();
    assert!(reasons.contains("python313-strict"), "{v:#}");
    assert!(
        reasons.contains("VERIFY_X509_STRICT") && reasons.contains("re-issued"),
        "{v:#}"
    );
    assert!(!stdout(&out).contains("retry"), "{}", stdout(&out));
    assert_file_is(
        &pem313,
        &bytes,
        "refused: the 3.13 venv's bundle is unchanged",
    );

    // The same certificate for a Python 3.12 venv: added, with the warning.
    let (env312, pem312) = venv_with(&sb, "3.12", &bytes);
    let out = sb
        .cmd()
        .args(["add", "--json", "--at", TEST_CLOCK, "--env"])
        .arg(&env312)
        .arg(gen("int-strict-traits.pem"))
        .run_output()
        .unwrap();
    let v = json(&out);
    assert!(
        v["bundles"][0]["certificates"][0]["warnings"]
            .to_string()
            .contains("python313-strict"),
        "{v:#}"
    );
    assert_eq!(
        count_cert(&read(&pem312), &der(&gen("int-strict-traits.pem"))),
        1
    );
}

#[test]
fn python313_strict_traits_for_an_unknown_python_say_what_still_fails_not_a_bare_retry() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add_ok(gen("int-strict-traits.pem"), &bundle, &[]);
    let text = stdout(&out);
    assert!(!text.contains("retry the failing request now"), "{text}");
    assert!(
        text.contains("on Python 3.13+ chains through it still fail"),
        "{text}"
    );
}
