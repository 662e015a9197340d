//! The layer rule of `lib.rs`, checked on the source, so that a file that breaks it (or a
//! new module placed in no layer) fails `cargo test`: every `crate::NAME` path in a
//! layer's code names that layer or one it may import, and only `cli` names clap.
//! Comment lines and test code (from a file's first `#[cfg(test)]` on) are not checked.

use std::path::{Path, PathBuf};

/// Each layer and the layers it may import (itself included).
const RULE: &[(&str, &[&str])] = &[
    (
        "cli",
        &[
            "cli", "health", "target", "store", "discover", "accept", "net", "pki", "bundle",
            "x509",
        ],
    ),
    (
        "health",
        &[
            "health", "target", "store", "discover", "accept", "pki", "bundle", "x509",
        ],
    ),
    (
        "target",
        &[
            "target", "store", "discover", "accept", "net", "pki", "bundle", "x509",
        ],
    ),
    ("store", &["store", "bundle", "x509"]),
    ("discover", &["discover", "bundle", "x509"]),
    ("accept", &["accept", "bundle", "x509"]),
    ("net", &["net", "bundle", "x509"]),
    ("pki", &["pki", "bundle", "x509"]),
    ("bundle", &["bundle", "x509"]),
    ("fuzzing", &["fuzzing", "bundle", "x509"]),
    ("x509", &["x509"]),
];

/// The modules' names before the layer folders, which `lib.rs` may still alias while
/// branches are merged, and the layer each belongs to.
const OLD_NAMES: &[(&str, &str)] = &[
    ("plan", "accept"),
    ("validate", "accept"),
    ("commands", "cli"),
    ("exit", "cli"),
    ("output", "cli"),
    ("backup", "store"),
    ("commit", "store"),
    ("home", "store"),
    ("ledger", "store"),
    ("write", "store"),
    ("cert", "x509"),
    ("clock", "x509"),
    ("input", "x509"),
];

fn layer_of_name(name: &str) -> Option<&'static str> {
    RULE.iter()
        .map(|(layer, _)| *layer)
        .find(|layer| *layer == name)
        .or_else(|| OLD_NAMES.iter().find(|(n, _)| *n == name).map(|(_, l)| *l))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first path segment of every `crate::…` in `code` (`crate::{a, b::c}` gives both).
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.push(name);
            }
        } else {
            names.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

#[test]
fn every_import_follows_the_layer_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut broken = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel.iter().next().unwrap().to_string_lossy();
        let first = first.trim_end_matches(".rs");
        // The crate root and the binary may name everything; this file names no layer.
        if ["lib", "main", "layer_rule"].contains(&first) {
            continue;
        }
        let Some((layer, allowed)) = RULE.iter().find(|(l, _)| *l == first) else {
            broken.push(format!(
                "src/{}: in no layer; move it into one (see src/lib.rs)",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let code = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let place = format!("src/{}:{}", rel.display(), n + 1);
            if *layer != "cli" && (line.contains("clap::") || line.contains("use clap")) {
                broken.push(format!("{place}: `{layer}` names clap; only `cli` may"));
            }
            for name in crate_paths(line) {
                match layer_of_name(&name) {
                    Some(to) if allowed.contains(&to) => {}
                    Some(to) => broken.push(format!(
                        "{place}: `{layer}` imports `{to}` (crate::{name}), which it may not"
                    )),
                    None => broken.push(format!(
                        "{place}: crate::{name} is in no layer; place it (see src/lib.rs)"
                    )),
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "the layer rule is broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn crate_paths_reads_single_and_grouped_imports() {
    assert_eq!(crate_paths("use crate::x509::cert::Cert;"), ["x509"]);
    assert_eq!(
        crate_paths("use crate::{bundle::Bundle, self, store};"),
        ["bundle", "store"]
    );
    assert_eq!(
        crate_paths("let a = crate::cert::hex(x) + crate::cli::y;"),
        ["cert", "cli"]
    );
}
