//! `remove`: take certpatch's own patches out of bundles, byte for byte, by fingerprint
//! (any unique prefix) or all of them. A prefix is resolved across every target first, so
//! that one naming different certificates in different bundles removes nothing; one that
//! names a patch its bundle already lost is "already gone" (dropped from the ledger).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;

use crate::bundle::{Bundle, Patch};
use crate::store::commit::Committed;
use crate::store::home::Home;
use crate::store::ledger::{Entry, Ledger};
use crate::store::transaction::{self, Access, BackupStep, Write};
use crate::store::write::Locked;
use crate::target::Target;
use crate::usecase::UsageError;

/// What to remove.
pub enum Selection {
    All,
    /// Normalised prefixes: lowercase hex, no colons.
    Prefixes(Vec<String>),
}

/// Normalises a fingerprint selector: hex, colons (or spaces) optional, any case.
pub fn normalize(selector: &str) -> Result<String, UsageError> {
    let s: String = selector
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let s = s
        .strip_prefix("sha256")
        .map(|r| r.trim_start_matches(['=', '/']))
        .unwrap_or(&s)
        .to_string();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(UsageError(format!(
            "`{selector}` is not a SHA-256 fingerprint or prefix (hex digits, colons optional); `certpatch list` shows them"
        )));
    }
    if s.len() > 64 {
        return Err(UsageError(format!(
            "`{selector}` is longer than a SHA-256 fingerprint"
        )));
    }
    Ok(s)
}

/// The prefixes resolved across the targets.
pub struct Resolved {
    /// The full fingerprints of the present patches to remove.
    pub fingerprints: Vec<String>,
    /// Patches a prefix named that their bundle already lost (bundle, ledger entry).
    pub gone: Vec<(PathBuf, Entry)>,
}

/// Why a selection removes nothing.
pub enum Unresolved {
    /// `prefix` names no patch, present or lost.
    NoMatch { prefix: String, targets: usize },
    /// `prefix` names several different certificates (fingerprint, name).
    Ambiguous {
        prefix: String,
        matches: Vec<(String, String)>,
    },
}

/// Resolves every prefix to one fingerprint across all `targets`.
pub fn resolve(
    prefixes: &[String],
    targets: &[Target],
    home: Option<&Home>,
) -> Result<Resolved, Unresolved> {
    let mut present: BTreeMap<String, String> = BTreeMap::new(); // sha256 -> name
    for target in targets {
        // An unreadable bundle is reported once, when its turn comes to be changed.
        if let Ok(bytes) = crate::store::write::read(&target.path) {
            for patch in &Bundle::parse(bytes).patches {
                present.insert(patch.cert.sha256_hex(), patch.cert.name().to_string());
            }
        }
    }
    let mut resolved = Resolved {
        fingerprints: Vec::new(),
        gone: Vec::new(),
    };
    for prefix in prefixes {
        let hits: Vec<(&String, &String)> = present
            .iter()
            .filter(|(sha, _)| sha.starts_with(prefix.as_str()))
            .collect();
        match hits.as_slice() {
            [] => {
                let lost = crate::usecase::lost::matching(home, targets, prefix);
                if lost.is_empty() {
                    return Err(Unresolved::NoMatch {
                        prefix: prefix.clone(),
                        targets: targets.len(),
                    });
                }
                resolved.gone.extend(lost);
            }
            [(sha, _)] => resolved.fingerprints.push((*sha).clone()),
            many => {
                return Err(Unresolved::Ambiguous {
                    prefix: prefix.clone(),
                    matches: many
                        .iter()
                        .map(|(s, n)| ((*s).clone(), (*n).clone()))
                        .collect(),
                })
            }
        }
    }
    Ok(resolved)
}

/// What `remove` did to one bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoveStatus {
    Unchanged,
    Removed,
    WouldRemove,
}

/// The result for one bundle.
pub struct Removed {
    pub status: RemoveStatus,
    /// The bundle as read (under the lock in a real run).
    pub bundle: Bundle,
    /// The indexes in `bundle.patches` of the patches taken out (or that would be).
    pub chosen: Vec<usize>,
    /// Copies of a removed certificate that certpatch did not add: the 1-based line of
    /// each `BEGIN CERTIFICATE`, and the certificate's fingerprint and name.
    pub still_trusted: Vec<StillTrusted>,
    pub committed: Option<Committed>,
}

