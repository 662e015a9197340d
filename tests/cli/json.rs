//! `--json`: one parseable document per run, stable keys, fingerprints as lowercase hex
//! without colons under `sha256` (checked on every document by `common::json`).

use serde_json::Value;

use crate::common::*;

fn assert_cert_facts(c: &Value) {
    for key in [
        "sha256",
        "subject",
        "issuer",
        "label",
        "serial",
        "not_before",
        "not_after",
    ] {
        assert!(
            c[key].is_string(),
            "certificate fact `{key}` missing in {c:#}"
        );
    }
}

fn assert_target(t: &Value, bundle: &std::path::Path) {
    for key in ["path", "kind", "environment", "via"] {
        assert!(t.get(key).is_some(), "target key `{key}` missing in {t:#}");
    }
    assert_eq!(
        dunce::canonicalize(t["path"].as_str().unwrap()).unwrap(),
        dunce::canonicalize(bundle).unwrap()
    );
}

#[test]
fn check_json_shape() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb
        .cmd()
        .args(["check", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(gen("chain-sub-and-int.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "check --json");
    let v = json(&out);
    assert_eq!(v["command"], "check");
    assert_eq!(v["ok"], true);
    assert!(v["notes"].is_array());
    assert!(v["input"]["source"].is_string());
    let certs = v["input"]["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    certs.iter().for_each(assert_cert_facts);
    let mut got: Vec<&str> = certs
        .iter()
        .map(|c| c["sha256"].as_str().unwrap())
        .collect();
    got.sort();
    let mut want = vec![fp(&gen("sub-int.pem")), fp(&gen("int-good.pem"))];
    want.sort();
    assert_eq!(got, want, "input fingerprints match the DER");

    let b = &v["bundles"][0];
    assert_target(&b["target"], &bundle);
    assert_eq!(b["status"], "acceptable");
    for c in b["certificates"].as_array().unwrap() {
        assert_cert_facts(c);
        assert_eq!(c["decision"], "add");
        assert!(c["reasons"].as_array().unwrap().is_empty());
        assert!(c["warnings"].is_array());
    }
}

#[test]
fn add_json_shape_and_fingerprints() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let out = sb.add_ok(real("le-r10.pem"), &bundle, &["--json"]);
    let v = json(&out);
    assert_eq!(v["command"], "add");
    assert_eq!(v["ok"], true);
    assert_eq!(v["dry_run"], false);
    let b = &v["bundles"][0];
    assert_target(&b["target"], &bundle);
    assert_eq!(b["status"], "patched");
    let r10 = fp(&real("le-r10.pem"));
    assert_eq!(
        r10, "9d7c3f1aa6ad2b2ec0d5cf1e246f8d9ae6cbc9fd0755ad37bb974b1f2fb603f3",
        "R10's published fingerprint"
    );
    assert_eq!(b["added"], serde_json::json!([r10]));
    let c = cert_entry(&v, &r10);
    assert_cert_facts(c);
    assert_eq!(c["decision"], "add");
    assert_eq!(c["label"], "R10");
    assert_eq!(c["not_after"], "2027-03-12T23:59:59Z");
    let backup = b["backup"].as_str().expect("backup path");
    assert!(
        std::path::Path::new(backup).starts_with(sb.home()),
        "backup {backup} under CERTPATCH_HOME"
    );
    assert_file_is(
        std::path::Path::new(backup),
        &read(real(CERTIFI)),
        "backup is pristine",
    );
    assert!(b.get("output").is_some());
}

#[test]
fn list_json_shape() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    sb.add_ok(real("le-r10.pem"), &bundle, &[]);
    let v = sb.list_json(&bundle);
    assert_eq!(v["command"], "list");
    assert_eq!(v["ok"], true);
    let b = &v["bundles"][0];
    for key in ["path", "kind", "environment", "via"] {
        assert!(b.get(key).is_some(), "`{key}` in {b:#}");
    }
    assert_eq!(
        b["certificates"].as_u64().unwrap() as usize,
        cert_count(&read(&bundle)),
        "certificate count"
    );
    let patches = b["patches"].as_array().unwrap();
    assert_eq!(patches.len(), 2);
    for p in patches {
        assert_cert_facts(p);
        assert!(p["added"].is_string(), "{p:#}");
        assert!(p["source"].is_string(), "{p:#}");
    }
    let shas: Vec<&str> = patches
        .iter()
        .map(|p| p["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(
        shas,
        vec![fp(&gen("int-good.pem")), fp(&real("le-r10.pem"))]
    );
    assert_eq!(patches[0]["source"], "int-good.pem");
}

#[test]
fn list_json_of_unpatched_bundle_has_no_patches() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(PIP_VENDORED), "cacert.pem");
    let v = sb.list_json(&bundle);
    assert_eq!(v["bundles"][0]["patches"], serde_json::json!([]));
    assert_eq!(
        v["bundles"][0]["certificates"].as_u64().unwrap() as usize,
        cert_count(&read(real(PIP_VENDORED)))
    );
}

#[test]
fn remove_json_statuses() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let sha = fp(&gen("int-good.pem"));

    let out = sb.remove(&bundle, &["--json", &sha]);
    assert_exit(&out, 0, "remove --json");
    let v = json(&out);
    assert_eq!(v["command"], "remove");
    assert_eq!(v["ok"], true);
    assert_eq!(v["bundles"][0]["status"], "removed", "{v:#}");
    assert!(
        v["bundles"][0]["removed"].to_string().contains(&sha),
        "{v:#}"
    );

    let out = sb.remove(&bundle, &["--json", "--all"]);
    assert_exit(&out, 0, "remove --json --all with nothing left");
    assert_eq!(json(&out)["bundles"][0]["status"], "unchanged");
}

