//! Output made for the person in the outage (issue 17): what is the same for certifi's
//! bundle and pip's copy is said once, every run of `add` ends with one summary line (dry
//! runs and refusals too), `-v` shows each bundle in full, and a server's own certificate
//! is answered with the way to its issuer (`certpatch fix HOST`, the AIA URL).
// Most of these tests find a `.venv` by itself, which they are gated for on Windows.
#![cfg_attr(not(unix), allow(dead_code, unused_imports))]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;
use crate::netlab::*;

/// A project folder whose `.venv` has certifi's bundle and pip's copy (both the test
/// bundle); returns (project folder, the two bundles).
fn project(sb: &Sandbox) -> (PathBuf, [PathBuf; 2]) {
    let app = sb.root().join("app");
    let site = app.join(".venv/lib/python3.12/site-packages");
    fs::create_dir_all(site.join("pip/_vendor/certifi")).unwrap();
    fs::write(app.join(".venv/pyvenv.cfg"), "home = /nonexistent/bin\n").unwrap();
    fs::write(site.join("pip/__init__.py"), "").unwrap();
    let pip = site.join("pip/_vendor/certifi/cacert.pem");
    fs::write(&pip, test_bundle_bytes()).unwrap();
    let certifi = install_certifi_in(&site, "2026.10.19", &test_bundle_bytes());
    (app, [certifi, pip])
}

fn add(sb: &Sandbox, app: &Path, file: &Path, extra: &[&str]) -> Output {
    sb.cmd()
        .current_dir(app)
        .arg("add")
        .arg(file)
        .args(["--at", TEST_CLOCK])
        .args(extra)
        .run_output()
        .unwrap()
}

fn lines(out: &Output) -> Vec<String> {
    format!("{}{}", stdout(out), stderr(out))
        .lines()
        .map(str::to_string)
        .collect()
}

fn summaries(out: &Output) -> Vec<String> {
    lines(out)
        .into_iter()
        .filter(|l| l.starts_with("done:") || l.starts_with("failed:") || l.starts_with("dry run:"))
        .collect()
}

#[cfg(unix)]
// a `.venv` found by itself: elevated (as under Wine), certpatch picks none on Windows yet (docs/design.md, "Windows")
#[test]
fn a_refused_leaf_in_a_two_bundle_environment_takes_at_most_six_lines_and_names_fix() {
    let sb = Sandbox::new();
    let (app, bundles) = project(&sb);
    let (_root, int) = cas();
    let site = leaf(
        &["api.example.com"],
        &int,
        Some("http://ca.example.com/int.der"),
        VALID,
    );
    let file = sb.file("server.pem", site.pem().as_bytes());
    let out = add(&sb, &app, &file, &[]);
    assert_exit(&out, 1, "add of a server's certificate");
    let text = lines(&out);
    assert!(
        text.len() <= 6,
        "{} lines:\n{}",
        text.len(),
        text.join("\n")
    );
    let all = text.join("\n");
    assert!(all.contains("certpatch fix api.example.com"), "{all}");
    assert!(all.contains("http://ca.example.com/int.der"), "{all}");
    assert!(
        all.contains("pip-vendored") && all.contains("for the same reasons"),
        "{all}"
    );
    assert_eq!(summaries(&out).len(), 1, "{all}");
    for b in &bundles {
        assert_eq!(read(b), test_bundle_bytes(), "nothing written");
    }
    // -v: each bundle in full, every reason.
    let out = add(&sb, &app, &file, &["-v"]);
    let all = lines(&out).join("\n");
    assert_eq!(all.matches("keyCertSign").count(), 2, "{all}");
    assert_eq!(all.matches("nothing was written to").count(), 2, "{all}");
}

#[cfg(unix)]
// a `.venv` found by itself: elevated (as under Wine), certpatch picks none on Windows yet (docs/design.md, "Windows")
#[test]
fn every_add_ends_with_one_summary_line() {
    let sb = Sandbox::new();
    let (app, _) = project(&sb);
    let int = gen("int-good.pem");
    for (args, want) in [
        (vec!["--dry-run"], "dry run: would add to 2 of 2 bundle(s)"),
        (vec![], "done: added 1 certificate(s) to 2 of 2 bundle(s)"),
        (vec![], "done: nothing to add: already in 2 bundle(s)"),
    ] {
        let out = add(&sb, &app, &int, &args);
        assert_exit(&out, 0, want);
        let s = summaries(&out);
        assert_eq!(s.len(), 1, "{args:?}: {s:?}\n{}", lines(&out).join("\n"));
        assert!(s[0].starts_with(want), "{args:?}: {}", s[0]);
    }
    let out = add(&sb, &app, &gen("int-expired.pem"), &[]);
    assert_exit(&out, 1, "an expired intermediate");
    let s = summaries(&out);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("failed: nothing was written"), "{}", s[0]);
}

