//! Turning `--bundle`, `--python`, `--env`, `--all` (or none of them) into the list of
//! bundle files a command acts on, each with its kind and where it was found, and what
//! every later open of the file is held to.
//!
//! The policy (certpatch often runs as root on files other users can write):
//! - A discovered bundle (`--env`, `--python`, `--all`, the active environment) whose path
//!   resolves outside its environment, that is not owned by the environment's owner, or
//!   that is not a regular file is refused by discovery, with the reason; one that holds
//!   no certificate is refused when read.
//! - A bundle named with `--bundle` is the user's choice, but a symbolic link on the way
//!   to it (folder or file) owned by anyone but root, the running user or the file's owner
//!   is refused: it would let another user aim a root-run certpatch at any file. An empty
//!   named file is accepted (a bundle to start).
//! - Either way, each open re-checks the file itself ([`crate::store::write`]): same folder, same
//!   owner, regular file, not over the size limit.
//!
//! A layer of its own, between `cli` and the layers that find and change bundles: it may
//! import `discover` and `store` (and what they may import), never `cli`.

use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use serde::Serialize;

use crate::discover::{self, Found, Host, Kind};
use crate::store::write::{self, Expect, Locked};
use crate::x509::text::{path_json, path_text};

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

/// A [`Target`] in JSON: `path`, `kind` (or null), `environment` (or null), `via`,
/// `source`. Fields in alphabetical order, the order the JSON has always had.
#[derive(Serialize, Debug)]
pub struct TargetJson<'a> {
    pub environment: Option<String>,
    pub kind: Option<&'static str>,
    pub path: String,
    pub source: &'static str,
    pub via: &'a str,
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
    /// The interpreter that uses it, when known (not for `--bundle`): a change must load
    /// in it before it is installed.
    pub interpreter: Option<PathBuf>,
    /// That interpreter's Python version, when discovery knows it.
    pub python_version: Option<String>,
    /// What every open of the file is held to (its folder, its owner, whether it must
    /// hold a certificate), or why certpatch refuses to read or write it at all.
    pub check: std::result::Result<Expect, String>,
}

