//! Turning `--bundle`, `--python`, `--env`, `--all` (or none of them) into the list of
//! bundle files a command acts on, each with its kind and where it was found.
//!
//! A layer of its own, between `cli` and the layers that find and change bundles: it may
//! import `discover` and `store` (and what they may import), never `cli`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use serde_json::json;

use crate::discover::{self, Found, Host, Kind};
use crate::x509::text::{opt_path_text, path_text};

/// Which bundles a command acts on, as plain values: what the user named, and whether
/// every bundle `find` reports. With nothing named and not `all`, the active environment.
/// (The command line builds this from its `--bundle`, `--python`, `--env`, `--all` flags.)
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub named: Named,
    pub all: bool,
}

/// Bundles named one way or another.
#[derive(Clone, Debug, Default)]
pub struct Named {
    /// Bundle files.
    pub bundles: Vec<PathBuf>,
    /// Interpreters: every bundle each one uses.
    pub pythons: Vec<PathBuf>,
    /// Environments: every bundle inside each one.
    pub envs: Vec<PathBuf>,
}

/// One bundle a command acts on.
#[derive(Clone, Debug)]
pub struct Target {
    /// The real file (symlinks resolved); what is locked, written and backed up.
    pub path: PathBuf,
    pub kind: Option<Kind>,
    pub environment: Option<PathBuf>,
    /// How it was found, for messages ("named by --bundle", "found via `VIRTUAL_ENV`").
    pub via: String,
    /// The same, as a stable identifier for JSON (`bundle-arg`, `virtual-env`, …).
    pub source: &'static str,
}

impl Target {
    pub fn json(&self) -> serde_json::Value {
        json!({
            "path": path_text(&self.path),
            "kind": self.kind.map(|k| k.as_str()),
            "environment": opt_path_text(self.environment.as_deref()),
            "via": self.via,
            "source": self.source,
        })
    }

    /// `PATH (certifi, found via …)`
    pub fn describe(&self) -> String {
        let mut extra = Vec::new();
        if let Some(kind) = self.kind {
            extra.push(kind.as_str().to_string());
        }
        extra.push(self.via.clone());
        format!("{} ({})", path_text(&self.path), extra.join(", "))
    }
}

/// What resolution found: the targets and the notes discovery wants the user to see
/// (a distribution-patched certifi, an interpreter that did not answer, …).
pub struct Resolved {
    pub targets: Vec<Target>,
    pub notes: Vec<String>,
}

pub fn resolve(spec: &Spec, host: &Host) -> Result<Resolved> {
    let mut found = Found::default();
    for bundle in &spec.named.bundles {
        if !bundle.is_file() {
            bail!(
                "the bundle `{}` does not exist or is not a file\nhint: `certpatch find` lists the bundles on this machine",
                bundle.display()
            );
        }
        let named = discover::named_bundle(bundle);
        match discover::named_bundle_check(host, &named) {
            Err(refusal) => bail!("{refusal}"),
            Ok(Some(note)) => found.notes.push(discover::Note {
                path: None,
                message: note,
            }),
            Ok(None) => {}
        }
        found.bundles.push(named);
    }
    for exe in &spec.named.pythons {
        found.extend(discover::bundles_of_python(host, exe));
    }
    for dir in &spec.named.envs {
        if !dir.is_dir() {
            bail!(
                "the environment `{}` does not exist or is not a folder",
                dir.display()
            );
        }
        found.extend(discover::bundles_in_env(
            host,
            dir,
            discover::Source::EnvArg,
        ));
    }
    if spec.all {
        found.extend(discover::find_all(host, &[], &[]));
    }
    let named_any = !spec.named.bundles.is_empty()
        || !spec.named.pythons.is_empty()
        || !spec.named.envs.is_empty()
        || spec.all;
    if !named_any {
        match discover::active_environment(host) {
            Ok(env) => {
                let mut in_env = discover::bundles_of_environment(host, &env);
                for passed in &env.passed_over {
                    in_env.notes.push(discover::Note {
                        path: None,
                        message: format!(
                            "passed over: {passed}; using {} ({}) instead",
                            path_text(&env.root),
                            env.source
                        ),
                    });
                }
                if in_env.bundles.is_empty() {
                    in_env.notes.push(discover::Note {
                        path: Some(env.root.clone()),
                        message: format!(
                            "the active environment `{}` ({}) has no CA bundle (is certifi installed there?)",
                            env.root.display(),
                            env.source
                        ),
                    });
                }
                found.extend(in_env);
            }
            Err(not_found) => bail!("{not_found}"),
        }
    }
    let mut targets: Vec<Target> = Vec::new();
    for b in found.bundles {
        if targets.iter().any(|t| t.path == b.path) {
            continue;
        }
        targets.push(Target {
            path: std::fs::canonicalize(&b.path).unwrap_or(b.path),
            kind: Some(b.kind),
            environment: b.environment,
            via: b.source.to_string(),
            source: b.source.as_str(),
        });
    }
    let notes: Vec<String> = found
        .notes
        .into_iter()
        .map(|n| match n.path {
            Some(p) => format!("{}: {}", p.display(), n.message),
            None => n.message,
        })
        .collect();
    if targets.is_empty() {
        // The notes are the explanation (a system store, an interpreter that failed).
        let mut message = String::from(if named_any {
            "no CA bundle found in the named targets"
        } else {
            "no CA bundle found in the active environment"
        });
        for note in &notes {
            message.push_str("\n  ");
            message.push_str(note);
        }
        message.push_str("\nhint: `certpatch find` lists the bundles on this machine; name one with --bundle FILE");
        bail!(message);
    }
    Ok(Resolved { targets, notes })
}
