//! The health of patched bundles: what `status` reports and what `reapply` puts back.
//!
//! A bundle's markers say which patches are present; the ledger says which certpatch made.
//! Together with the package's own record of the file ([`crate::store::provenance`]) they
//! tell, for each target bundle: patches present, patches **lost** (and how: the package
//! was upgraded A → B, reinstalled, or the file replaced), whether the bundle is pristine,
//! patched only by certpatch, or edited by something else, which patched certificates
//! expire within the warning window, and which client ignores the bundle
//! ([`crate::discover::findings`]). Everything is returned as typed values; nothing here
//! prints or writes.
//!
//! A patched certificate (present or lost) whose chain ends at a root certifi removed
//! (through the offline index, [`crate::pki`]) carries that root's history: `reapply`
//! would refuse it as issuer-missing, and adding it cannot work with this bundle.
//!
//! A layer of its own between `cli` and `target`: it may import `target`, `store`,
//! `discover`, `accept`, `pki`, `bundle` and `x509`; never `cli`.

pub mod adopt;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::bundle::Bundle;
use crate::discover::{self, Finding, Host};
use crate::pki::index::Index;
use crate::store::backup::Backup;
use crate::store::home::Home;
use crate::store::ledger::{Entry, Ledger};
use crate::store::provenance::{self, Provenance, Recorded};
use crate::target::Target;
use crate::x509::cert::{hex, Cert};
use crate::x509::clock::rfc3339;
use crate::x509::input;

/// The state of one bundle.
#[derive(Clone, Debug)]
pub struct BundleStatus {
    pub path: PathBuf,
    pub kind: Option<&'static str>,
    /// The program the bundle serves, when it is not just its environment's Python.
    pub serves: Option<discover::Program>,
    pub environment: Option<PathBuf>,
    /// The package that owns the file now.
    pub package: Option<Provenance>,
    /// The package's own record of the file, when there is one.
    pub record: Option<Recorded>,
    /// Whether anything but certpatch changed the file.
    pub state: State,
    /// certpatch's patches in the file (recorded in the ledger or not).
    pub present: Vec<Present>,
    /// Recorded patches the file no longer holds.
    pub lost: Vec<Lost>,
    /// Present patches that expire within the window (or already did).
    pub expiring: Vec<Expiring>,
    /// What makes a client ignore this bundle.
    pub clients: Vec<Finding>,
    /// Why the bundle could not be read, when it could not.
    pub error: Option<String>,
}

impl BundleStatus {
    /// Whether anything here needs the user.
    pub fn needs_attention(&self) -> bool {
        self.error.is_some()
            || !self.lost.is_empty()
            || !self.expiring.is_empty()
            || !self.clients.is_empty()
            || self.present.iter().any(|p| p.removed_root.is_some())
            || matches!(self.state, State::Edited { .. })
    }
}

/// Whether something else changed the bundle, judged against the package's record of the
/// file (else the backup certpatch took) with certpatch's blocks taken out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// As the package installed it, no patches.
    Pristine,
    /// The package's file plus certpatch's patches, nothing else.
    PatchedByCertpatch,
    /// Differs from the package's own copy beyond certpatch's patches.
    Edited { against: String },
    /// No record to judge against.
    Unknown { why: String },
}

#[derive(Clone, Debug)]
pub struct Present {
    pub sha256: String,
    pub subject: String,
    pub not_after: String,
    /// Whether the ledger records it.
    pub recorded: bool,
    /// The root certifi removed that its chain ends at, when the bundle lacks its issuer.
    pub removed_root: Option<RemovedRoot>,
}

pub use crate::pki::advice::RemovedRoot;

/// The removed root `cert`'s chain ends at, when `bundle` lacks its issuer and the
/// offline index has no path to a root the bundle has.
pub fn removed_root(cert: &Cert, bundle: &Bundle, index: &Index) -> Option<RemovedRoot> {
    let c = crate::pki::complete(cert, bundle, index, crate::pki::roots::Roots::embedded());
    if c.path.is_some() {
        return None;
    }
    let end = c.dead_ends.first()?;
    Some(RemovedRoot::new(end, cert.name()))
}

/// A recorded patch the bundle lost, and how.
#[derive(Clone, Debug)]
pub struct Lost {
    pub sha256: String,
    pub subject: String,
    pub not_after: String,
    pub source: String,
    pub added: String,
    pub how: How,
    /// The root certifi removed that its chain ends at, when the bundle lacks its issuer
    /// (then `reapply` refuses it).
    pub removed_root: Option<RemovedRoot>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    /// The owning package's version changed.
    Upgraded {
        package: String,
        from: String,
        to: String,
    },
    /// The owning package went back to an older version.
    Downgraded {
        package: String,
        from: String,
        to: String,
    },
    /// Same version, the package's own copy is back.
    Reinstalled { package: String },
    /// Something else wrote the file.
    Replaced,
}

