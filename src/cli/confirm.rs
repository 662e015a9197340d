//! The question before a machine-wide write. certpatch acts on the active environment
//! when no target is named; outside a virtual environment that is the interpreter on
//! `PATH` — a system or pyenv install every program of the machine (or of the user) shares
//! —, and `--all` is every bundle `find` reports. A write to those asks first on a
//! terminal, as pip and uv ask before a change the user may not have meant; `--yes`
//! answers yes, and with no terminal and no `--yes` nothing is written.
//!
//! [`question`] decides (a pure function of the targets), [`Context::confirm_write`] asks.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Result};

use crate::cli::commands::Context;
use crate::cli::output::path_text;
use crate::target::Target;

/// Sources that name a target on purpose (`--bundle`, `--python`, `--env`, or the
/// configuration's default targets, which resolve as those) or name a virtual
/// environment the user activated or keeps in the project (`$VIRTUAL_ENV`, `.venv`,
/// `$CONDA_PREFIX`).
const NO_QUESTION: &[&str] = &[
    "bundle-arg",
    "python-arg",
    "env-arg",
    "virtual-env",
    "dot-venv",
    "conda-prefix",
];

/// Why a write needs the user's yes, and the bundles it would change.
#[derive(Debug, PartialEq, Eq)]
pub struct Question {
    pub why: String,
    pub bundles: Vec<String>,
}

/// Whether a target is a virtual environment's (its environment has a `pyvenv.cfg`).
fn in_venv(t: &Target) -> bool {
    t.environment
        .as_ref()
        .is_some_and(|e| e.join("pyvenv.cfg").is_file())
}

/// The question a write to `targets` needs, if any: every target when `all` (`--all`),
/// else the targets chosen implicitly outside a virtual environment (the interpreter on
/// `PATH`, a system, pyenv or other shared install).
pub fn question(all: bool, targets: &[Target]) -> Option<Question> {
    let shared: Vec<&Target> = if all {
        targets.iter().collect()
    } else {
        targets
            .iter()
            .filter(|t| !NO_QUESTION.contains(&t.source) && !in_venv(t))
            .collect()
    };
    let first = shared.first()?;
    let why = if all {
        "`--all` changes every bundle `certpatch find` reports".to_string()
    } else {
        let env = first
            .environment
            .as_deref()
            .map_or_else(|| path_text(&first.path), path_text);
        format!(
            "no target was named and no virtual environment is active, so certpatch would change the bundles of {env} ({}), which every program using that Python shares",
            first.via
        )
    };
    Some(Question {
        why,
        bundles: shared.iter().map(|t| path_text(&t.path)).collect(),
    })
}

/// Reads the answer to a question: `y` or `yes` (any case) is yes, anything else no.
pub fn answered_yes(input: &mut impl BufRead) -> bool {
    let mut line = String::new();
    input.read_line(&mut line).is_ok()
        && matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

impl Context {
    /// Asks before a write to `targets` when [`question`] says so. `--yes` answers yes;
    /// on a terminal the user answers; with no terminal, fails and writes nothing.
    pub fn confirm_write(&self, all: bool, targets: &[Target]) -> Result<()> {
        let Some(q) = question(all, targets) else {
            return Ok(());
        };
        if self.yes {
            return Ok(());
        }
        let hint =
            "pass `--yes`, or name the target with `--env DIR`, `--python EXE` or `--bundle FILE`";
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            bail!(
                "{}; nothing was written: this asks for confirmation, and there is no terminal to ask on. To go ahead, {hint}",
                q.why
            );
        }
        let mut text = format!("{}:\n", q.why);
        for b in q.bundles.iter().take(10) {
            text.push_str(&format!("  {b}\n"));
        }
        if q.bundles.len() > 10 {
            text.push_str(&format!("  … and {} more\n", q.bundles.len() - 10));
        }
        text.push_str("Change them? [y/N] ");
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
        drop(err);
        if answered_yes(&mut std::io::stdin().lock()) {
            return Ok(());
        }
        bail!("not confirmed; nothing was written (to go ahead, {hint})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn target(source: &'static str, env: Option<PathBuf>) -> Target {
        Target {
            path: PathBuf::from("/x/lib/python3.12/site-packages/certifi/cacert.pem"),
            kind: None,
            environment: env,
            via: "interpreter on `PATH`".into(),
            source,
            interpreter: None,
            python_version: None,
            check: Err("test".into()),
        }
    }

    #[test]
    fn an_implicit_install_on_path_asks_and_a_venv_does_not() {
        let q = question(false, &[target("path-python", Some("/usr".into()))]).unwrap();
        assert!(q.why.contains("/usr (interpreter on `PATH`)"), "{}", q.why);
        assert_eq!(q.bundles.len(), 1);
        assert_eq!(
            question(false, &[target("pyenv", None)]).map(|q| q.bundles.len()),
            Some(1)
        );
        for source in NO_QUESTION {
            assert_eq!(question(false, &[target(source, None)]), None, "{source}");
        }
        let venv = tempfile::tempdir().unwrap();
        std::fs::write(venv.path().join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        let t = target("path-python", Some(venv.path().to_path_buf()));
        assert_eq!(question(false, &[t]), None, "a venv's python3 on PATH");
    }

    #[test]
    fn all_always_asks_even_for_named_bundles() {
        let q = question(
            true,
            &[target("bundle-arg", None), target("virtual-env", None)],
        );
        assert_eq!(q.map(|q| q.bundles.len()), Some(2));
        assert_eq!(question(true, &[]), None, "nothing to change");
    }

    #[test]
    fn only_y_or_yes_is_yes() {
        for (input, yes) in [
            ("y\n", true),
            ("YES\n", true),
            ("n\n", false),
            ("\n", false),
            ("", false),
            ("yep\n", false),
        ] {
            assert_eq!(answered_yes(&mut input.as_bytes()), yes, "{input:?}");
        }
    }
}
