//! `certpatch remove SELECTOR... | --all [targets] [--dry-run]`.
//!
//! Only certpatch's own patches can be removed; the bytes they occupied are taken out
//! exactly, so the bundle is what it was before they were added.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::list::PatchJson;
use super::{bundle_error, preview, read_bundle, Context};
use crate::bundle::Bundle;
use crate::cli::exit::{Outcome, UsageError};
use crate::cli::json::{ChangeExtra, Document, Entry, Failure};
use crate::cli::output::{path_text, short, Tone};
use crate::cli::Targets;
use crate::store::home::Home;
use crate::store::ledger::Ledger;
use crate::store::transaction::{self, BackupStep, Write};
use crate::target::{Target, TargetJson};

/// `remove --json`'s own keys: `dry_run` and `notes`, and the lost patches a selector
/// named (already gone from their bundles, dropped from the ledger).
#[derive(serde::Serialize)]
struct RemoveExtra<'a> {
    #[serde(flatten)]
    change: ChangeExtra<'a>,
    already_gone: Vec<Gone>,
}

/// A patch a selector named that its bundle had already lost.
#[derive(serde::Serialize)]
struct Gone {
    bundle: String,
    sha256: String,
}

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

pub fn run(
    ctx: &Context,
    selection: &Selection,
    targets: &Targets,
    dry_run: bool,
) -> Result<Outcome> {
    let p = &ctx.printer;
    let all = targets.all;
    let (targets, notes) = ctx.targets(targets)?;
    if !dry_run {
        ctx.confirm_write(all, &targets)?;
    }
    // Resolve every prefix to one fingerprint across all targets first: a prefix that
    // names different certificates in different bundles must not remove both.
    // A selector that names a patch the bundle already lost (an upgrade) is not an error:
    // it is said to be gone and dropped from the ledger.
    let mut gone = Vec::new();
    let wanted = match selection {
        Selection::All => None,
        Selection::Prefixes(prefixes) => match resolve(ctx, prefixes, &targets, &mut gone)? {
            Ok(fingerprints) => Some(fingerprints),
            Err(problem) => {
                p.document(&Document::<(), _> {
                    command: "remove",
                    ok: false,
                    error: Some(problem),
                    bundles: Vec::new(),
                    extra: ChangeExtra {
                        dry_run,
                        notes: &notes,
                    },
                });
                return Ok(Outcome::Failure);
            }
        },
    };
    super::lost::forget(ctx, &gone, dry_run);
    let home = if dry_run { None } else { Some(ctx.home()?) };
    let mut outcome = Outcome::Success;
    let mut results = Vec::new();
    let only_gone = wanted.as_ref().is_some_and(|w| w.is_empty()) && !gone.is_empty();
    for target in targets.iter().filter(|_| !only_gone) {
        match remove_from(ctx, target, wanted.as_deref(), home.as_ref(), targets.len()) {
            Ok(v) => results.push(Entry::Done(v)),
            Err(e) => {
                outcome = Outcome::Failure;
                results.push(Entry::Failed(bundle_error(ctx, target, &e)));
            }
        }
    }
    let (mut patches, mut changed) = (0, 0);
    for r in &results {
        if let Entry::Done(v) = r {
            if matches!(v.status, RemoveStatus::Removed | RemoveStatus::WouldRemove) {
                patches += v.removed.len();
                changed += 1;
            }
        }
    }
    if !only_gone {
        p.line(crate::cli::output::summary_text(
            outcome == Outcome::Success,
            dry_run,
            &format!(
                "{} {patches} patch(es) from {changed} of {} bundle(s)",
                if dry_run { "would remove" } else { "removed" },
                results.len()
            ),
        ));
    }
    p.document(&Document {
        command: "remove",
        ok: outcome == Outcome::Success,
        error: None,
        bundles: results,
        extra: RemoveExtra {
            change: ChangeExtra {
                dry_run,
                notes: &notes,
            },
            already_gone: gone
                .iter()
                .map(|(b, e)| Gone {
                    bundle: path_text(b),
                    sha256: e.sha256.clone(),
                })
                .collect(),
        },
    });
    Ok(outcome)
}