#[test]
fn the_stale_index_note_comes_only_when_the_index_was_asked_in_vain_and_names_the_csv() {
    // More than a year after the built-in snapshot (2025-06-24).
    let late = "2026-12-01T00:00:00Z";
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let run = |file: &Path| {
        sb.cmd()
            .args(["check"])
            .arg(file)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", late])
            .run_output()
            .unwrap()
    };
    // Its issuer is in the bundle: the index is not asked, so no note.
    let out = run(&gen("int-good.pem"));
    assert!(!stderr(&out).contains("index"), "{}", stderr(&out));
    // An issuer nobody knows: the index was asked and did not know it.
    let out = run(&gen("int-unknown-issuer.pem"));
    let err = stderr(&out);
    assert!(
        err.contains("more than a year old")
            && err.contains("PublicAllIntermediateCertsWithPEMCSV")
            && err.contains("certpatch index refresh FILE"),
        "{err}"
    );
}

#[cfg(unix)]
// a `.venv` found by itself: elevated (as under Wine), certpatch picks none on Windows yet (docs/design.md, "Windows")
#[test]
fn fix_in_a_two_bundle_environment_says_each_thing_once_and_ends_with_one_summary() {
    let sb = Sandbox::new();
    let (app, bundles) = project(&sb);
    // The test root must be in the bundles: a PKI whose root is the fixture's is not at
    // hand, so the bundles get this PKI's root too.
    let (root, int) = cas();
    for b in &bundles {
        let mut bytes = read(b);
        bytes.extend(root.pem().into_bytes());
        fs::write(b, bytes).unwrap();
    }
    let der = int.der();
    let (aia, _) = http_server(move |_| Answer::Body(der.clone()));
    let site = site_leaf(&int, &format!("http://127.0.0.1:{aia}/int.der"), VALID);
    let port = tls_server(vec![site.der()], &site.key);
    let fix = |extra: &[&str]| {
        sb.cmd()
            .current_dir(&app)
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .args(["fix", &format!("localhost:{port}"), "--at", TEST_CLOCK])
            .args(extra)
            .run_output()
            .unwrap()
    };
    let out = fix(&["--dry-run"]);
    assert_exit(&out, 0, "fix --dry-run");
    let s = summaries(&out);
    assert_eq!(s.len(), 1, "{}", lines(&out).join("\n"));
    assert!(
        s[0].starts_with("dry run: would add the missing certificate(s) to 2 of 2"),
        "{}",
        s[0]
    );
    let out = fix(&[]);
    assert_exit(&out, 0, "fix");
    let all = lines(&out).join("\n");
    assert!(
        !all.contains("run `certpatch fix`"),
        "fix tells to run fix:\n{all}"
    );
    assert_eq!(all.matches("missing intermediate").count(), 1, "{all}");
    assert!(all.contains("too, for the same reason(s)"), "{all}");
    assert_eq!(summaries(&out).len(), 1, "{all}");
    let out = fix(&[]);
    assert_exit(&out, 0, "fix again");
    let s = summaries(&out);
    assert_eq!(s.len(), 1, "{}", lines(&out).join("\n"));
    assert!(s[0].contains("already verifies"), "{}", s[0]);
}

#[test]
fn a_variable_that_hides_the_same_client_in_two_environments_is_one_warning() {
    let sb = Sandbox::new();
    let mut envs = Vec::new();
    for name in ["one", "two"] {
        let venv = sb.root().join(name);
        let site = venv.join("lib/python3.12/site-packages");
        fs::create_dir_all(&site).unwrap();
        fs::write(venv.join("pyvenv.cfg"), "home = /nonexistent/bin\n").unwrap();
        install_certifi_in(&site, "2026.10.19", &test_bundle_bytes());
        envs.push(venv);
    }
    let elsewhere = sb.file("other.pem", &test_bundle_bytes());
    let check = |extra: &[&str]| {
        let out = sb
            .cmd()
            .env("REQUESTS_CA_BUNDLE", &elsewhere)
            .arg("check")
            .arg(gen("int-good.pem"))
            .arg("--env")
            .arg(&envs[0])
            .arg("--env")
            .arg(&envs[1])
            .args(["--at", TEST_CLOCK])
            .args(extra)
            .run_output()
            .unwrap();
        assert_exit(&out, 0, "check");
        let err = stderr(&out);
        let warnings: Vec<String> = err
            .lines()
            .filter(|l| l.starts_with("warning: REQUESTS_CA_BUNDLE="))
            .map(str::to_string)
            .collect();
        (warnings, err)
    };
    let (warnings, err) = check(&[]);
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("and 1 more bundle(s)"), "{err}");
    // -v: once per bundle.
    let (warnings, err) = check(&["-v"]);
    assert_eq!(warnings.len(), 2, "{err}");
}