#[test]
fn restore_json_parses() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let out = sb.restore(&bundle, &["--json"]);
    assert_exit(&out, 0, "restore --json");
    let v = json(&out);
    assert_eq!(v["command"], "restore");
    assert_eq!(v["ok"], true);
    assert_file_is(&bundle, &test_bundle_bytes(), "restored");
}

#[test]
fn json_is_the_only_thing_on_stdout_even_when_refused() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    for file in [
        gen("int-expired.pem"),
        gen("with-key.pem"),
        gen("truncated.pem"),
        gen("int-good.pem"),
        gen("int-good.pem"),
    ] {
        let out = sb.add(&file, &bundle, &["--json"]);
        let v = json(&out);
        assert!(v.is_object());
        assert_eq!(
            v["ok"],
            out.status.success(),
            "ok matches the exit code: {v:#}"
        );
    }
}

#[test]
fn find_json_is_one_object_on_success_and_on_failure() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let out = sb
        .cmd()
        .args(["find", "--json", "--root"])
        .arg(sb.bundle_dir())
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "find --json --root");
    let v = json(&out);
    assert_eq!(v["command"], "find", "{v:#}");
    assert_eq!(v["ok"], true, "{v:#}");
    assert!(v["notes"].is_array(), "{v:#}");
    assert!(v["overrides"].is_array(), "{v:#}");
    let items = v["bundles"].as_array().expect("bundles");
    assert_eq!(items.len(), 1, "{v:#}");
    for key in ["path", "kind", "environment", "certificates", "patches"] {
        assert!(items[0].get(key).is_some(), "`{key}` in {v:#}");
    }
    assert_eq!(
        dunce::canonicalize(items[0]["path"].as_str().unwrap()).unwrap(),
        dunce::canonicalize(&bundle).unwrap()
    );
    assert_eq!(items[0]["patches"][0]["sha256"], fp(&gen("int-good.pem")));

    let out = sb
        .cmd()
        .args(["find", "--json", "--root"])
        .arg(sb.root().join("nope"))
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "find --json --root MISSING");
    let v = json(&out);
    assert_eq!(v["command"], "find", "{v:#}");
    assert_eq!(v["ok"], false, "{v:#}");
    assert_eq!(v["bundles"], serde_json::json!([]), "{v:#}");
}

#[test]
fn check_reports_overriding_variables_like_add() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let run = |json: bool| {
        let mut cmd = sb.cmd();
        cmd.env("REQUESTS_CA_BUNDLE", "/somewhere/else.pem")
            .args(["check", "--at", TEST_CLOCK, "--bundle"])
            .arg(&bundle)
            .arg(gen("int-good.pem"));
        if json {
            cmd.arg("--json");
        }
        cmd.run_output().unwrap()
    };
    let out = run(false);
    assert_exit(&out, 0, "check with REQUESTS_CA_BUNDLE");
    let err = stderr(&out);
    assert!(
        err.contains("REQUESTS_CA_BUNDLE=/somewhere/else.pem is set"),
        "{err}"
    );
    assert!(err.contains("unset these variables"), "{err}");
    let out = run(true);
    assert_exit(&out, 0, "check --json with REQUESTS_CA_BUNDLE");
    let v = json(&out);
    assert_eq!(v["overrides"][0]["var"], "REQUESTS_CA_BUNDLE", "{v:#}");
    assert_eq!(v["overrides"][0]["value"], "/somewhere/else.pem", "{v:#}");
    // Without the variable: nothing reported.
    let out = sb
        .cmd()
        .args(["check", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(gen("int-good.pem"))
        .run_output()
        .unwrap();
    assert_eq!(json(&out)["overrides"], serde_json::json!([]));
}

#[cfg(unix)] // an escape character in a file name (Windows file names cannot hold control characters)
#[test]
fn json_keeps_paths_as_data_while_text_escapes_them() {
    let sb = Sandbox::new();
    let bundle = sb.write_bundle("ca\u{1b}[31m\u{202e}.pem", &test_bundle_bytes());
    let out = sb
        .cmd()
        .args(["list", "--json", "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "list --json");
    let v = json(&out);
    let path = v["bundles"][0]["path"].as_str().unwrap();
    assert!(path.ends_with("ca\u{1b}[31m\u{202e}.pem"), "{path:?}");
    // serde writes the control character as \u001b: the document itself holds no ESC byte.
    assert!(!out.stdout.contains(&0x1b));
    let out = sb
        .cmd()
        .args(["list", "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("ca\\x1b[31m\\u{202e}.pem"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text:?}"
    );
}

/// Issue 17: one key for the bundle path in every command; `target.path` stays an alias.
#[test]
fn every_command_names_the_bundle_path_as_path() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let b = bundle.to_str().unwrap();
    let int = gen("int-good.pem");
    let i = int.to_str().unwrap();
    for args in [
        vec!["check", i, "--bundle", b],
        vec!["add", i, "--bundle", b],
        vec!["list", "--bundle", b],
        vec!["status", "--bundle", b],
        vec!["reapply", "--bundle", b],
        vec!["remove", "--all", "--bundle", b, "--dry-run"],
        vec!["restore", "--bundle", b, "--dry-run"],
        vec!["adopt", "--bundle", b, "--dry-run"],
    ] {
        let out = sb
            .cmd()
            .args(&args)
            .args(["--at", TEST_CLOCK, "--json"])
            .run_output()
            .unwrap();
        let doc = json(&out);
        let entry = &doc["bundles"][0];
        assert_eq!(entry["path"], b, "{}: {doc:#}", args[0]);
        if let Some(target) = entry.get("target") {
            assert_eq!(target["path"], b, "{}: the alias", args[0]);
        }
    }
}