impl std::fmt::Display for How {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            How::Upgraded { package, from, to } => {
                write!(f, "{package} was upgraded {from} → {to}")
            }
            How::Downgraded { package, from, to } => {
                write!(f, "{package} was downgraded {from} → {to}")
            }
            How::Reinstalled { package } => write!(f, "{package} was reinstalled"),
            How::Replaced => write!(f, "the file was replaced"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Expiring {
    pub sha256: String,
    pub subject: String,
    pub not_after: String,
    /// Days left (negative: expired that many days ago).
    pub days_left: i64,
}

/// What `status` needs besides the targets.
pub struct Inputs<'a> {
    pub host: &'a Host,
    pub home: Option<&'a Home>,
    /// The ledger, when it could be read.
    pub ledger: Option<&'a Ledger>,
    pub at: OffsetDateTime,
    pub warning_days: u32,
    /// The offline index of this run (for removed roots).
    pub index: &'a Index,
}

/// The status of one target bundle.
pub fn status(target: &Target, inputs: &Inputs) -> BundleStatus {
    let package = provenance::of(&target.path);
    let record = provenance::recorded(&target.path);
    let kind = target.kind;
    let clients = kind
        .map(|k| {
            let pip = package
                .as_ref()
                .filter(|p| p.package == "pip")
                .and_then(|p| p.version.as_deref());
            discover::findings(inputs.host, &target.path, k, pip)
        })
        .unwrap_or_default();
    let mut out = BundleStatus {
        path: target.path.clone(),
        kind: kind.map(|k| k.as_str()),
        serves: target.serves(),
        environment: target.environment.clone(),
        package: package.clone(),
        record: record.clone(),
        state: State::Unknown { why: String::new() },
        present: Vec::new(),
        lost: Vec::new(),
        expiring: Vec::new(),
        clients,
        error: None,
    };
    let bytes = match target.read() {
        Ok(b) => b,
        Err(e) => {
            out.error = Some(crate::x509::text::chain(&e));
            return out;
        }
    };
    let bundle = Bundle::parse(bytes);
    let pristine_sha = hex(&Sha256::digest(bundle.pristine()));
    let recorded: Vec<&Entry> = inputs
        .ledger
        .map(|l| l.of_bundle(&target.path).collect())
        .unwrap_or_default();
    let backup_sha = inputs.home.and_then(|h| {
        Backup::of(h, &target.path)
            .load()
            .ok()
            .map(|l| l.meta.sha256.to_ascii_lowercase())
    });
    let patched = !bundle.patches.is_empty();
    out.state = match (&record, &backup_sha) {
        (Some(r), _) if r.sha256 == pristine_sha => {
            if patched {
                State::PatchedByCertpatch
            } else {
                State::Pristine
            }
        }
        (Some(r), _) => State::Edited {
            against: format!("the package's record ({})", r.source),
        },
        (None, Some(b)) if *b == pristine_sha => {
            if patched {
                State::PatchedByCertpatch
            } else {
                State::Unknown {
                    why: "no package record of this file; it is the copy certpatch backed up"
                        .into(),
                }
            }
        }
        (None, Some(_)) if patched => State::Edited {
            against: "certpatch's backup of it before the first patch".into(),
        },
        _ => State::Unknown {
            why: "no package record of this file (no RECORD hash, no conda paths_data) to judge it against".into(),
        },
    };
    for p in &bundle.patches {
        let sha = p.cert.sha256_hex();
        out.present.push(Present {
            recorded: recorded.iter().any(|e| e.sha256 == sha),
            subject: p.cert.subject().to_string(),
            not_after: rfc3339(p.cert.not_after),
            sha256: sha.clone(),
            removed_root: removed_root(&p.cert, &bundle, inputs.index),
        });
        let left = (p.cert.not_after - inputs.at).whole_days();
        if p.cert.not_after - inputs.at < time::Duration::days(i64::from(inputs.warning_days)) {
            out.expiring.push(Expiring {
                sha256: sha,
                subject: p.cert.subject().to_string(),
                not_after: rfc3339(p.cert.not_after),
                days_left: left,
            });
        }
    }
    for e in recorded {
        if bundle
            .patches
            .iter()
            .any(|p| p.cert.sha256_hex() == e.sha256)
        {
            continue;
        }
        out.lost.push(Lost {
            sha256: e.sha256.clone(),
            subject: e.subject.clone(),
            not_after: e.not_after.clone(),
            source: e.source.clone(),
            added: e.added.clone(),
            how: how_lost(e, package.as_ref(), &out.state),
            removed_root: input::parse(e.pem.as_bytes(), &e.source)
                .ok()
                .and_then(|certs| certs.into_iter().next())
                .and_then(|c| removed_root(&c, &bundle, inputs.index)),
        });
    }
    out
}

/// How a recorded patch was lost: the owning package's version then and now, and whether
/// the file is the package's own copy again.
fn how_lost(entry: &Entry, now: Option<&Provenance>, state: &State) -> How {
    // A record of an older certpatch (no package noted) cannot tell an upgrade from a
    // reinstall: the file was replaced.
    let from = entry
        .package
        .as_ref()
        .and_then(Provenance::effective_version);
    if let (Some(from), Some(now)) = (from, now) {
        match now.effective_version() {
            Some(to) if to != from => {
                let (package, from, to) = (now.package.clone(), from.to_string(), to.to_string());
                return if older(&to, &from) {
                    How::Downgraded { package, from, to }
                } else {
                    How::Upgraded { package, from, to }
                };
            }
            Some(_) if matches!(state, State::Pristine | State::PatchedByCertpatch) => {
                return How::Reinstalled {
                    package: now.package.clone(),
                }
            }
            _ => {}
        }
    }
    How::Replaced
}

/// Whether version `a` is older than `b`, comparing dot-separated parts as numbers where
/// both are numbers (`2024.8.30` < `2026.10.19`, `23.2.1` < `24.0`), else as text
/// (`2026.10.19` < `2026.10.19.post1`). Versions that do not compare are not older.
fn older(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<String> { v.split('.').map(str::to_string).collect() };
    let (a, b) = (parts(a), parts(b));
    for (x, y) in a.iter().zip(&b) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if order != std::cmp::Ordering::Equal {
            return order == std::cmp::Ordering::Less;
        }
    }
    a.len() < b.len()
}

