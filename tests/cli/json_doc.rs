//! `docs/json.md` is true to real output: for each command, every key its tables list is
//! in a real `--json` document of that command (top level, failure document, or each
//! `bundles` entry), so the documentation cannot silently drift from the code.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// `(section, where) -> keys` from the doc's tables: the section is the command (`find`,
/// …) or `failure`; `where` is the table's `in` column.
fn documented() -> BTreeMap<(String, String), Vec<String>> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json.md"))
        .expect("docs/json.md");
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut section = String::new();
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = if h.starts_with("A failed run") {
                "failure".to_string()
            } else {
                h.trim_matches('`').to_string()
            };
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `key` | in | type | meaning |
        if cells.len() >= 5 && cells[1].starts_with('`') && cells[1].ends_with('`') {
            let key = cells[1].trim_matches('`').to_string();
            out.entry((section.clone(), cells[2].to_string()))
                .or_default()
                .push(key);
        }
    }
    out
}

fn assert_keys(what: &str, v: &Value, keys: &[String]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {v:#}"));
    for k in keys {
        assert!(
            obj.contains_key(k),
            "{what}: docs/json.md lists `{k}` but the real output has no such key: {v:#}"
        );
    }
}

#[test]
fn docs_json_md_keys_are_in_real_output() {
    let doc = documented();
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let int = gen("int-01.pem");
    let run = |args: &[&str]| -> Value {
        let mut cmd = sb.cmd();
        for v in PROXY_VARS {
            cmd.env_remove(v);
        }
        let out = cmd.args(args).arg("--json").run_output().unwrap();
        json(&out)
    };
    let b = bundle.to_str().unwrap();
    let i = int.to_str().unwrap();
    let root = sb.root().to_str().unwrap();
    let mut docs: Vec<(&str, Value)> = vec![
        (
            "check",
            run(&["check", i, "--bundle", b, "--at", TEST_CLOCK]),
        ),
        ("add", run(&["add", i, "--bundle", b, "--at", TEST_CLOCK])),
        ("list", run(&["list", "--bundle", b])),
        (
            "status",
            run(&["status", "--bundle", b, "--at", TEST_CLOCK]),
        ),
        (
            "reapply",
            run(&["reapply", "--bundle", b, "--at", TEST_CLOCK]),
        ),
        ("find", run(&["find", "--root", root])),
        ("restore", run(&["restore", "--bundle", b, "--dry-run"])),
        ("remove", run(&["remove", "--all", "--bundle", b])),
        ("adopt", {
            let site = sb.root().join("site");
            let certifi = install_certifi_in(&site, "2024.8.30", &read(real(CERTIFI)));
            run(&["adopt", "--bundle", certifi.to_str().unwrap()])
        }),
    ];
    // diagnose, from a saved chain; fix, against a leaf-only server on 127.0.0.1 whose
    // AIA names a local HTTP server holding the intermediate.
    let chain = gen("leaf-fullchain.pem");
    docs.push((
        "diagnose",
        run(&[
            "diagnose",
            "--chain",
            chain.to_str().unwrap(),
            "--name",
            "localhost",
            "--bundle",
            b,
            "--at",
            TEST_CLOCK,
        ]),
    ));
    let (pki_root, pki_int) = crate::netlab::cas();
    let int_der = pki_int.der();
    let (aia, _) =
        crate::netlab::http_server(move |_| crate::netlab::Answer::Body(int_der.clone()));
    let leaf = crate::netlab::site_leaf(
        &pki_int,
        &format!("http://127.0.0.1:{aia}/int.der"),
        crate::netlab::VALID,
    );
    let port = crate::netlab::tls_server(vec![leaf.der()], &leaf.key);
    let mut fix_bundle = read(real(CERTIFI));
    fix_bundle.extend(pki_root.pem().into_bytes());
    let fb = sb.write_bundle("fix.pem", &fix_bundle);
    docs.push((
        "fix",
        run(&[
            "fix",
            &format!("127.0.0.1:{port}"),
            "--bundle",
            fb.to_str().unwrap(),
            "--at",
            TEST_CLOCK,
        ]),
    ));
    // index, and the offline knowledge of check: an issuer the index completes (real
    // CCADB certificate against real certifi), and a chain to a root certifi removed.
    docs.push((
        "index",
        run(&["index", "lookup", "TrustAsia OV TLS Pro CA G3"]),
    ));
    let ccadb = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ccadb");
    let real_bundle = sb.copy_bundle(&real(CERTIFI), "real.pem");
    let rb = real_bundle.to_str().unwrap();
    let completed = ccadb.join("cloudflare-tls-issuing-rsa-ca-3.pem");
    docs.push((
        "check",
        run(&[
            "check",
            completed.to_str().unwrap(),
            "--with-issuers",
            "--bundle",
            rb,
            "--at",
            TEST_CLOCK,
        ]),
    ));
    let removed = ccadb.join("trustasia-ov-tls-pro-ca-g3.pem");
    let refused_check = docs.len();
    docs.push((
        "check",
        run(&[
            "check",
            removed.to_str().unwrap(),
            "--bundle",
            rb,
            "--at",
            TEST_CLOCK,
        ]),
    ));
    assert_eq!(
        docs[refused_check].1["bundles"][0]["certificates"][0]["reasons"][0]["code"],
        "root-removed",
        "{:#}",
        docs[refused_check].1
    );
    docs.push((
        "failure",
        run(&["add", "/nonexistent/x.pem", "--bundle", b]),
    ));
    let mut seen = Vec::new();
    for (n, (section, v)) in docs.iter().enumerate() {
        if *section != "failure" {
            assert_eq!(v["command"], *section, "{v:#}");
            assert_eq!(v["ok"], n != refused_check, "{section}: {v:#}");
        }
        let top = if *section == "failure" {
            "failure"
        } else {
            "document"
        };
        let keys = doc
            .get(&(section.to_string(), top.to_string()))
            .unwrap_or_else(|| panic!("docs/json.md has no {top} keys for `{section}`"));
        assert_keys(section, v, keys);
        seen.push((section.to_string(), top.to_string()));
        if let Some(keys) = doc.get(&(section.to_string(), "bundles[]".to_string())) {
            let entries = v["bundles"].as_array().expect("bundles is an array");
            assert!(
                !entries.is_empty(),
                "{section}: no bundle entry to check: {v:#}"
            );
            for e in entries {
                assert_keys(&format!("{section} bundles[]"), e, keys);
            }
            seen.push((section.to_string(), "bundles[]".to_string()));
        }
        // Tables of nested objects (`bundles[].offline`) and of their arrays' elements
        // (`bundles[].offline.issuers[]`): checked where the real output has some.
        for ((s, place), keys) in &doc {
            if s != section || !place.starts_with("bundles[].") {
                continue;
            }
            for e in v["bundles"].as_array().into_iter().flatten() {
                let mut nodes = vec![e.clone()];
                for step in place["bundles[].".len()..].split('.') {
                    let (name, each) = match step.strip_suffix("[]") {
                        Some(name) => (name, true),
                        None => (step, false),
                    };
                    nodes = nodes
                        .iter()
                        .flat_map(|n| {
                            let child = n[name].clone();
                            if each {
                                child.as_array().cloned().unwrap_or_default()
                            } else {
                                vec![child]
                            }
                        })
                        .collect();
                }
                for node in &nodes {
                    assert_keys(&format!("{section} {place}"), node, keys);
                    seen.push((s.clone(), place.clone()));
                }
            }
        }
    }
    // The one spelling of a removed root (its own section): in `diagnose`'s causes and in
    // `check`'s offline knowledge, for a chain that ends at a root certifi removed.
    let certifi = sb.copy_bundle(&real(CERTIFI), "certifi.pem");
    let trustasia =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ccadb/trustasia-ov-tls-pro-ca-g3.pem");
    let (c, t) = (certifi.to_str().unwrap(), trustasia.to_str().unwrap());
    let place = ("A removed root".to_string(), "removed_root".to_string());
    let keys = doc
        .get(&place)
        .expect("docs/json.md has the removed-root table");
    let diagnose = run(&["diagnose", "--chain", t, "--bundle", c, "--at", TEST_CLOCK]);
    let check = run(&["check", t, "--bundle", c, "--at", TEST_CLOCK]);
    for (what, node) in [
        (
            "diagnose",
            &diagnose["bundles"][0]["causes"][0]["removed_root"],
        ),
        ("check", &check["bundles"][0]["offline"]["removed_roots"][0]),
    ] {
        assert_keys(&format!("{what} removed root"), node, keys);
    }
    seen.push(place);
    // Every table of the doc was checked against some output.
    for key in doc.keys() {
        assert!(
            seen.contains(key),
            "docs/json.md's table {key:?} was not checked"
        );
    }
}
