//! The pristine copy of a bundle, kept before certpatch first patches it.
//!
//! One backup per bundle path, under `CERTPATCH_HOME/backups/<hash of the path>/`:
//! `original` (the bytes) and `meta.toml` (which file, when, its SHA-256). A backup is
//! taken when a bundle without certpatch patches is about to be patched; when the bundle
//! already holds patches the existing backup is kept, since it is the state before them.
//! If the bundle was replaced since (an upgrade of certifi) and holds no patches, the new
//! content is the new pristine state and replaces the old backup.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cert::hex;
use crate::home::Home;
use crate::write::write_atomic;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Meta {
    /// The bundle's path (lossy text when it is not UTF-8: TOML strings must be).
    bundle: String,
    saved: String,
    sha256: String,
    size: u64,
}

pub struct Backup {
    pub dir: PathBuf,
    pub original: PathBuf,
}

impl Backup {
    pub fn of(home: &Home, bundle: &Path) -> Backup {
        let dir = home.backup_dir(bundle);
        Backup {
            original: dir.join("original"),
            dir,
        }
    }

    pub fn exists(&self) -> bool {
        self.original.is_file()
    }

    pub fn read(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.original)
            .with_context(|| format!("cannot read the backup `{}`", self.original.display()))
    }

    /// Saves `pristine` as this bundle's backup unless an existing backup already is the
    /// state before the current patches. Returns whether a new backup was written.
    pub fn ensure(
        &self,
        home: &Home,
        bundle: &Path,
        pristine: &[u8],
        has_patches: bool,
    ) -> Result<bool> {
        if self.exists() && (has_patches || self.read()? == pristine) {
            return Ok(false);
        }
        home.ensure(&self.dir)?;
        write_atomic(&self.original, pristine, None)?;
        let meta = Meta {
            bundle: bundle.to_string_lossy().into_owned(),
            saved: crate::clock::now_rfc3339(),
            sha256: hex(&Sha256::digest(pristine)),
            size: pristine.len() as u64,
        };
        let text = toml::to_string(&meta)?;
        write_atomic(&self.dir.join("meta.toml"), text.as_bytes(), None)?;
        Ok(true)
    }

    /// Forgets the backup (after a restore, the bundle is the pristine copy again).
    pub fn discard(&self) -> Result<()> {
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("cannot remove the backup `{}`", self.dir.display()))
    }
}
