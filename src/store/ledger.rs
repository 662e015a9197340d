//! The ledger: which certificate certpatch added to which bundle, and when.
//!
//! A bundle can lose its patches without certpatch noticing (`pip install -U certifi`
//! rewrites `cacert.pem`). The ledger remembers every patch, with its PEM, outside the
//! bundle, so that a later run can tell a patch that was removed on purpose from one that
//! an upgrade lost, say what replaced the file, and put the patch back (`status`,
//! `reapply`). It is a TOML file (`ledger.toml`) under `CERTPATCH_HOME`, updated
//! atomically under an exclusive lock on `ledger.lock` beside it, so concurrent runs lose
//! nothing.
//!
//! The format has `version = 1` and is read tolerantly: fields this certpatch does not
//! know (a newer certpatch's) are kept as they are when the ledger is rewritten, and
//! fields it knows but that are missing (an older certpatch's) are empty. A file that is
//! not TOML, or whose known fields have the wrong type, is damaged: the error names the
//! file and the line. The ledger is bookkeeping: the markers in each bundle stay the
//! source of truth for which patches are present, so a damaged ledger never stops
//! `list`, `remove` or `restore`.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::store::home::Home;
use crate::store::provenance::Provenance;
use crate::store::write::write_atomic;
use crate::x509::text::path_text;

/// The format this certpatch writes.
pub const VERSION: u32 = 1;

fn version_one() -> u32 {
    VERSION
}

/// The whole ledger.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Ledger {
    /// The format's version (1). A ledger without it is an older certpatch's (read as 1).
    #[serde(default = "version_one")]
    pub version: u32,
    #[serde(default, rename = "patch")]
    pub patches: Vec<Entry>,
    /// Top-level fields of a newer certpatch, kept as they are.
    #[serde(flatten)]
    pub unknown: toml::Table,
}

impl Default for Ledger {
    fn default() -> Ledger {
        Ledger {
            version: VERSION,
            patches: Vec::new(),
            unknown: toml::Table::new(),
        }
    }
}

/// One patch certpatch made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Entry {
    /// The bundle's path, as text (lossy when not UTF-8: TOML strings must be).
    pub bundle: String,
    /// The environment the bundle belongs to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The certificate's SHA-256 (lowercase hex).
    pub sha256: String,
    #[serde(default)]
    pub subject: String,
    /// When it was added (RFC 3339).
    #[serde(default)]
    pub added: String,
    /// Where the certificate came from (the FILE given to `add`, a URL, …).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub not_after: String,
    /// The certificate itself, so that it can be put back without its file.
    #[serde(default)]
    pub pem: String,
    /// The package (and version) that owned the bundle when it was patched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Provenance>,
    /// Whether it was added with `--allow-root` (a self-signed root): `reapply` checks it
    /// again with the rules it was added under.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_root: bool,
    /// The SHA-256 of the whole bundle after certpatch last changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_sha256: Option<String>,
    /// Fields of a newer certpatch, kept as they are.
    #[serde(flatten)]
    pub unknown: toml::Table,
}

impl Entry {
    /// The entry of `cert`, added to `bundle` (of `environment`) at `added` from
    /// `source`; the package and the bundle's hash are filled in by the commit.
    pub fn of_cert(
        bundle: &Path,
        cert: &crate::x509::cert::Cert,
        environment: Option<&Path>,
        added: &str,
        source: &str,
    ) -> Entry {
        let mut e = Entry::new(bundle, cert.sha256_hex(), cert.pem("\n"));
        e.environment = environment.map(|p| p.to_string_lossy().into_owned());
        cert.subject().clone_into(&mut e.subject);
        e.added = added.to_string();
        e.source = source.to_string();
        e.not_after = crate::x509::clock::rfc3339(cert.not_after);
        e
    }

    /// A new entry with the fields every patch has; the caller fills in the rest.
    pub fn new(bundle: &Path, sha256: String, pem: String) -> Entry {
        Entry {
            bundle: bundle.to_string_lossy().into_owned(),
            environment: None,
            sha256,
            subject: String::new(),
            added: String::new(),
            source: String::new(),
            not_after: String::new(),
            pem,
            package: None,
            allow_root: false,
            bundle_sha256: None,
            unknown: toml::Table::new(),
        }
    }
}

/// Why the ledger cannot be read: it names the file and, when the text is at fault, the
/// line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Damaged(pub String);

/// Reads the ledger (an absent one is empty). Readers need no lock: the file is only ever
/// replaced whole, by a rename.
pub fn read(home: &Home) -> Result<Ledger> {
    read_from(&home.ledger_path())
}

/// Applies `change` to the ledger under its lock and saves it.
pub fn update(home: &Home, change: impl FnOnce(&mut Ledger)) -> Result<()> {
    home.ensure(&home.root)?;
    let lock_path = home.root.join("ledger.lock");
    let lock = crate::os::open_lock_file(&lock_path)
        .with_context(|| format!("cannot open `{}`", path_text(&lock_path)))?;
    lock.lock()
        .with_context(|| format!("cannot lock `{}`", path_text(&lock_path)))?;
    let path = home.ledger_path();
    let mut ledger = read_from(&path)?;
    change(&mut ledger);
    let text = toml::to_string(&ledger).context("cannot encode the ledger")?;
    write_atomic(&path, text.as_bytes(), None)
}

