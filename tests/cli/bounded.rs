//! Issue 14's bounds: read-only commands write nothing, printed lists are capped, a
//! hostile index source costs bounded work, and every command printed for pasting is
//! quoted for the shell.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

fn ccadb(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ccadb")
        .join(name)
}

/// Every entry under `dir` (folders too) with its bytes (empty for a folder).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
                out.insert(p, Vec::new());
            } else {
                out.insert(p.clone(), read(&p));
            }
        }
    }
    out
}

#[test]
fn read_only_commands_leave_certpatch_home_as_it_was_even_with_a_stale_index() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    // A year after the snapshot's date: the index is stale, and check says so.
    let late = "2026-12-01T00:00:00Z";
    let b = bundle.to_str().unwrap().to_string();
    let cloudflare = ccadb("cloudflare-tls-issuing-rsa-ca-3.pem");
    let r10 = real("le-r10.pem");
    let dir = sb.bundle_dir();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let runs: Vec<Vec<String>> = vec![
        s(&[
            "check",
            cloudflare.to_str().unwrap(),
            "--bundle",
            &b,
            "--at",
            late,
        ]),
        s(&["list", "--bundle", &b]),
        s(&["status", "--bundle", &b, "--at", late]),
        s(&["find", "--root", dir.to_str().unwrap()]),
        s(&[
            "diagnose",
            "--chain",
            r10.to_str().unwrap(),
            "--bundle",
            &b,
            "--at",
            late,
        ]),
    ];
    for state in ["absent", "with a patch"] {
        if state == "with a patch" {
            sb.add_ok(real("le-r10.pem"), &bundle, &[]);
        }
        let before = tree(&sb.home());
        for args in &runs {
            let out = sb.cmd().args(args).output().unwrap();
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{args:?}: {code:?} {}",
                stderr(&out)
            );
            if args[0] == "check" {
                assert!(
                    stderr(&out).contains("more than a year old"),
                    "the stale note is in the output: {}",
                    stderr(&out)
                );
            }
            assert_eq!(
                tree(&sb.home()),
                before,
                "{args:?} ({state}) changed CERTPATCH_HOME"
            );
        }
        if state == "absent" {
            assert!(!sb.home().exists(), "no CERTPATCH_HOME made");
        }
    }
}
