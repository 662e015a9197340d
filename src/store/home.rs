//! Where certpatch keeps its own state: backups and the ledger of patches.
//!
//! `CERTPATCH_HOME` names the folder when set (tests always set it); otherwise the
//! platform's data folder from the `directories` crate (`~/.local/share/certpatch` on
//! Linux). Nothing is ever written beside a bundle except the bundle itself.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use sha2::{Digest, Sha256};

use crate::cert::hex;

/// The environment variable that overrides the state folder.
pub const CERTPATCH_HOME: &str = "CERTPATCH_HOME";

#[derive(Clone, Debug)]
pub struct Home {
    pub root: PathBuf,
}

impl Home {
    pub fn locate() -> Result<Home> {
        if let Some(dir) = std::env::var_os(CERTPATCH_HOME).filter(|v| !v.is_empty()) {
            return Ok(Home {
                root: PathBuf::from(dir),
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "certpatch").ok_or_else(|| {
            anyhow!("cannot find a home folder for certpatch's backups; set {CERTPATCH_HOME} to a folder")
        })?;
        Ok(Home {
            root: dirs.data_dir().to_path_buf(),
        })
    }

    /// The folder holding the pristine copy of one bundle.
    pub fn backup_dir(&self, bundle: &Path) -> PathBuf {
        let key = hex(&Sha256::digest(bundle.as_os_str().as_encoded_bytes()))[..16].to_string();
        self.root.join("backups").join(key)
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.root.join("ledger.toml")
    }

    /// Creates `dir` and its parents, private to the user (0700): backups are copies of
    /// bundles, which may hold more than certificates.
    pub fn ensure(&self, dir: &Path) -> Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| {
            format!(
                "cannot create certpatch's state folder `{}`; set {CERTPATCH_HOME} to a writable folder",
                dir.display()
            )
        })
    }
}
