//! `diagnose` and `fix` against servers the test starts on 127.0.0.1 (issue 9): a TLS
//! server sending only its leaf whose AIA names a local HTTP server, a full chain, bad AIA
//! answers, a closed port, a plain-HTTP port, an expired leaf, a wrong name, a root only
//! in a test "OS store", `--chain FILE --name`. Only 127.0.0.1 is ever used.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::*;
use crate::netlab::*;

/// certpatch in the sandbox, without proxies from this machine.
fn cp(sb: &Sandbox) -> Command {
    let mut cmd = sb.cmd();
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    cmd
}

/// A bundle: the real certifi bundle plus the test PKI's root.
fn bundle_with(sb: &Sandbox, root: &Issued) -> (PathBuf, Vec<u8>) {
    let mut bytes = read(real(CERTIFI));
    bytes.extend(root.pem().into_bytes());
    (sb.write_bundle("cacert.pem", &bytes), bytes)
}

/// A leaf-only site whose AIA server answers with `answer(int_der, int_pem)`.
struct LeafOnly {
    root: Issued,
    int: Issued,
    port: u16,
    aia_url: String,
    hits: Arc<AtomicUsize>,
}

fn leaf_only(answer: impl Fn(&[u8], &str) -> Answer + Send + Sync + 'static) -> LeafOnly {
    let (root, int) = cas();
    let (der, pem) = (int.der(), int.pem());
    let (aia_port, hits) = http_server(move |_| answer(&der, &pem));
    let aia_url = format!("http://127.0.0.1:{aia_port}/int.der");
    let leaf = site_leaf(&int, &aia_url, VALID);
    let port = tls_server(vec![leaf.der()], &leaf.key);
    LeafOnly {
        root,
        int,
        port,
        aia_url,
        hits,
    }
}

