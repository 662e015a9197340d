//! Where certpatch keeps its own state: backups and the ledger of patches.
//!
//! `CERTPATCH_HOME` names the folder when set (tests always set it); otherwise the
//! platform's data folder from the `directories` crate (`~/.local/share/certpatch` on
//! Linux). Nothing is ever written beside a bundle except the bundle itself.
//!
//! certpatch trusts what it finds here (a restore writes a backup over a bundle, as root
//! too), so the folder, `backups/`, each `backups/<id>/`, the ledger and the files in them
//! must be real folders and files (not symbolic links) owned by the user running
//! certpatch and not writable by group or others, and every folder above the state
//! folder must be owned by root or that user and, if others can write it, sticky (`/tmp`).
//! Anything else is refused with what to do ([`check`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::os::{self, Kind};
use crate::store::error::{Code, StoreError};
use crate::x509::cert::hex;
use crate::x509::text::path_text;

/// The environment variable that overrides the state folder.
pub const CERTPATCH_HOME: &str = "CERTPATCH_HOME";

#[derive(Clone, Debug)]
pub struct Home {
    pub root: PathBuf,
}

impl Home {
    /// The state folder, checked ([`check`]) with its `backups/` when they exist.
    pub fn locate() -> Result<Home> {
        let home = Home::unchecked()?;
        home.check_tree(&home.root.join("backups"))?;
        Ok(home)
    }

    fn unchecked() -> Result<Home> {
        if let Some(root) = from_env()? {
            return Ok(Home { root });
        }
        let dirs = directories::ProjectDirs::from("", "", "certpatch").ok_or_else(|| {
            StoreError::new(
                Code::NoHome,
                format!("cannot find a home folder for certpatch's backups; set {CERTPATCH_HOME} to a folder"),
                format!("set {CERTPATCH_HOME} to a folder"),
            )
        })?;
        Ok(Home {
            root: dirs.data_dir().to_path_buf(),
        })
    }

    /// Checks the folders above the state folder, the state folder, the ledger files, and
    /// every folder from the state folder down to `dir` that exists.
    fn check_tree(&self, dir: &Path) -> Result<()> {
        for above in self.root.ancestors().skip(1) {
            check_above(above)?;
        }
        check(&self.root)?;
        for name in ["ledger.toml", "ledger.lock"] {
            check(&self.root.join(name))?;
        }
        if let Ok(below) = dir.strip_prefix(&self.root) {
            let mut at = self.root.clone();
            for part in below.components() {
                at.push(part);
                check(&at)?;
            }
        }
        Ok(())
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
    /// bundles, which may hold more than certificates. Then checks the state folder and
    /// every folder down to `dir` ([`check`]), so that a folder another user made (or
    /// linked elsewhere) is refused, not written into.
    pub fn ensure(&self, dir: &Path) -> Result<()> {
        self.check_tree(dir)?;
        os::create_private_dirs(dir).with_context(|| {
            format!(
                "cannot create certpatch's state folder `{}`; set {CERTPATCH_HOME} to a writable folder",
                path_text(dir)
            )
        })?;
        self.check_tree(dir)
    }
}

/// The folder `CERTPATCH_HOME` names (made absolute), if it is set. A path that exists
/// and is not a folder (or lies under a file) is refused here, naming the variable: the
/// error it would give later ("cannot check `…/ledger.toml`: Not a directory") names
/// neither the variable nor a way out.
pub fn from_env() -> Result<Option<PathBuf>> {
    let Some(dir) = std::env::var_os(CERTPATCH_HOME).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let dir = std::path::absolute(PathBuf::from(dir))?;
    // The nearest part of the path that exists decides (Linux says ENOTDIR below a file,
    // Windows "path not found": the error kind alone cannot tell).
    let nearest = dir
        .ancestors()
        .find_map(|a| Some((a, std::fs::metadata(a).ok()?)));
    let why = match nearest {
        Some((at, meta)) if !meta.is_dir() => {
            if at == dir.as_path() {
                "which is a file, not a folder"
            } else {
                "which cannot be a folder: a part of that path is a file"
            }
        }
        _ => return Ok(Some(dir)),
    };
    let hint = format!(
        "point {CERTPATCH_HOME} at a folder (certpatch creates it when missing), or unset it to use the default folder"
    );
    Err(StoreError::new(
        Code::NoHome,
        format!(
            "{CERTPATCH_HOME} is `{}`, {why}; certpatch keeps its ledger, backups and config.toml in that folder.\nhint: {hint}",
            path_text(&dir)
        ),
        hint,
    )
    .into())
}

/// Refuses a part of certpatch's state (`path`: a folder or a file) that is a symbolic
/// link, is owned by another user, or can be written by group or others. A path that
/// does not exist passes (certpatch creates it, private). Call it before trusting
/// anything read from the state folder (a backup before a restore).
pub fn check(path: &Path) -> Result<()> {
    let meta = match os::path_meta(path, false) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot check certpatch's state `{}`", path_text(path)))
        }
    };
    let me = crate::store::write::euid();
    let fix = format!(
        "set {CERTPATCH_HOME} to a folder of your own that only you can write (as root under sudo, `sudo -H` uses root's own)"
    );
    let unsafe_state = |message: String, hint: String| -> Result<()> {
        Err(StoreError::new(Code::UnsafeState, message, hint).into())
    };
    if meta.kind == Kind::Link {
        return unsafe_state(
            format!(
                "certpatch's state `{}` is {}; certpatch keeps its backups and ledger only in real folders and files it owns (restore writes a backup over a bundle, so a link could feed it another user's file). Replace the link with a folder, or {fix}",
                path_text(path),
                os::LINK_WORDS
            ),
            format!("replace the link with a folder, or {fix}"),
        );
    }
    if meta.owner != me {
        return unsafe_state(
            format!(
                "certpatch's state `{}` is owned by uid {}, not by you (uid {me}); certpatch trusts its backups and ledger when it restores a bundle, so it uses only state you own. {}, or `chown -R` it to yourself",
                path_text(path),
                meta.owner,
                capitalized(&fix)
            ),
            format!("{fix}, or `chown -R` it to yourself"),
        );
    }
    if meta.mode & 0o022 != 0 {
        return unsafe_state(
            format!(
                "certpatch's state `{}` can be written by group or others (mode {:04o}); another user could plant a backup that a restore would write over a bundle. Run `chmod go-w` on it, or {fix}",
                path_text(path),
                meta.mode & 0o7777
            ),
            format!("run `chmod go-w` on it, or {fix}"),
        );
    }
    Ok(())
}

/// A folder above the state folder: owned by root or the user, and sticky if others can
/// write it (whoever can rename the state folder away can replace it).
fn check_above(dir: &Path) -> Result<()> {
    let Ok(meta) = os::path_meta(dir, true) else {
        return Ok(());
    };
    let me = crate::store::write::euid();
    let others_write = meta.mode & 0o022 != 0 && meta.mode & 0o1000 == 0;
    if (meta.owner != 0 && meta.owner != me) || others_write {
        return Err(StoreError::new(
            Code::UnsafeState,
            format!(
                "certpatch's state folder is inside `{}`, which another user controls (owner uid {}, mode {:04o}) and could swap for a folder of theirs; set {CERTPATCH_HOME} to a folder of your own",
                path_text(dir),
                meta.owner,
                meta.mode & 0o7777
            ),
            format!("set {CERTPATCH_HOME} to a folder of your own"),
        )
        .into());
    }
    Ok(())
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