impl Target {
    /// The target as JSON (`target` in every command's bundle entries).
    pub fn json(&self) -> TargetJson<'_> {
        TargetJson {
            environment: self.environment.as_deref().map(path_json),
            kind: self.kind.map(|k| k.as_str()),
            path: path_json(&self.path),
            source: self.source,
            via: &self.via,
        }
    }

    /// Reads the bundle for a command that only looks: refused as the target is, never
    /// blocking, bounded ([`write::read`]).
    pub fn read(&self) -> Result<Vec<u8>> {
        self.check.as_ref().map_err(|r| anyhow!("{r}"))?;
        write::read(&self.path)
    }

    /// Locks the bundle for a change ([`write::lock`]), held to what was checked when it
    /// was resolved.
    pub fn lock(&self, on_wait: impl Fn(&Path)) -> Result<Locked> {
        let expect = self.check.as_ref().map_err(|r| anyhow!("{r}"))?;
        write::lock(&self.path, expect, on_wait)
    }

    /// Whether Python 3.13's partial-chain trust (every certificate in the bundle is an
    /// anchor) may apply: its interpreter is Python 3.13 or newer, or is not known (a
    /// `--bundle` target, an interpreter whose version discovery did not learn).
    pub fn may_be_python_3_13(&self) -> bool {
        match (&self.interpreter, &self.python_version) {
            (Some(_), Some(v)) => discover::at_least_3_13(v).unwrap_or(true),
            _ => true,
        }
    }

    /// Whether its interpreter is Python 3.13 or newer: `None` when not known.
    pub fn python_3_13(&self) -> Option<bool> {
        match (&self.interpreter, &self.python_version) {
            (Some(_), Some(v)) => discover::at_least_3_13(v),
            _ => None,
        }
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
        if let Err(refusal) = links_are_trusted(bundle) {
            bail!("{refusal}");
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
        let exe = discover::layout::interpreter_in(&host.absolute(dir));
        let mut in_env = discover::bundles_in_env(host, dir, discover::Source::EnvArg);
        for b in &mut in_env.bundles {
            b.interpreter.clone_from(&exe);
        }
        found.extend(in_env);
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
        let path = std::fs::canonicalize(&b.path).unwrap_or(b.path);
        // A file the user named may hold no certificate yet (an empty bundle to start);
        // a discovered one must hold one, or it is not what discovery took it for.
        let check = match b.refusal {
            Some(refusal) => Err(refusal),
            None => Expect::of(&path, b.source != discover::Source::BundleArg)
                .map_err(|e| crate::x509::text::chain(&e)),
        };
        targets.push(Target {
            path,
            kind: Some(b.kind),
            environment: b.environment,
            via: b.source.to_string(),
            source: b.source.as_str(),
            interpreter: b.interpreter,
            python_version: b.python_version,
            check,
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

/// The policy for a bundle named with `--bundle`: the user named it, but a symbolic link on
/// the way to it (the file itself or any folder) that belongs to someone other than root,
/// the user running certpatch, or the file's own owner is refused — such a link lets
/// another user point a root-run certpatch at any file (a link planted in `/tmp`).
fn links_are_trusted(named: &Path) -> std::result::Result<(), String> {
    let links = links_on_the_way(named)
        .map_err(|e| format!("cannot resolve the bundle `{}`: {e}", path_text(named)))?;
    let target_owner = std::fs::metadata(named).map(|m| m.uid()).ok();
    let me = write::euid();
    for (link, owner) in links {
        if owner != 0 && owner != me && Some(owner) != target_owner {
            return Err(format!(
                "`{}` is a symbolic link owned by uid {owner}, another user (not root, not you, not the owner of the file it leads to); certpatch does not write through a link another user controls, which could point it at any file. Check where it leads (`ls -l`) and name that file itself with --bundle",
                path_text(&link)
            ));
        }
    }
    Ok(())
}

/// Every symbolic link met while resolving `path` (absolute, or from the current folder),
/// with its owner: the links of the folders on the way, of the file, and of the paths the
/// links themselves name.
fn links_on_the_way(path: &Path) -> std::io::Result<Vec<(PathBuf, u32)>> {
    let path = std::path::absolute(path)?;
    let mut todo: std::collections::VecDeque<PathBuf> = path
        .components()
        .map(|c| PathBuf::from(c.as_os_str()))
        .collect();
    let mut current = PathBuf::from("/");
    let mut links = Vec::new();
    while let Some(part) = todo.pop_front() {
        match part.components().next() {
            Some(Component::RootDir) | Some(Component::Prefix(_)) => current = PathBuf::from("/"),
            Some(Component::CurDir) | None => {}
            Some(Component::ParentDir) => {
                current.pop();
            }
            Some(Component::Normal(name)) => {
                let next = current.join(name);
                let meta = std::fs::symlink_metadata(&next)?;
                if meta.file_type().is_symlink() {
                    links.push((next.clone(), meta.uid()));
                    if links.len() > 40 {
                        return Err(std::io::Error::other("too many levels of symbolic links"));
                    }
                    let to = std::fs::read_link(&next)?;
                    for c in to.components().rev() {
                        todo.push_front(PathBuf::from(c.as_os_str()));
                    }
                } else {
                    current = next;
                }
            }
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_on_the_way_follows_folders_files_and_relative_links() {
        let t = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(t.path()).unwrap();
        std::fs::create_dir_all(base.join("real/sub")).unwrap();
        std::fs::write(base.join("real/sub/file"), "x").unwrap();
        std::os::unix::fs::symlink("real", base.join("dirlink")).unwrap();
        std::os::unix::fs::symlink("sub/file", base.join("real/flink")).unwrap();
        let links = links_on_the_way(&base.join("dirlink/flink")).unwrap();
        let names: Vec<PathBuf> = links.into_iter().map(|(p, _)| p).collect();
        assert_eq!(names, vec![base.join("dirlink"), base.join("real/flink")]);
        assert!(links_on_the_way(&base.join("real/sub/../sub/file"))
            .unwrap()
            .is_empty());
    }
}
