//! The layer rule of `lib.rs`, checked on the source, so that a file that breaks it (or a
//! new module placed in no layer) fails `cargo test`: every `crate::NAME` path in a
//! layer's code names that layer or one it may import, and only `cli` names clap.
//!
//! Each file is read as Rust with `syn`: every production line is checked, including the
//! code after a test module and inside macro calls (`format!("{}", crate::…)`); only the
//! items marked `#[cfg(test)]` (test modules, test-only functions) and comments and docs
//! are left out.

use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// Each layer and the layers it may import (itself included).
const RULE: &[(&str, &[&str])] = &[
    (
        "cli",
        &[
            "cli", "usecase", "health", "target", "store", "discover", "accept", "net", "pki",
            "bundle", "x509", "os",
        ],
    ),
    (
        "usecase",
        &[
            "usecase", "health", "target", "store", "discover", "accept", "net", "pki", "bundle",
            "x509", "os",
        ],
    ),
    (
        "health",
        &[
            "health", "target", "store", "discover", "accept", "pki", "bundle", "x509", "os",
        ],
    ),
    (
        "target",
        &[
            "target", "store", "discover", "accept", "net", "pki", "bundle", "x509", "os",
        ],
    ),
    ("store", &["store", "bundle", "x509", "os"]),
    ("discover", &["discover", "bundle", "x509", "os"]),
    ("accept", &["accept", "bundle", "x509", "os"]),
    ("net", &["net", "bundle", "x509", "os"]),
    ("pki", &["pki", "bundle", "x509", "os"]),
    ("bundle", &["bundle", "x509", "os"]),
    ("fuzzing", &["fuzzing", "bundle", "x509", "os"]),
    ("x509", &["x509", "os"]),
    ("os", &["os"]),
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

/// Whether an item carries `#[cfg(test)]` (exactly: `cfg(not(test))` or
/// `cfg(any(test, …))` code is production code and stays checked).
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string() == "test")
    })
}

/// Drops every `#[cfg(test)]` item (at any depth: modules, impls, traits, blocks), so
/// that what is left is the production code.
struct DropTests;

impl VisitMut for DropTests {
    fn visit_file_mut(&mut self, f: &mut syn::File) {
        f.items.retain(|i| !item_is_test(i));
        syn::visit_mut::visit_file_mut(self, f);
    }
    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut m.content {
            items.retain(|i| !item_is_test(i));
        }
        syn::visit_mut::visit_item_mod_mut(self, m);
    }
    fn visit_item_impl_mut(&mut self, i: &mut syn::ItemImpl) {
        i.items.retain(|it| match it {
            syn::ImplItem::Fn(f) => !is_test_only(&f.attrs),
            syn::ImplItem::Const(c) => !is_test_only(&c.attrs),
            syn::ImplItem::Type(t) => !is_test_only(&t.attrs),
            _ => true,
        });
        syn::visit_mut::visit_item_impl_mut(self, i);
    }
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        b.stmts.retain(|s| match s {
            syn::Stmt::Item(i) => !item_is_test(i),
            syn::Stmt::Local(l) => !is_test_only(&l.attrs),
            _ => true,
        });
        syn::visit_mut::visit_block_mut(self, b);
    }
    // Docs are attributes to syn; they name modules in links, not imports.
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
        attrs.retain(|a| !a.path().is_ident("doc"));
    }
}

fn item_is_test(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        _ => return false,
    };
    is_test_only(attrs)
}

/// A name a file uses: `crate::NAME` (line of `NAME`), or `clap`.
#[derive(Debug, PartialEq)]
struct Named {
    line: usize,
    name: String,
}

/// The production code of `source`: the `crate::` paths it names (the first segment of
/// each, `crate::{a, b::c}` giving both) and every use of `clap`, with their lines.
fn production_names(source: &str) -> syn::Result<Vec<Named>> {
    let mut file = syn::parse_file(source)?;
    DropTests.visit_file_mut(&mut file);
    let mut out = Vec::new();
    scan(file.into_token_stream(), &mut out);
    Ok(out)
}