fn run(sb: &Sandbox, args: &[&str], bundle: &Path) -> std::process::Output {
    cp(sb)
        .args(args)
        .arg("--bundle")
        .arg(bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap()
}

fn run_json(sb: &Sandbox, args: &[&str], bundle: &Path) -> (std::process::Output, Value) {
    let mut a = args.to_vec();
    a.push("--json");
    let out = run(sb, &a, bundle);
    let v = json(&out);
    (out, v)
}

fn causes(v: &Value) -> Vec<String> {
    v["bundles"][0]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cause"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn diagnose_names_the_missing_intermediate_and_its_aia_url() {
    let site = leaf_only(|der, _| Answer::Body(der.to_vec()));
    let sb = Sandbox::new();
    let (bundle, before) = bundle_with(&sb, &site.root);
    let host = format!("127.0.0.1:{}", site.port);
    let out = run(&sb, &["diagnose", &host], &bundle);
    assert_exit(&out, 1, "diagnose of a leaf-only server");
    let text = stdout(&out);
    assert!(text.contains("missing intermediate"), "{text}");
    assert!(text.contains(&site.aia_url), "{text}");
    assert!(text.contains("certpatch fix"), "{text}");
    let (_, v) = run_json(&sb, &["diagnose", &host], &bundle);
    assert_eq!(v["command"], "diagnose");
    assert_eq!(v["ok"], false);
    assert_eq!(causes(&v), ["missing-issuer"]);
    assert_eq!(v["bundles"][0]["causes"][0]["ca_issuers"][0], site.aia_url);
    assert_eq!(v["chain"].as_array().unwrap().len(), 1);
    assert_file_is(&bundle, &before, "diagnose writes nothing");
    assert_eq!(
        site.hits.load(Ordering::SeqCst),
        0,
        "diagnose fetches nothing"
    );
}

fn fix_and_undo(answer: impl Fn(&[u8], &str) -> Answer + Send + Sync + 'static) {
    let site = leaf_only(answer);
    let sb = Sandbox::new();
    let (bundle, before) = bundle_with(&sb, &site.root);
    let host = format!("https://127.0.0.1:{}/some/path", site.port);
    let (out, v) = run_json(&sb, &["fix", &host], &bundle);
    assert_exit(&out, 0, "fix");
    assert_eq!(v["bundles"][0]["status"], "patched", "{v}");
    assert_eq!(v["bundles"][0]["verifies_after"], true);
    assert_eq!(v["fetches"][0]["outcome"], "ok");
    let after = read(&bundle);
    assert_eq!(count_cert(&after, &site.int.der()), 1);
    assert_eq!(patch_count(&after), 1);
    // The patch records where it came from: the host and the AIA URL.
    let listed = sb.list_json(&bundle).to_string();
    assert!(
        listed.contains(&format!("127.0.0.1:{}", site.port)),
        "{listed}"
    );
    assert!(listed.contains(&site.aia_url), "{listed}");
    // diagnose now passes.
    let out = run(
        &sb,
        &["diagnose", &format!("127.0.0.1:{}", site.port)],
        &bundle,
    );
    assert_exit(&out, 0, "diagnose after fix");
    // And remove gives the bundle back byte for byte.
    let sha = sha256(&site.int.der());
    let out = sb.remove(&bundle, &[&sha]);
    assert_exit(&out, 0, "remove");
    assert_file_is(&bundle, &before, "fix then remove");
}

#[test]
fn fix_and_add_with_issuers_say_each_aia_fetch_before_it_goes_out() {
    // Issue 15: a progress line before each slow step; an AIA server may hold the run for
    // its whole timeout. Standard error, not in --json.
    let site = leaf_only(|der, _| Answer::Body(der.to_vec()));
    let sb = Sandbox::new();
    let (bundle, _) = bundle_with(&sb, &site.root);
    let host = format!("127.0.0.1:{}", site.port);
    let out = run(&sb, &["fix", &host, "--dry-run"], &bundle);
    assert_exit(&out, 0, "fix --dry-run");
    let want = format!(
        "fetching the issuer from {} (AIA, at most 10 s)",
        site.aia_url
    );
    let err = stderr(&out);
    assert_eq!(err.matches(&want).count(), 1, "{err}");
    assert!(
        !stdout(&out).contains("fetching the issuer"),
        "{}",
        stdout(&out)
    );
    let (out, _) = run_json(&sb, &["fix", &host, "--dry-run"], &bundle);
    assert!(!stderr(&out).contains("fetching"), "{}", stderr(&out));
    let pki = aia_only(|der| Answer::Body(der.to_vec()));
    let (bundle, _) = bundle_with(&sb, &pki.root);
    let file = sb.file("sub.pem", pki.ca.pem().as_bytes());
    let out = run(
        &sb,
        &["add", file.to_str().unwrap(), "--with-issuers", "--dry-run"],
        &bundle,
    );
    assert_exit(&out, 0, "add --with-issuers --dry-run");
    let want = format!(
        "fetching the issuer from {} (AIA, at most 10 s)",
        pki.aia_url
    );
    assert_eq!(stderr(&out).matches(&want).count(), 1, "{}", stderr(&out));
}

#[test]
fn fix_fetches_a_der_intermediate_adds_it_and_remove_undoes_it() {
    fix_and_undo(|der, _| Answer::Body(der.to_vec()));
}

#[test]
fn fix_fetches_a_pkcs7_intermediate() {
    fix_and_undo(|der, _| Answer::Body(pkcs7(&[der.to_vec()])));
}

#[test]
fn fix_dry_run_writes_nothing() {
    let site = leaf_only(|der, _| Answer::Body(der.to_vec()));
    let sb = Sandbox::new();
    let (bundle, before) = bundle_with(&sb, &site.root);
    let (out, v) = run_json(
        &sb,
        &["fix", &format!("127.0.0.1:{}", site.port), "--dry-run"],
        &bundle,
    );
    assert_exit(&out, 0, "fix --dry-run");
    assert_eq!(v["bundles"][0]["status"], "would-patch", "{v}");
    assert_file_is(&bundle, &before, "dry run");
    assert!(!sb.backups_exist());
}

#[test]
fn bad_aia_answers_are_refused_and_leave_the_bundle_untouched() {
    let cases: Vec<(&str, Answer)> = vec![
        ("too-large", Answer::Body(vec![0x30; 65 * 1024])),
        (
            "not-certificates",
            Answer::Body(b"<html>it works</html>".to_vec()),
        ),
        // An intermediate of another PKI with the same name: it does not sign the leaf.
        ("wrong-signer", Answer::Body(cas().1.der())),
        ("timed-out", Answer::Slow),
    ];
    for (code, answer) in cases {
        let answer = Arc::new(std::sync::Mutex::new(Some(answer)));
        let site =
            leaf_only(move |_, _| answer.lock().unwrap().take().unwrap_or(Answer::Status(500)));
        let sb = Sandbox::new();
        let (bundle, before) = bundle_with(&sb, &site.root);
        let (out, v) = run_json(&sb, &["fix", &format!("127.0.0.1:{}", site.port)], &bundle);
        assert_exit(&out, 1, code);
        assert_eq!(v["bundles"][0]["status"], "issuer-not-found", "{code}: {v}");
        assert_eq!(v["fetches"][0]["outcome"], code, "{v}");
        assert!(
            site.hits.load(Ordering::SeqCst) <= 5,
            "{code}: at most 5 fetches"
        );
        assert_file_is(&bundle, &before, code);
        assert!(!sb.backups_exist(), "{code}");
    }
}

#[test]
fn a_full_chain_server_diagnoses_ok() {
    let (root, int) = cas();
    let leaf = site_leaf(&int, "http://127.0.0.1:9/unused", VALID);
    let port = tls_server(vec![leaf.der(), int.der()], &leaf.key);
    let sb = Sandbox::new();
    let (bundle, before) = bundle_with(&sb, &root);
    let (out, v) = run_json(&sb, &["diagnose", &format!("127.0.0.1:{port}")], &bundle);
    assert_exit(&out, 0, "diagnose of a full chain");
    assert_eq!(v["ok"], true);
    assert_eq!(v["bundles"][0]["status"], "verifies");
    // fix has nothing to do.
    let out = run(&sb, &["fix", &format!("127.0.0.1:{port}")], &bundle);
    assert_exit(&out, 0, "fix of a server that verifies");
    assert_file_is(&bundle, &before, "nothing to fix");
}

#[test]
fn a_closed_port_and_a_plain_http_port_fail_with_what_to_try() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    for (port, code, words) in [
        (closed_port(), "refused", "nothing listens"),
        (plain_http_port(), "not-tls", "not answer in TLS"),
    ] {
        let host = format!("127.0.0.1:{port}");
        let out = run(&sb, &["diagnose", &host], &bundle);
        assert_exit(&out, 1, code);
        let err = stderr(&out);
        assert!(err.contains(words) && err.contains("hint:"), "{err}");
        let (out, v) = run_json(&sb, &["fix", &host], &bundle);
        assert_exit(&out, 1, code);
        assert_eq!(v["error"]["code"], code, "{v}");
        assert_eq!(v["ok"], false);
        assert_file_is(&bundle, &test_bundle_bytes(), code);
    }
}