/// The full fingerprints the prefixes name across `targets`, or the problem (a prefix that
/// matches nothing, or several different certificates), already printed.
fn resolve(
    ctx: &Context,
    prefixes: &[String],
    targets: &[Target],
    gone: &mut Vec<(std::path::PathBuf, crate::store::ledger::Entry)>,
) -> Result<Result<Vec<String>, Failure>> {
    let p = &ctx.printer;
    let mut present: BTreeMap<String, String> = BTreeMap::new(); // sha256 -> name
    for target in targets {
        // An unreadable bundle is reported once, when its turn comes to be changed.
        if let Ok(bundle) = read_bundle(&target.path) {
            for patch in &bundle.patches {
                present.insert(patch.cert.sha256_hex(), patch.cert.name().to_string());
            }
        }
    }
    let mut fingerprints = Vec::new();
    for prefix in prefixes {
        let hits: Vec<(&String, &String)> = present
            .iter()
            .filter(|(sha, _)| sha.starts_with(prefix.as_str()))
            .collect();
        match hits.as_slice() {
            [] if {
                let lost = super::lost::matching(ctx, targets, prefix);
                let found = !lost.is_empty();
                gone.extend(lost);
                found
            } => {}
            [] => {
                let message = format!(
                    "no certpatch patch matches `{prefix}` in the {} target bundle(s); nothing was removed",
                    targets.len()
                );
                p.error(&message);
                p.hint("`certpatch list` shows the patches and their fingerprints");
                return Ok(Err(Failure {
                    selector: Some(prefix.clone()),
                    ..Failure::new("no-match", message)
                }));
            }
            [(sha, _)] => fingerprints.push((*sha).clone()),
            many => {
                let message = format!(
                    "`{prefix}` matches {} different patches; give more digits (nothing was removed)",
                    many.len()
                );
                p.error(format!("{message}:"));
                for (sha, name) in many {
                    p.error_detail(format!("  {sha}  {name}"));
                }
                let shas: Vec<String> = many.iter().map(|(s, _)| (*s).clone()).collect();
                return Ok(Err(Failure {
                    selector: Some(prefix.clone()),
                    matches: Some(shas),
                    ..Failure::new("ambiguous", message)
                }));
            }
        }
    }
    Ok(Ok(fingerprints))
}

/// Removes the patches with these fingerprints (all patches when `None`) from one bundle;
/// without `home`, only shows what would go.
/// One bundle in `remove --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct RemoveEntry<'a> {
    /// The patches taken out (or that would be).
    pub removed: Vec<PatchJson>,
    pub status: RemoveStatus,
    /// Copies of a removed certificate that certpatch did not add (absent when nothing
    /// was removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_trusted: Option<Vec<StillTrusted>>,
    pub target: TargetJson<'a>,
}

/// What `remove` did to one bundle.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum RemoveStatus {
    Unchanged,
    Removed,
    WouldRemove,
}

/// A copy of a removed certificate that stays in the bundle: the 1-based line of its
/// `BEGIN CERTIFICATE`.
#[derive(Serialize)]
pub struct StillTrusted {
    pub line: usize,
    pub sha256: String,
}

fn remove_from<'a>(
    ctx: &Context,
    target: &'a Target,
    wanted: Option<&[String]>,
    home: Option<&Home>,
    target_count: usize,
) -> Result<RemoveEntry<'a>> {
    let p = &ctx.printer;
    let done = transaction::run(
        ctx.access(target),
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
    let bundle = &done.plan;
    let (chosen, new) = done.result;
    let removed: Vec<PatchJson> = chosen
        .iter()
        .map(|&i| super::list::patch_json(&bundle.patches[i]))
        .collect();
    if chosen.is_empty() {
        if target_count == 1 {
            p.line(format!(
                "{}: no matching certpatch patch, unchanged",
                path_text(&target.path)
            ));
        }
        return Ok(RemoveEntry {
            removed,
            status: RemoveStatus::Unchanged,
            still_trusted: None,
            target: target.json(),
        });
    }
    let status = match done.committed {
        Some(committed) => {
            ctx.committed_warnings(&committed);
            p.line(format!(
                "{} {} patch(es) from {}",
                p.tone(Tone::Good, "removed"),
                chosen.len(),
                path_text(&target.path)
            ));
            RemoveStatus::Removed
        }
        None => {
            p.line(format!("would remove from {}:", path_text(&target.path)));
            for &i in &chosen {
                let range = bundle.patches[i].range.clone();
                for line in preview(&bundle.bytes[range], '-') {
                    p.line(format!("    {}", p.tone(Tone::Bad, &line)));
                }
            }
            RemoveStatus::WouldRemove
        }
    };
    for &i in &chosen {
        let patch = &bundle.patches[i];
        p.line(format!(
            "  - {}  {}",
            short(&patch.cert.sha256_hex()),
            patch.cert.name()
        ));
    }
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
            p.warn(format!(
                "still trusted: {} ({}) — a copy not added by certpatch is at line {line} of {}; remove it by hand if it should go",
                crate::x509::cert::printable(cert.name()),
                short(&cert.sha256_hex()),
                path_text(&target.path)
            ));
            still_trusted.push(StillTrusted {
                line,
                sha256: cert.sha256_hex(),
            });
        }
    }
    Ok(RemoveEntry {
        removed,
        status,
        still_trusted: Some(still_trusted),
        target: target.json(),
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
