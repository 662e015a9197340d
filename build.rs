//! Build script: gives `certpatch --version` the git revision it was built from, when
//! that is known.
//!
//! It sets `CERTPATCH_VERSION` for the crate: `0.1.0 (git 1a2b3c4d5e6f)` inside a git
//! checkout of certpatch itself, else just the package version. The revision comes from
//! (first that answers):
//! 1. `CERTPATCH_BUILD_REVISION` in the build's environment (release builds in a
//!    container where `git` cannot read the checkout can pass it);
//! 2. `git rev-parse --short=12 HEAD`, only when the crate's folder is the top of the git
//!    checkout (a crate unpacked inside some other repository must not take that
//!    repository's revision);
//! 3. the `.cargo_vcs_info.json` that `cargo package` writes into the crates.io package.
//!
//! Anything missing (no git, not a checkout, an sdist) means no revision, never a failed
//! build: this script cannot fail.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-env-changed=CERTPATCH_BUILD_REVISION");
    let revision = from_env()
        .or_else(|| from_git(&manifest_dir))
        .or_else(|| from_vcs_info(&manifest_dir));
    let line = match revision {
        Some(rev) => format!("{version} (git {rev})"),
        None => version,
    };
    println!("cargo:rustc-env=CERTPATCH_VERSION={line}");
}

/// A revision is hex digits only (7 to 40): anything else is not used.
fn plausible(rev: &str) -> Option<String> {
    let rev = rev.trim();
    let ok = (7..=40).contains(&rev.len()) && rev.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| rev.to_ascii_lowercase())
}

fn from_env() -> Option<String> {
    let rev = plausible(&std::env::var("CERTPATCH_BUILD_REVISION").ok()?)?;
    Some(rev.chars().take(12).collect())
}

/// `git ARGS` run in `dir`, its trimmed standard output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

fn from_git(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&top), dir) {
        return None;
    }
    // Build again when HEAD moves: HEAD itself, its log (written by every commit and
    // checkout, even when the branch lives in packed refs), the branch it names, and packed
    // refs. (Only existing files: a missing one would make cargo run this script every
    // time.)
    for name in ["HEAD", "logs/HEAD", "packed-refs"] {
        watch(dir, name);
    }
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch(dir, &branch);
    }
    plausible(&git(dir, &["rev-parse", "--short=12", "HEAD"])?)
}

/// Tells cargo to run this script again when the git file `name` changes.
fn watch(dir: &Path, name: &str) {
    if let Some(path) = git(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-path", name],
    ) {
        if Path::new(&path).is_file() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// The `"sha1": "…"` of `.cargo_vcs_info.json` (crates.io packages).
fn from_vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let end = start + after[start..].find('"')?;
    plausible(&after[start..end]).map(|rev| rev.chars().take(12).collect())
}