#[test]
fn an_expired_leaf_is_named_and_fix_refuses() {
    let site_root;
    let port;
    {
        let (root, int) = cas();
        let leaf = site_leaf(&int, "http://127.0.0.1:9/x", Years(2020, 2022));
        port = tls_server(vec![leaf.der(), int.der()], &leaf.key);
        site_root = root;
    }
    let sb = Sandbox::new();
    let (bundle, before) = bundle_with(&sb, &site_root);
    let (out, v) = run_json(&sb, &["diagnose", &format!("127.0.0.1:{port}")], &bundle);
    assert_exit(&out, 1, "expired");
    assert_eq!(causes(&v), ["expired"]);
    let (out, v) = run_json(&sb, &["fix", &format!("127.0.0.1:{port}")], &bundle);
    assert_exit(&out, 1, "fix of an expired leaf");
    assert_eq!(v["bundles"][0]["status"], "not-fixable");
    assert_file_is(&bundle, &before, "expired: unchanged");
}

#[test]
fn a_wrong_name_is_named() {
    let (root, int) = cas();
    let leaf = leaf(&["other.example"], &int, None, VALID);
    let port = tls_server(vec![leaf.der(), int.der()], &leaf.key);
    let sb = Sandbox::new();
    let (bundle, _) = bundle_with(&sb, &root);
    let (out, v) = run_json(&sb, &["diagnose", &format!("127.0.0.1:{port}")], &bundle);
    assert_exit(&out, 1, "wrong name");
    assert_eq!(causes(&v), ["name-mismatch"]);
    assert_eq!(
        v["bundles"][0]["causes"][0]["leaf_names"][0],
        "other.example"
    );
}