impl Removed {
    /// The patches taken out (or that would be).
    pub fn patches(&self) -> impl Iterator<Item = &Patch> {
        self.chosen.iter().map(|&i| &self.bundle.patches[i])
    }
}

/// A copy of a removed certificate that stays in the bundle.
pub struct StillTrusted {
    pub line: usize,
    pub sha256: String,
    pub name: String,
}

/// Removes the patches with these fingerprints (all patches when `None`) from one bundle;
/// without `home`, only finds what would go.
pub fn remove_from<Rd, Lk>(
    access: Access<Rd, Lk>,
    wanted: Option<&[String]>,
    home: Option<&Home>,
) -> Result<Removed>
where
    Rd: Fn() -> Result<Vec<u8>>,
    Lk: Fn() -> Result<Locked>,
{
    let done = transaction::run(
        access,
        home,
        |bundle| bundle,
        |bundle: &Bundle, locked| {
            let chosen: Vec<usize> = (0..bundle.patches.len())
                .filter(|&i| {
                    wanted.is_none_or(|w| w.contains(&bundle.patches[i].cert.sha256_hex()))
                })
                .collect();
            if chosen.is_empty() {
                return Ok(((chosen, Vec::new()), None));
            }
            let new = bundle.without(&chosen);
            let write = locked.map(|locked| Write {
                bytes: new.clone(),
                // With no patch left there is nothing for the backup to undo; keeping it
                // would let a later `restore` put back an older bundle after an upgrade.
                backup: if chosen.len() == bundle.patches.len() {
                    BackupStep::Discard
                } else {
                    BackupStep::Leave
                },
                ledger: {
                    let forget: Vec<String> = chosen
                        .iter()
                        .map(|&i| bundle.patches[i].cert.sha256_hex())
                        .collect();
                    let path = locked.path.clone();
                    move |l: &mut Ledger| {
                        for sha in &forget {
                            l.forget(&path, sha);
                        }
                    }
                },
            });
            Ok(((chosen, new), write))
        },
    )?;
    let bundle = done.plan;
    let (chosen, new) = done.result;
    if chosen.is_empty() {
        return Ok(Removed {
            status: RemoveStatus::Unchanged,
            bundle,
            chosen,
            still_trusted: Vec::new(),
            committed: None,
        });
    }
    let status = if done.committed.is_some() {
        RemoveStatus::Removed
    } else {
        RemoveStatus::WouldRemove
    };
    // A removed patch is only untrusted if no other copy of the same certificate stays.
    let mut still_trusted = Vec::new();
    let mut seen: Vec<[u8; 32]> = Vec::new();
    for &i in &chosen {
        let cert = &bundle.patches[i].cert;
        if seen.contains(&cert.sha256()) {
            continue;
        }
        seen.push(cert.sha256());
        for line in copy_lines(&new, &cert.sha256()) {
            still_trusted.push(StillTrusted {
                line,
                sha256: cert.sha256_hex(),
                name: cert.name().to_string(),
            });
        }
    }
    Ok(Removed {
        status,
        bundle,
        chosen,
        still_trusted,
        committed: done.committed,
    })
}

/// The 1-based line numbers of the `BEGIN CERTIFICATE` lines of `bytes` whose block
/// decodes to the certificate with this SHA-256 (the same DER).
fn copy_lines(bytes: &[u8], sha256: &[u8; 32]) -> Vec<usize> {
    use sha2::{Digest, Sha256};
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut begin: Option<(usize, usize)> = None; // (line number, byte offset)
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim();
        if t == "-----BEGIN CERTIFICATE-----" {
            begin = Some((n + 1, offset));
        } else if t == "-----END CERTIFICATE-----" {
            if let Some((at, start)) = begin.take() {
                let block = &text[start..offset + line.len()];
                if let Ok(pem) = pem::parse(block) {
                    if Sha256::digest(pem.contents()).as_slice() == sha256 {
                        out.push(at);
                    }
                }
            }
        }
        offset += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn copy_lines_finds_each_identical_block() {
        use sha2::{Digest, Sha256};
        let der = b"\x30\x03\x02\x01\x01";
        let block = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        let text = format!("# a\n{block}# b\n\n{block}");
        let sha: [u8; 32] = Sha256::digest(der).into();
        assert_eq!(super::copy_lines(text.as_bytes(), &sha), vec![2, 7]);
        assert!(super::copy_lines(text.as_bytes(), &[0; 32]).is_empty());
    }
}