/// The patches the ledger records for `path` that `bundle` (its content now) lacks.
pub fn lost_entries<'a>(ledger: &'a Ledger, path: &'a Path, bundle: &Bundle) -> Vec<&'a Entry> {
    ledger
        .of_bundle(path)
        .filter(|e| {
            !bundle
                .patches
                .iter()
                .any(|p| p.cert.sha256_hex() == e.sha256)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: Option<&str>) -> Entry {
        let mut e = Entry::new(Path::new("/b"), "ab".into(), String::new());
        e.package = version.map(|v| Provenance {
            package: "certifi".into(),
            version: Some(v.into()),
            vendored_certifi: None,
            source: String::new(),
            manager: "pip".into(),
        });
        e
    }

    #[test]
    fn versions_compare_by_number_then_text() {
        assert!(older("2024.8.30", "2026.10.19"));
        assert!(older("2026.2.25", "2026.10.19"));
        assert!(!older("2026.10.19", "2024.8.30"));
        assert!(older("23.2.1", "24.0"));
        assert!(older("2026.10.19", "2026.10.19.post1"));
        assert!(!older("2026.10.19", "2026.10.19"));
    }

    #[test]
    fn an_upgrade_a_reinstall_and_a_replacement_are_told_apart() {
        let now = entry(Some("2026.10.19")).package;
        assert_eq!(
            how_lost(&entry(Some("2024.8.30")), now.as_ref(), &State::Pristine),
            How::Upgraded {
                package: "certifi".into(),
                from: "2024.8.30".into(),
                to: "2026.10.19".into()
            }
        );
        assert_eq!(
            how_lost(&entry(Some("2026.10.19")), now.as_ref(), &State::Pristine),
            How::Reinstalled {
                package: "certifi".into()
            }
        );
        assert_eq!(
            how_lost(
                &entry(Some("2026.10.19")),
                entry(Some("2024.8.30")).package.as_ref(),
                &State::Pristine
            )
            .to_string(),
            "certifi was downgraded 2026.10.19 → 2024.8.30"
        );
        let edited = State::Edited {
            against: String::new(),
        };
        assert_eq!(
            how_lost(&entry(Some("2026.10.19")), now.as_ref(), &edited),
            How::Replaced
        );
        assert_eq!(
            how_lost(&entry(None), None, &State::Pristine),
            How::Replaced
        );
    }
}