#[test]
fn a_root_only_in_the_os_store_is_named_and_fix_adds_it_only_with_allow_root() {
    // A TLS-inspecting proxy's chain: leaf + intermediate + the company root, which the
    // operating system trusts (SSL_CERT_FILE, set for this test only) and certifi does not.
    let (company_root, int) = cas();
    let leaf = site_leaf(&int, "http://127.0.0.1:9/x", VALID);
    let port = tls_server(vec![leaf.der(), int.der(), company_root.der()], &leaf.key);
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let os_store = sb.file("os-store.pem", company_root.pem().as_bytes());
    let host = format!("127.0.0.1:{port}");
    let with_os = |args: &[&str]| {
        cp(&sb)
            .args(args)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK, "--json"])
            .env("SSL_CERT_FILE", &os_store)
            .run_output()
            .unwrap()
    };
    let out = with_os(&["diagnose", &host]);
    assert_exit(&out, 1, "root not in the bundle");
    let v = json(&out);
    assert_eq!(causes(&v), ["root-not-in-bundle"]);
    assert_eq!(v["bundles"][0]["causes"][0]["os_trusts"], true, "{v}");
    assert!(v["bundles"][0]["causes"][0]["message"]
        .as_str()
        .unwrap()
        .contains("proxy"));
    // Without the store, the same root is an unknown one.
    let (_, v) = run_json(&sb, &["diagnose", &host], &bundle);
    assert_eq!(v["bundles"][0]["causes"][0]["os_trusts"], false, "{v}");
    // fix without --allow-root refuses; with it, the root goes in and the chain verifies.
    let out = with_os(&["fix", &host]);
    assert_exit(&out, 1, "fix without --allow-root");
    assert_eq!(json(&out)["bundles"][0]["status"], "root-needed");
    assert_file_is(&bundle, &test_bundle_bytes(), "root-needed: unchanged");
    let out = with_os(&["fix", &host, "--allow-root"]);
    assert_exit(&out, 0, "fix --allow-root");
    let after = read(&bundle);
    assert_eq!(count_cert(&after, &company_root.der()), 1);
    assert_eq!(
        count_cert(&after, &int.der()),
        0,
        "the server sends the intermediate"
    );
}

#[test]
fn a_proxy_root_not_sent_but_in_the_os_store_is_named_as_such_never_a_missing_intermediate() {
    // Issue 15: the commonest company case. The proxy sends leaf + its intermediate; its
    // root is only in the OS store (SSL_CERT_FILE). diagnose must say "root not trusted by
    // this bundle; found in the OS store", and fix takes the root from the store, only
    // with --allow-root.
    let (company_root, int) = cas();
    let leaf = site_leaf(&int, "http://127.0.0.1:9/x", VALID);
    let port = tls_server(vec![leaf.der(), int.der()], &leaf.key);
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let os_store = sb.file("os-store.pem", company_root.pem().as_bytes());
    let host = format!("127.0.0.1:{port}");
    let with_os = |args: &[&str], json: bool| {
        let mut cmd = cp(&sb);
        cmd.args(args)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK])
            .env("SSL_CERT_FILE", &os_store);
        if json {
            cmd.arg("--json");
        }
        cmd.run_output().unwrap()
    };
    let out = with_os(&["diagnose", &host], true);
    assert_exit(&out, 1, "root only in the OS store");
    let v = json(&out);
    assert_eq!(causes(&v), ["root-not-in-bundle"], "{v:#}");
    let cause = &v["bundles"][0]["causes"][0];
    assert_eq!(cause["sent"], false, "{v:#}");
    assert_eq!(cause["os_trusts"], true, "{v:#}");
    assert_eq!(cause["sha256"], sha256(&company_root.der()), "{v:#}");
    let text = stdout(&with_os(&["diagnose", &host], false));
    assert!(
        text.contains("root not trusted by this bundle")
            && text.contains("found in your operating system's store")
            && text.contains("company"),
        "{text}"
    );
    assert!(!text.contains("missing intermediate"), "{text}");
    // Without the store it is a missing issuer, as before.
    let (_, v) = run_json(&sb, &["diagnose", &host], &bundle);
    assert_eq!(causes(&v), ["missing-issuer"], "{v:#}");

    let out = with_os(&["fix", &host], true);
    assert_exit(&out, 1, "fix without --allow-root");
    assert_eq!(json(&out)["bundles"][0]["status"], "root-needed");
    assert_file_is(&bundle, &test_bundle_bytes(), "root-needed: unchanged");
    let out = with_os(&["fix", &host, "--allow-root"], true);
    assert_exit(&out, 0, "fix --allow-root takes the root from the OS store");
    let after = read(&bundle);
    assert_eq!(count_cert(&after, &company_root.der()), 1);
    assert_eq!(
        count_cert(&after, &int.der()),
        0,
        "the server sends the intermediate"
    );
}

