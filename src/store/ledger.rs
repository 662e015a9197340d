//! The ledger: which certificate certpatch added to which bundle, and when.
//!
//! A bundle can lose its patches without certpatch noticing (`pip install -U certifi`
//! rewrites `cacert.pem`). The ledger remembers every patch, with its PEM, outside the
//! bundle, so that a later run can tell a patch that was removed on purpose from one that
//! an upgrade lost. It is a TOML file under `CERTPATCH_HOME`, updated atomically under an
//! exclusive lock on `ledger.lock` beside it.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::store::home::Home;
use crate::store::write::write_atomic;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Ledger {
    #[serde(default, rename = "patch")]
    pub patches: Vec<Entry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Entry {
    /// The bundle's path, as text (lossy when not UTF-8: TOML strings must be).
    pub bundle: String,
    pub sha256: String,
    pub subject: String,
    pub added: String,
    pub source: String,
    pub not_after: String,
    pub pem: String,
}

/// Applies `change` to the ledger under its lock and saves it.
pub fn update(home: &Home, change: impl FnOnce(&mut Ledger)) -> Result<()> {
    home.ensure(&home.root)?;
    let lock_path = home.root.join("ledger.lock");
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .with_context(|| format!("cannot open `{}`", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock `{}`", lock_path.display()))?;
    let path = home.ledger_path();
    let mut ledger = read_from(&path)?;
    change(&mut ledger);
    let text = toml::to_string(&ledger).context("cannot encode the ledger")?;
    write_atomic(&path, text.as_bytes(), None)
}

fn read_from(path: &Path) -> Result<Ledger> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).with_context(|| {
            format!(
                "the ledger `{}` is damaged; move it aside to start a new one",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read the ledger `{}`", path.display())),
    }
}

impl Ledger {
    pub fn record(&mut self, entry: Entry) {
        let (bundle, sha) = (entry.bundle.clone(), entry.sha256.clone());
        self.patches
            .retain(|e| !(e.bundle == bundle && e.sha256 == sha));
        self.patches.push(entry);
    }

    pub fn forget(&mut self, bundle: &Path, sha256: &str) {
        let bundle = bundle.to_string_lossy();
        self.patches
            .retain(|e| !(e.bundle == bundle && e.sha256 == sha256));
    }

    pub fn forget_bundle(&mut self, bundle: &Path) {
        let bundle = bundle.to_string_lossy();
        self.patches.retain(|e| e.bundle != bundle);
    }
}
