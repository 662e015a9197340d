//! The `--json` documents, as types: every command prints exactly one [`Document`], on
//! success and on failure alike, with `command`, `ok` and `bundles` (empty when the run
//! failed before any bundle), plus its own keys. A run that fails as a whole carries one
//! [`Failure`] under `error`; a bundle that fails while the others go on is a
//! [`BundleError`] entry in `bundles`. The shapes are documented in `docs/json.md`, and a
//! test checks that document's key lists against real output.

use serde::Serialize;

use crate::discover::Override;
use crate::target::TargetJson;

/// The one JSON document a command prints with `--json`.
#[derive(Serialize)]
pub struct Document<'a, B: Serialize, X: Serialize> {
    /// The subcommand (`find`, `add`, …; empty when the command line named none).
    pub command: &'a str,
    /// Whether the command succeeded (its exit code is 0).
    pub ok: bool,
    /// Why the run failed as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// One entry per bundle the command acted on.
    pub bundles: Vec<B>,
    /// The command's own keys.
    #[serde(flatten)]
    pub extra: X,
}

/// Why a whole run failed: a stable code and a message for people, plus, for a
/// fingerprint selector that matched no patch or several, the selector and its matches.
#[derive(Serialize, Debug, Clone)]
pub struct Failure {
    /// `usage`, `failed`, an input's reason (`unreadable`, `private-key`, `malformed`, …),
    /// or `no-match`/`ambiguous` for `remove`'s selectors.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<Vec<String>>,
}

impl Failure {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            code: code.into(),
            message: message.into(),
            selector: None,
            matches: None,
        }
    }
}

/// The failure document of `command`: `ok: false`, the `error`, no bundles.
pub fn failure(command: &str, error: Failure) -> Document<'_, (), NoExtra> {
    Document {
        command,
        ok: false,
        error: Some(error),
        bundles: Vec::new(),
        extra: NoExtra {},
    }
}

/// For documents with no keys of their own.
#[derive(Serialize)]
pub struct NoExtra {}

/// One bundle a command could not handle (the run goes on with the others). Fields in
/// alphabetical order, the order the JSON has always had.
#[derive(Serialize)]
pub struct BundleError<'a> {
    pub error: String,
    /// Always `error`.
    pub status: &'static str,
    pub target: TargetJson<'a>,
}

/// One entry of `bundles`: the command's own entry, or a bundle it could not handle.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Entry<'a, T: Serialize> {
    Done(T),
    Failed(BundleError<'a>),
}

impl<'a, T: Serialize> From<BundleError<'a>> for Entry<'a, T> {
    fn from(e: BundleError<'a>) -> Self {
        Entry::Failed(e)
    }
}

/// `check`'s and `add`'s own keys.
#[derive(Serialize)]
pub struct InputExtra<'a> {
    /// Set variables that make Python read another file than the bundles checked/patched.
    pub overrides: &'a [Override],
    /// `add` only: whether it was a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// The certificates read from FILE.
    pub input: crate::cli::commands::report::InputJson,
    pub notes: &'a [String],
}

/// `list`'s own keys.
#[derive(Serialize)]
pub struct NotesExtra<'a> {
    /// Discovery's notes about the targets.
    pub notes: &'a [String],
}

/// `remove`'s and `restore`'s own keys.
#[derive(Serialize)]
pub struct ChangeExtra<'a> {
    pub dry_run: bool,
    pub notes: &'a [String],
}

/// `find`'s own keys.
#[derive(Serialize)]
pub struct FindExtra<'a> {
    pub notes: Vec<FindNote>,
    pub overrides: &'a [Override],
}

/// A note of discovery's in `find --json`.
#[derive(Serialize)]
pub struct FindNote {
    /// The file or folder it is about (escaped text, or null).
    pub path: Option<String>,
    pub message: String,
}

/// Gives every `bundles[]` entry the bundle's path under one key, `path`, in every
/// command: `find`, `list` and `status` have always had it; the others carried it only as
/// `target.path`, which stays one more release as an alias (docs/json.md says so).
pub fn with_bundle_paths(mut doc: serde_json::Value) -> serde_json::Value {
    if let Some(bundles) = doc.get_mut("bundles").and_then(|b| b.as_array_mut()) {
        for entry in bundles.iter_mut().filter_map(|e| e.as_object_mut()) {
            if entry.contains_key("path") {
                continue;
            }
            if let Some(path) = entry.get("target").and_then(|t| t.get("path")).cloned() {
                entry.insert("path".into(), path);
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bundle_entry_gets_path_from_its_target_and_keeps_its_own() {
        let doc = json!({"bundles": [
            {"target": {"path": "/a/cacert.pem"}},
            {"path": "/b", "target": {"path": "/other"}},
            {"status": "error"}
        ]});
        let out = with_bundle_paths(doc);
        assert_eq!(out["bundles"][0]["path"], "/a/cacert.pem");
        assert_eq!(out["bundles"][0]["target"]["path"], "/a/cacert.pem");
        assert_eq!(out["bundles"][1]["path"], "/b");
        assert!(out["bundles"][2].get("path").is_none());
    }
}