#[test]
fn resolve_connects_to_the_given_address_while_checking_the_name_and_progress_goes_to_stderr() {
    // Issue 15: `--resolve HOST:PORT:ADDR` (curl's syntax), to diagnose one node of a name
    // without editing the hosts file. The name is one no resolver knows.
    let (root, int) = cas();
    let name = "staging.certpatch-test.invalid";
    let leaf = leaf(&[name], &int, None, VALID);
    let port = tls_server(vec![leaf.der(), int.der()], &leaf.key);
    let sb = Sandbox::new();
    let (bundle, _) = bundle_with(&sb, &root);
    let server = format!("{name}:{port}");
    let resolve = format!("{name}:{port}:127.0.0.1");
    let out = cp(&sb)
        .args(["diagnose", &server, "--resolve", &resolve, "--bundle"])
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "diagnose with --resolve");
    assert!(
        stdout(&out).contains("at 127.0.0.1 (--resolve)"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains(&format!("for `{name}`")),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(&format!("connecting to {server} at 127.0.0.1")),
        "{}",
        stderr(&out)
    );
    let out = cp(&sb)
        .args([
            "--json",
            "diagnose",
            &server,
            "--resolve",
            &resolve,
            "--bundle",
        ])
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["address"], "127.0.0.1", "{v:#}");
    assert_eq!(v["bundles"][0]["status"], "verifies", "{v:#}");
    assert!(
        !stderr(&out).contains("connecting"),
        "no progress with --json: {}",
        stderr(&out)
    );
    // Another name than the one resolved: a wrong-name verdict, still on 127.0.0.1.
    let other = format!("other.certpatch-test.invalid:{port}");
    let out = cp(&sb)
        .args(["--json", "diagnose", &other, "--bundle"])
        .arg(&bundle)
        .args([
            "--resolve",
            &format!("other.certpatch-test.invalid:{port}:127.0.0.1"),
        ])
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_eq!(causes(&json(&out)), ["name-mismatch"]);
    // A malformed --resolve is a usage error.
    let out = cp(&sb)
        .args(["diagnose", &server, "--resolve", "nonsense", "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 2, "malformed --resolve");
    assert!(stderr(&out).contains("HOST:PORT:ADDR"), "{}", stderr(&out));
}

#[test]
fn diagnose_reads_a_saved_chain_with_a_name() {
    let (root, int) = cas();
    let leaf = site_leaf(&int, "http://127.0.0.1:9/int.der", VALID);
    let sb = Sandbox::new();
    let (bundle, _) = bundle_with(&sb, &root);
    let saved = sb.file("saved.pem", leaf.pem().as_bytes());
    let file = saved.to_str().unwrap();
    let (out, v) = run_json(
        &sb,
        &["diagnose", "--chain", file, "--name", "localhost"],
        &bundle,
    );
    assert_exit(&out, 1, "--chain leaf only");
    assert_eq!(causes(&v), ["missing-issuer"]);
    let full = sb.file("full.pem", (leaf.pem() + &int.pem()).as_bytes());
    let full = full.to_str().unwrap();
    let out = run(
        &sb,
        &["diagnose", "--chain", full, "--name", "localhost"],
        &bundle,
    );
    assert_exit(&out, 0, "--chain full chain");
    let (out, v) = run_json(
        &sb,
        &["diagnose", "--chain", full, "--name", "wrong.example"],
        &bundle,
    );
    assert_exit(&out, 1, "--chain with a wrong name");
    assert_eq!(causes(&v), ["name-mismatch"]);
}

#[test]
fn the_chain_and_the_aia_answer_go_through_the_proxies_unless_no_proxy_names_the_host() {
    let site = leaf_only(|der, _| Answer::Body(der.to_vec()));
    let (proxy_port, asked) = connect_proxy();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let sb = Sandbox::new();
    let (bundle, _) = bundle_with(&sb, &site.root);
    let host = format!("127.0.0.1:{}", site.port);
    let through = |args: &[&str], no_proxy: Option<&str>| {
        let mut cmd = cp(&sb);
        cmd.args(args)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK, "--json"])
            .env("HTTPS_PROXY", &proxy)
            .env("HTTP_PROXY", &proxy);
        if let Some(n) = no_proxy {
            cmd.env("NO_PROXY", n);
        }
        cmd.run_output().unwrap()
    };
    let out = through(&["diagnose", &host], Some("example.org, 127.0.0.2"));
    assert_exit(&out, 1, "diagnose through the proxy");
    let v = json(&out);
    assert_eq!(v["proxy"], proxy.as_str(), "{v}");
    assert_eq!(causes(&v), ["missing-issuer"]);
    assert_eq!(*asked.lock().unwrap(), [format!("CONNECT {host}")]);
    // NO_PROXY naming the host: straight there.
    let out = through(&["diagnose", &host], Some("127.0.0.1"));
    assert_exit(&out, 1, "diagnose with NO_PROXY");
    assert_eq!(json(&out)["proxy"], Value::Null);
    assert_eq!(
        asked.lock().unwrap().len(),
        1,
        "the proxy was not asked again"
    );
    // fix: the capture and the AIA fetch both go through the proxy.
    let out = through(&["fix", &host], None);
    assert_exit(&out, 0, "fix through the proxy");
    let seen = asked.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[2].contains(&site.aia_url.replace("http://", "").replace("/int.der", "")),
        "{seen:?}"
    );
}