/// Walks the tokens (macro arguments included) for `crate :: NAME`, `crate :: { … }` and
/// `clap`.
fn scan(tokens: TokenStream, out: &mut Vec<Named>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Group(g) => scan(g.stream(), out),
            TokenTree::Ident(id) if id == "clap" => out.push(Named {
                line: id.span().start().line,
                name: "clap".into(),
            }),
            TokenTree::Ident(id) if id == "crate" => {
                let colons = matches!(
                    (tokens.get(i + 1), tokens.get(i + 2)),
                    (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                        if a.as_char() == ':' && b.as_char() == ':'
                );
                if !colons {
                    continue;
                }
                match tokens.get(i + 3) {
                    Some(TokenTree::Ident(name)) if name != "self" => out.push(Named {
                        line: name.span().start().line,
                        name: name.to_string(),
                    }),
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                        group_heads(g.stream(), out)
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// The first name of each comma-separated path in a `use crate::{…}` group.
fn group_heads(tokens: TokenStream, out: &mut Vec<Named>) {
    let mut at_start = true;
    for t in tokens {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' => at_start = true,
            TokenTree::Ident(id) if at_start => {
                if id != "self" {
                    out.push(Named {
                        line: id.span().start().line,
                        name: id.to_string(),
                    });
                }
                at_start = false;
            }
            _ => at_start = false,
        }
    }
}

/// The breaks of the layer rule in one file of `layer`, as `PLACE: what` lines.
fn breaks(place: &str, layer: &str, allowed: &[&str], source: &str) -> Vec<String> {
    let names = match production_names(source) {
        Ok(names) => names,
        Err(e) => return vec![format!("{place}: does not parse as Rust: {e}")],
    };
    let mut broken = Vec::new();
    for Named { line, name } in names {
        let at = format!("{place}:{line}");
        if name == "clap" {
            if layer != "cli" {
                broken.push(format!("{at}: `{layer}` names clap; only `cli` may"));
            }
            continue;
        }
        match layer_of_name(&name) {
            Some(to) if allowed.contains(&to) => {}
            Some(to) => broken.push(format!(
                "{at}: `{layer}` imports `{to}` (crate::{name}), which it may not"
            )),
            None => broken.push(format!(
                "{at}: crate::{name} is in no layer; place it (see src/lib.rs)"
            )),
        }
    }
    broken
}

#[test]
fn every_import_follows_the_layer_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut broken = Vec::new();
    let mut checked = 0;
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
        broken.extend(breaks(
            &format!("src/{}", rel.display()),
            layer,
            allowed,
            &text,
        ));
        checked += 1;
    }
    assert!(checked > 50, "only {checked} files found under src/");
    assert!(
        broken.is_empty(),
        "the layer rule is broken:\n{}",
        broken.join("\n")
    );
}

fn names(source: &str) -> Vec<String> {
    production_names(source)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

#[test]
fn reads_single_grouped_and_macro_paths() {
    assert_eq!(names("use crate::x509::cert::Cert;"), ["x509"]);
    assert_eq!(
        names("use crate::{bundle::Bundle, self, store::{a, b}};"),
        ["bundle", "store"]
    );
    assert_eq!(
        names("fn f() { let a = crate::cert::hex(x) + format!(\"{}\", crate::cli::y()); }"),
        ["cert", "cli"]
    );
    assert_eq!(names("fn f() -> clap::Command { todo!() }"), ["clap"]);
}

#[test]
fn skips_only_test_items_comments_and_docs() {
    let source = r#"
//! Docs name [`crate::cli`] in a link.
// use crate::cli::x;
#[cfg(test)]
mod tests { use crate::cli::x; }
#[cfg(test)]
fn helper() { crate::cli::y(); }
impl A {
    #[cfg(test)]
    fn only_for_tests() { crate::cli::z(); }
    fn real() { crate::net::fetch(); }
}
#[cfg(not(test))]
fn production() { crate::store::write(); }
/// After the test module: still production.
fn after() { crate::health::status(); }
"#;
    assert_eq!(names(source), ["net", "store", "health"]);
}

#[test]
fn a_planted_import_after_a_test_module_is_caught() {
    // The old line scan stopped at a file's first `#[cfg(test)]`; this one does not.
    let source = "use crate::bundle::Bundle;\n#[cfg(test)]\nmod tests {}\nfn f() { crate::cli::exit::chain(); }\n";
    let found = breaks("src/pki/x.rs", "pki", &["pki", "bundle", "x509"], source);
    assert_eq!(
        found,
        ["src/pki/x.rs:4: `pki` imports `cli` (crate::cli), which it may not"]
    );
    let clap = breaks(
        "src/store/x.rs",
        "store",
        &["store"],
        "fn f(_: clap::Command) {}",
    );
    assert_eq!(
        clap,
        ["src/store/x.rs:1: `store` names clap; only `cli` may"]
    );
}
