//! The pristine copy of a bundle, kept before certpatch first patches it.
//!
//! One backup per bundle path, under `CERTPATCH_HOME/backups/<hash of the path>/`:
//! `original` (the bytes) and `meta.toml` (which file, when, its SHA-256 and size, and which
//! package owned the bundle then — see [`crate::store::provenance`]). A backup is taken when a
//! bundle without certpatch patches is about to be patched; when the bundle already holds
//! patches the existing backup is kept, since it is the state before them. If the bundle
//! was replaced since (an upgrade of certifi) and holds no patches, the new content is the
//! new pristine state and replaces the old backup.
//!
//! A backup cannot lie: [`Backup::load`] reads `meta.toml` and checks the `original`'s size
//! and SHA-256 against it before the bytes are used; a mismatch, or a meta file that cannot
//! be read, is a [`Damaged`] backup, which is never restored. Meta files of older (fewer
//! fields) and newer (more fields) certpatch versions are read alike.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::home::Home;
use crate::store::provenance::Provenance;
use crate::store::write::write_atomic;
use crate::x509::cert::hex;
use crate::x509::text::path_text;

/// `meta.toml`. Unknown fields (a newer certpatch's) are ignored; missing optional fields
/// (an older one's) are `None`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Meta {
    /// The bundle's path (lossy text when it is not UTF-8: TOML strings must be).
    #[serde(default)]
    pub bundle: String,
    #[serde(default)]
    pub saved: String,
    pub sha256: String,
    #[serde(default)]
    pub size: Option<u64>,
    /// The package that owned the bundle when the backup was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

pub struct Backup {
    pub dir: PathBuf,
    pub original: PathBuf,
    pub meta: PathBuf,
}

/// A backup whose bytes match its `meta.toml`.
pub struct Loaded {
    pub bytes: Vec<u8>,
    pub meta: Meta,
}

/// Why a backup cannot be trusted (the message names the files and what to do).
#[derive(Debug)]
pub struct Damaged(pub String);

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Backup {
    pub fn of(home: &Home, bundle: &Path) -> Backup {
        let dir = home.backup_dir(bundle);
        Backup {
            original: dir.join("original"),
            meta: dir.join("meta.toml"),
            dir,
        }
    }

    pub fn exists(&self) -> bool {
        self.original.is_file()
    }

    /// Reads the backup and checks it against its `meta.toml`.
    pub fn load(&self) -> Result<Loaded, Damaged> {
        let damaged = |why: String| {
            Damaged(format!(
                "damaged backup: {why} (backup `{}`, meta `{}`); it is not used",
                path_text(&self.original),
                path_text(&self.meta)
            ))
        };
        crate::store::home::check(&self.dir)
            .and_then(|_| crate::store::home::check(&self.original))
            .map_err(|e| Damaged(crate::x509::text::chain(&e)))?;
        let text = std::fs::read_to_string(&self.meta)
            .map_err(|e| damaged(format!("its meta.toml cannot be read: {e}")))?;
        let meta: Meta = toml::from_str(&text)
            .map_err(|e| damaged(format!("its meta.toml cannot be parsed: {}", e.message())))?;
        let bytes = std::fs::read(&self.original)
            .map_err(|e| damaged(format!("the copy cannot be read: {e}")))?;
        let actual = hex(&Sha256::digest(&bytes));
        if !actual.eq_ignore_ascii_case(meta.sha256.trim()) {
            return Err(damaged(format!(
                "the copy's SHA-256 is {actual} but meta.toml records {}",
                meta.sha256.trim()
            )));
        }
        if meta.size.is_some_and(|size| size != bytes.len() as u64) {
            return Err(damaged(format!(
                "the copy is {} bytes but meta.toml records {}",
                bytes.len(),
                meta.size.unwrap_or_default()
            )));
        }
        Ok(Loaded { bytes, meta })
    }

    /// Saves `pristine` as this bundle's backup unless an existing, intact backup already
    /// is the state before the current patches. Returns whether a new backup was written.
    /// A damaged backup is replaced (it could never be restored anyway).
    pub fn ensure(
        &self,
        home: &Home,
        bundle: &Path,
        pristine: &[u8],
        has_patches: bool,
    ) -> Result<bool> {
        if self.exists() {
            if let Ok(loaded) = self.load() {
                if has_patches || loaded.bytes == pristine {
                    return Ok(false);
                }
            }
        }
        home.ensure(&self.dir)?;
        write_atomic(&self.original, pristine, None)?;
        let meta = Meta {
            bundle: bundle.to_string_lossy().into_owned(),
            saved: crate::x509::clock::now_rfc3339(),
            sha256: hex(&Sha256::digest(pristine)),
            size: Some(pristine.len() as u64),
            provenance: crate::store::provenance::of(bundle),
        };
        let text = toml::to_string(&meta)?;
        write_atomic(&self.meta, text.as_bytes(), None)?;
        Ok(true)
    }

    /// Forgets the backup (after a restore, the bundle is the pristine copy again).
    pub fn discard(&self) -> Result<()> {
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("cannot remove the backup `{}`", path_text(&self.dir)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup_in(dir: &Path) -> Backup {
        Backup {
            dir: dir.to_path_buf(),
            original: dir.join("original"),
            meta: dir.join("meta.toml"),
        }
    }

    fn sha(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }

    #[test]
    fn intact_backup_loads_with_old_and_new_meta_formats() {
        let t = tempfile::tempdir().unwrap();
        let b = backup_in(t.path());
        std::fs::write(&b.original, b"pristine").unwrap();
        // The format of certpatch 0.1 (no provenance).
        let old = format!(
            "bundle = \"/x/cacert.pem\"\nsaved = \"2026-01-01T00:00:00Z\"\nsha256 = \"{}\"\nsize = 8\n",
            sha(b"pristine")
        );
        std::fs::write(&b.meta, &old).unwrap();
        assert_eq!(b.load().unwrap().bytes, b"pristine");
        // A newer certpatch's, with fields this one does not know.
        std::fs::write(
            &b.meta,
            format!("{old}future-field = 3\n[provenance]\npackage = \"certifi\"\nversion = \"2024.8.30\"\nnew-key = true\n"),
        )
        .unwrap();
        let loaded = b.load().unwrap();
        assert_eq!(
            loaded.meta.provenance.unwrap().version.as_deref(),
            Some("2024.8.30")
        );
    }

    #[test]
    fn tampered_or_unreadable_backup_is_damaged() {
        let t = tempfile::tempdir().unwrap();
        let b = backup_in(t.path());
        std::fs::write(&b.original, b"attacker's bundle").unwrap();
        let meta = format!("sha256 = \"{}\"\n", sha(b"pristine"));
        std::fs::write(&b.meta, meta).unwrap();
        let err = b.load().err().expect("a tampered copy is refused");
        assert!(err.0.starts_with("damaged backup"), "{err}");
        assert!(err.0.contains("SHA-256"), "{err}");
        // Same hash but a size that does not match.
        std::fs::write(&b.original, b"pristine").unwrap();
        std::fs::write(
            &b.meta,
            format!("sha256 = \"{}\"\nsize = 9\n", sha(b"pristine")),
        )
        .unwrap();
        assert!(b.load().is_err());
        // No meta at all.
        std::fs::remove_file(&b.meta).unwrap();
        assert!(b
            .load()
            .err()
            .unwrap()
            .0
            .contains("meta.toml cannot be read"));
        // Meta that is not TOML.
        std::fs::write(&b.meta, "sha256 = ").unwrap();
        assert!(b.load().err().unwrap().0.contains("cannot be parsed"));
    }
}