#[test]
fn fix_offline_fetches_nothing_and_writes_nothing() {
    let site = leaf_only(|der, _| Answer::Body(der.to_vec()));
    let sb = Sandbox::new();
    let (bundle, before) = bundle_with(&sb, &site.root);
    let (out, v) = run_json(
        &sb,
        &["fix", &format!("127.0.0.1:{}", site.port), "--offline"],
        &bundle,
    );
    assert_exit(&out, 1, "fix --offline without an index");
    assert_eq!(v["bundles"][0]["status"], "issuer-not-found", "{v}");
    assert_eq!(v["fetches"], Value::Array(vec![]));
    assert!(stderr(&out).contains("--offline"), "{}", stderr(&out));
    assert_eq!(site.hits.load(Ordering::SeqCst), 0);
    assert_file_is(&bundle, &before, "--offline");
}

/// A CA whose issuer (a CA under the test root, which the bundle has) is served only by
/// the AIA server, answering with `answer(issuer_der)`.
struct AiaOnly {
    root: Issued,
    issuer: Issued,
    ca: Issued,
    aia_url: String,
    hits: Arc<AtomicUsize>,
}

fn aia_only(answer: impl Fn(&[u8]) -> Answer + Send + Sync + 'static) -> AiaOnly {
    let root = root("certpatch Test Root");
    let issuer = issuing_ca("certpatch Test Issuing CA", &root, None);
    let der = issuer.der();
    let (port, hits) = http_server(move |_| answer(&der));
    let aia_url = format!("http://127.0.0.1:{port}/issuer.der");
    let ca = intermediate("certpatch Test Sub CA", &issuer, Some(&aia_url));
    AiaOnly {
        root,
        issuer,
        ca,
        aia_url,
        hits,
    }
}

#[test]
fn add_with_issuers_fetches_an_issuer_the_index_lacks_from_aia_and_checks_it() {
    let sb = Sandbox::new();
    let pki = aia_only(|der| Answer::Body(der.to_vec()));
    let (bundle, before) = bundle_with(&sb, &pki.root);
    let file = sb.file("sub.pem", pki.ca.pem().as_bytes());
    // Without --with-issuers: refused, nothing fetched.
    let out = run(&sb, &["add", file.to_str().unwrap()], &bundle);
    assert_exit(&out, 1, "add without --with-issuers");
    assert_eq!(pki.hits.load(Ordering::SeqCst), 0, "no fetch");
    // With it: the offline index has nothing, AIA has the issuer; both are added.
    let (out, v) = run_json(
        &sb,
        &["add", file.to_str().unwrap(), "--with-issuers"],
        &bundle,
    );
    assert_exit(&out, 0, "add --with-issuers");
    assert_eq!(pki.hits.load(Ordering::SeqCst), 1, "one fetch");
    let after = read(&bundle);
    assert!(after.starts_with(&before));
    assert_eq!(
        count_cert(&after, &pki.issuer.der()),
        1,
        "the fetched issuer"
    );
    assert_eq!(count_cert(&after, &pki.ca.der()), 1, "the certificate");
    let text = String::from_utf8_lossy(&after[before.len()..]).to_string();
    assert!(text.contains(&format!("(AIA {})", pki.aia_url)), "{text}");
    let fetches = &v["bundles"][0]["offline"]["fetches"];
    assert_eq!(fetches[0]["outcome"], "ok", "{v:#}");
}

