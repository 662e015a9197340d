//! The packages: the Python wheel's metadata (`pyproject.toml`) agrees with `Cargo.toml`,
//! which is the one source of the version, and `--version` names the version and, in a git
//! checkout, the revision it was built from.
//!
//! Building and installing the wheel itself is `.ci/wheel-test.sh` (it needs maturin from
//! the package index and minutes of release build).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn toml_file(name: &str) -> toml::Table {
    let path = manifest_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()))
}

fn str_at<'a>(t: &'a toml::Table, path: &[&str]) -> &'a str {
    let mut v: &toml::Value = t.get(path[0]).unwrap_or_else(|| panic!("no `{}`", path[0]));
    for key in &path[1..] {
        v = v
            .get(key)
            .unwrap_or_else(|| panic!("no `{}`", path.join(".")));
    }
    v.as_str()
        .unwrap_or_else(|| panic!("`{}` is not a string", path.join(".")))
}

#[test]
fn pyproject_takes_its_version_from_cargo_and_agrees_with_it() {
    let cargo = toml_file("Cargo.toml");
    let py = toml_file("pyproject.toml");
    let project = py["project"].as_table().expect("[project]");

    // One source of truth for the version: maturin reads Cargo.toml.
    assert!(
        !project.contains_key("version"),
        "pyproject.toml must not repeat the version: Cargo.toml is its one source"
    );
    let dynamic: Vec<&str> = project["dynamic"]
        .as_array()
        .expect("project.dynamic")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(dynamic.contains(&"version"), "{dynamic:?}");
    assert_eq!(str_at(&py, &["build-system", "build-backend"]), "maturin");
    assert_eq!(str_at(&py, &["tool", "maturin", "bindings"]), "bin");

    // What both files state must be the same.
    for (py_key, cargo_key) in [
        ("name", "name"),
        ("description", "description"),
        ("license", "license"),
        ("readme", "readme"),
    ] {
        assert_eq!(
            str_at(&py, &["project", py_key]),
            str_at(&cargo, &["package", cargo_key]),
            "pyproject.toml `project.{py_key}` and Cargo.toml `package.{cargo_key}` differ"
        );
    }
    // No public repository address exists yet: neither file may invent one.
    assert!(
        py["project"].get("urls").is_none(),
        "pyproject.toml names URLs"
    );
    assert!(
        cargo["package"].get("repository").is_none() && cargo["package"].get("homepage").is_none(),
        "Cargo.toml names URLs"
    );
    // The one script of the wheel is the binary, named as the package.
    let bins = cargo["bin"].as_array().expect("[[bin]]");
    assert_eq!(bins.len(), 1, "the wheel's only script is `certpatch`");
    assert_eq!(bins[0]["name"].as_str(), Some("certpatch"));

    assert!(str_at(&py, &["project", "requires-python"]).starts_with(">="));
    assert!(!project["classifiers"].as_array().unwrap().is_empty());
    for file in project["license-files"].as_array().expect("license-files") {
        let file = file.as_str().unwrap();
        assert!(manifest_dir().join(file).is_file(), "{file} is missing");
    }
}

/// The revision `git` reports for this checkout, when the crate is the top of one.
fn checkout_revision(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .run_output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    git(&["rev-parse", "--short=12", "HEAD"])
}

#[test]
fn version_names_the_package_version_and_the_build_revision() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("--version").run_output().unwrap();
    assert_exit(&out, 0, "--version");
    let text = stdout(&out);
    let line = text
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("one line: {text:?}"));
    let rest = line
        .strip_prefix(&format!("certpatch {}", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("`certpatch VERSION…`: {line:?}"));
    let revision = match rest {
        "" => None,
        r => {
            let hex = r
                .strip_prefix(" (git ")
                .and_then(|r| r.strip_suffix(')'))
                .unwrap_or_else(|| panic!("`certpatch VERSION (git REV)`: {line:?}"));
            assert!(
                hex.len() >= 7 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                "{line:?}"
            );
            Some(hex.to_string())
        }
    };
    // Built from a git checkout of certpatch: its HEAD (unless a release build named one).
    if std::env::var_os("CERTPATCH_BUILD_REVISION").is_none() {
        if let Some(head) = checkout_revision(&manifest_dir()) {
            assert_eq!(revision.as_deref(), Some(head.as_str()), "{line:?}");
        }
    }
}
