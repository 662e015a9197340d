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
        let out = sb.cmd().args(args).arg("--json").output().unwrap();
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
    ];
    docs.push((
        "failure",
        run(&["add", "/nonexistent/x.pem", "--bundle", b]),
    ));
    let mut seen = Vec::new();
    for (section, v) in &docs {
        if *section != "failure" {
            assert_eq!(v["command"], *section, "{v:#}");
            assert_eq!(v["ok"], true, "{section}: {v:#}");
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
    }
    // Every table of the doc was checked against some output.
    for key in doc.keys() {
        assert!(
            seen.contains(key),
            "docs/json.md's table {key:?} was not checked"
        );
    }
}