#[test]
fn add_with_issuers_adds_nothing_when_the_aia_answer_does_not_sign_the_certificate() {
    let sb = Sandbox::new();
    let other = cas().1.der();
    let pki = aia_only(move |_| Answer::Body(other.clone()));
    let (bundle, before) = bundle_with(&sb, &pki.root);
    let file = sb.file("sub.pem", pki.ca.pem().as_bytes());
    let out = run(
        &sb,
        &["add", file.to_str().unwrap(), "--with-issuers"],
        &bundle,
    );
    assert_exit(&out, 1, "refused");
    assert_eq!(pki.hits.load(Ordering::SeqCst), 1);
    assert!(stderr(&out).contains("wrong-signer"), "{}", stderr(&out));
    assert_file_is(&bundle, &before, "unchanged");
}

#[test]
fn diagnose_and_fix_name_the_clients_that_ignore_the_bundle_and_fix_never_says_a_bare_retry() {
    // Issue 15: with pip.conf's `cert =` (named by PIP_CONFIG_FILE) or REQUESTS_CA_BUNDLE
    // set, the verdict on a bundle is not what those clients see; diagnose and fix say
    // so per bundle (text and JSON), and fix does not end with "retry the failing request".
    let site = leaf_only(|der, _| Answer::Body(der.to_vec()));
    let sb = Sandbox::new();
    let sp = sb.bundle_dir().join("v/lib/python3.11/site-packages");
    let bundle = sp.join("pip/_vendor/certifi/cacert.pem");
    std::fs::create_dir_all(bundle.parent().unwrap()).unwrap();
    let mut bytes = read(real(CERTIFI));
    bytes.extend(site.root.pem().into_bytes());
    std::fs::write(&bundle, &bytes).unwrap();
    std::fs::create_dir_all(sp.join("pip-23.2.1.dist-info")).unwrap();
    std::fs::write(
        sp.join("pip-23.2.1.dist-info/METADATA"),
        "Name: pip\nVersion: 23.2.1\n",
    )
    .unwrap();
    let conf = sb.file("pip.conf", b"[global]\ncert = /elsewhere.pem\n");
    let host = format!("127.0.0.1:{}", site.port);
    let with_conf = |args: &[&str]| {
        cp(&sb)
            .env("PIP_CONFIG_FILE", &conf)
            .env("REQUESTS_CA_BUNDLE", "/elsewhere.pem")
            .args(args)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK])
            .run_output()
            .unwrap()
    };
    let out = with_conf(&["--json", "diagnose", &host]);
    let v = json(&out);
    let clients = v["bundles"][0]["clients"].to_string();
    assert!(clients.contains("pip") && clients.contains("cert"), "{v:#}");
    assert!(
        v["overrides"].to_string().contains("REQUESTS_CA_BUNDLE"),
        "{v:#}"
    );
    let out = with_conf(&["diagnose", &host]);
    assert!(
        stderr(&out).contains("pip does not read this bundle")
            && stderr(&out).contains("fixing this bundle alone will not fix that client"),
        "{}",
        stderr(&out)
    );
    let out = with_conf(&["fix", &host]);
    assert_exit(&out, 0, "fix");
    let text = stdout(&out);
    assert!(!text.contains("retry the failing request"), "{text}");
    assert!(text.contains("still do(es) not read it"), "{text}");
    let out = with_conf(&["--json", "fix", &host]);
    let v = json(&out);
    assert!(
        v["bundles"][0]["clients"].to_string().contains("cert"),
        "{v:#}"
    );
}