/// Parses ledger text; `path` is only for the error.
pub fn parse(text: &str, path: &Path) -> Result<Ledger, Damaged> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Damaged(format!(
            "the ledger `{}` is damaged{}: {}; certpatch still reads the patches present from the bundles' markers (list, remove and restore work), but cannot tell lost patches until it is fixed or moved aside (a new one is started then)",
            path_text(path),
            line.map(|l| format!(" at line {l}")).unwrap_or_default(),
            e.message().trim_end()
        ))
    })
}

fn read_from(path: &Path) -> Result<Ledger> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|e| {
                Damaged(format!(
                    "the ledger `{}` is damaged: it is not UTF-8 text (byte {}); move it aside to start a new one",
                    path_text(path),
                    e.utf8_error().valid_up_to()
                ))
            })?;
            Ok(parse(&text, path)?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read the ledger `{}`", path_text(path))),
    }
}

impl Ledger {
    /// Records a patch (replacing an older record of the same certificate in that bundle).
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

    /// Notes the bundle's SHA-256 after certpatch changed it, on every patch recorded for
    /// it: the hash tells later whether anything else wrote the file since.
    pub fn touch(&mut self, bundle: &Path, sha256: &str) {
        let bundle = bundle.to_string_lossy();
        for e in self.patches.iter_mut().filter(|e| e.bundle == bundle) {
            e.bundle_sha256 = Some(sha256.to_string());
        }
    }

    /// The patches recorded for one bundle, in the order they were recorded.
    pub fn of_bundle<'a>(&'a self, bundle: &'a Path) -> impl Iterator<Item = &'a Entry> + 'a {
        let text = bundle.to_string_lossy().into_owned();
        self.patches.iter().filter(move |e| e.bundle == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(dir: &Path) -> Home {
        Home {
            root: dir.join("home"),
        }
    }

    #[test]
    fn round_trip_with_every_field() {
        let t = tempfile::tempdir().unwrap();
        let h = home(t.path());
        let mut e = Entry::new(
            Path::new("/v/certifi/cacert.pem"),
            "ab".into(),
            "PEM".into(),
        );
        e.environment = Some("/v".into());
        e.package = Some(Provenance {
            package: "certifi".into(),
            version: Some("2024.8.30".into()),
            vendored_certifi: None,
            source: "METADATA".into(),
            manager: "pip".into(),
        });
        e.bundle_sha256 = Some("cd".into());
        update(&h, |l| l.record(e.clone())).unwrap();
        let text = std::fs::read_to_string(h.ledger_path()).unwrap();
        assert!(text.starts_with("version = 1\n"), "{text}");
        let back = read(&h).unwrap();
        assert_eq!(back.version, 1);
        assert_eq!(back.patches, vec![e]);
    }

    #[test]
    fn a_newer_ledger_reads_fine_and_keeps_its_fields() {
        let t = tempfile::tempdir().unwrap();
        let h = home(t.path());
        std::fs::create_dir_all(&h.root).unwrap();
        std::fs::write(
            h.ledger_path(),
            "version = 2\nmachine-id = \"m\"\n\n[[patch]]\nbundle = \"/b\"\nsha256 = \"ab\"\npem = \"P\"\nsigned-by = \"someone\"\n[patch.future]\nx = 1\n",
        )
        .unwrap();
        let l = read(&h).unwrap();
        assert_eq!(l.version, 2);
        assert_eq!(l.patches.len(), 1);
        assert_eq!(l.patches[0].sha256, "ab");
        assert_eq!(l.patches[0].subject, "");
        update(&h, |l| l.touch(Path::new("/b"), "ff")).unwrap();
        let text = std::fs::read_to_string(h.ledger_path()).unwrap();
        for kept in [
            "version = 2",
            "machine-id = \"m\"",
            "signed-by = \"someone\"",
            "x = 1",
        ] {
            assert!(text.contains(kept), "{kept} lost:\n{text}");
        }
        assert!(text.contains("bundle-sha256 = \"ff\""), "{text}");
    }

    #[test]
    fn an_old_ledger_without_version_reads_as_version_one() {
        let l = parse(
            "[[patch]]\nbundle = \"/b\"\nsha256 = \"ab\"\nsubject = \"CN=x\"\nadded = \"t\"\nsource = \"f\"\nnot-after = \"t\"\npem = \"P\"\n",
            Path::new("/l"),
        )
        .unwrap();
        assert_eq!(l.version, 1);
        assert_eq!(l.patches[0].bundle_sha256, None);
    }

    #[test]
    fn damage_names_the_file_and_the_line() {
        let err = parse(
            "version = 1\n\n[[patch]]\nbundle = \"/b\"\nsha256 = 5\n",
            Path::new("/h/ledger.toml"),
        )
        .unwrap_err();
        assert!(
            err.0.contains("`/h/ledger.toml` is damaged at line 5"),
            "{err}"
        );
        let err = parse("version = 1\n[[patch]\n", Path::new("/h/ledger.toml")).unwrap_err();
        assert!(err.0.contains("at line 2"), "{err}");
    }

    #[test]
    fn a_damaged_ledger_is_not_overwritten() {
        let t = tempfile::tempdir().unwrap();
        let h = home(t.path());
        std::fs::create_dir_all(&h.root).unwrap();
        std::fs::write(h.ledger_path(), "garbage [").unwrap();
        assert!(update(&h, |l| l.forget_bundle(Path::new("/b"))).is_err());
        assert_eq!(std::fs::read(h.ledger_path()).unwrap(), b"garbage [");
    }
}