#[test]
fn a_missing_intermediate_with_no_aia_and_not_in_the_index_is_not_sent_to_fix() {
    // The leaf names no AIA URL and its issuer is this test's own intermediate, which the
    // offline index cannot hold: `fix` would find nothing, so diagnose must not send the
    // user there, and says where the intermediate can come from instead.
    let (root, int) = cas();
    let leaf = leaf(&["localhost", "127.0.0.1"], &int, None, VALID);
    let port = tls_server(vec![leaf.der()], &leaf.key);
    let sb = Sandbox::new();
    let (bundle, before) = bundle_with(&sb, &root);
    let host = format!("127.0.0.1:{port}");
    let out = run(&sb, &["diagnose", &host], &bundle);
    assert_exit(&out, 1, "diagnose of a leaf-only server without AIA");
    let text = stdout(&out);
    assert!(text.contains("names no AIA URL"), "{text}");
    assert!(text.contains("`certpatch fix` cannot find it"), "{text}");
    assert!(text.contains("certpatch add FILE"), "{text}");
    assert!(!text.contains("run `certpatch fix`"), "{text}");
    let (_, v) = run_json(&sb, &["diagnose", &host], &bundle);
    assert_eq!(causes(&v), ["missing-issuer"]);
    let advice = v["bundles"][0]["causes"][0]["advice"].as_str().unwrap();
    assert!(advice.contains("cannot find it"), "{advice}");
    assert!(advice.contains("certpatch Test Intermediate"), "{advice}");
    // And `fix` indeed finds nothing.
    let out = run(&sb, &["fix", &host], &bundle);
    assert_exit(&out, 1, "fix without AIA or index entry");
    assert_file_is(&bundle, &before, "nothing written");
}

/// Regression (contract sweep): `--chain` with a file that holds no certificate asked for
/// "a CA certificate", which is not what `--chain` reads. It says the file holds none and
/// what `--chain` wants: the server's chain as PEM, its own certificate first.
#[test]
fn a_chain_file_without_a_certificate_says_what_chain_wants() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let empty = sb.file("empty.pem", b"");
    let out = run(
        &sb,
        &["diagnose", "--chain", empty.to_str().unwrap()],
        &bundle,
    );
    assert_exit(&out, 1, "diagnose --chain empty.pem");
    let err = stderr(&out);
    assert!(err.contains("holds no certificate"), "{err}");
    assert!(!err.contains("CA certificate"), "{err}");
    assert!(
        err.contains("--chain wants the server's certificate chain as PEM, the server's own certificate first"),
        "{err}"
    );
    let (_, v) = run_json(
        &sb,
        &["diagnose", "--chain", empty.to_str().unwrap()],
        &bundle,
    );
    assert_eq!(v["error"]["code"], "no-certificate", "{v:#}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--chain wants"),
        "{v:#}"
    );
}

/// Regression (contract sweep): a `--resolve` entry whose HOST or PORT is not the server's
/// was ignored without a word, and the run went on to a DNS failure. Each such entry is
/// named, with the server, on standard error (with `--json` too); one that matches is
/// used without a warning. Only 127.0.0.1 is contacted (a closed port).
#[test]
fn a_resolve_entry_for_another_host_or_port_is_named_as_unused() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let port = closed_port();
    let server = format!("127.0.0.1:{port}");
    let other_port = "127.0.0.1:443:127.0.0.1".to_string();
    let other_host = format!("other.certpatch-test.invalid:{port}:127.0.0.1");
    for json_flag in [&[][..], &["--json"][..]] {
        let out = cp(&sb)
            .args(json_flag)
            .args(["diagnose", &server, "--resolve", &other_port])
            .args(["--resolve", &other_host, "--bundle"])
            .arg(&bundle)
            .args(["--at", TEST_CLOCK])
            .run_output()
            .unwrap();
        assert_exit(&out, 1, "closed port");
        let err = stderr(&out);
        for (entry, names) in [
            (&other_port, "127.0.0.1:443".to_string()),
            (&other_host, format!("other.certpatch-test.invalid:{port}")),
        ] {
            assert!(
                err.contains(&format!(
                    "--resolve `{entry}` is not used: it is for {names}, and the server is {server}"
                )),
                "{json_flag:?}: {err}"
            );
        }
        assert!(
            err.contains(&format!("give `--resolve {server}:127.0.0.1`")),
            "{err}"
        );
    }
    let out = cp(&sb)
        .args(["diagnose", &server, "--resolve"])
        .arg(format!("{server}:127.0.0.1"))
        .arg("--bundle")
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "closed port");
    assert!(!stderr(&out).contains("is not used"), "{}", stderr(&out));
}
