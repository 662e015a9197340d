//! `certpatch remove SELECTOR... | --all [targets] [--dry-run]`.
//!
//! Only certpatch's own patches can be removed; the bytes they occupied are taken out
//! exactly, so the bundle is what it was before they were added.

use anyhow::Result;

use crate::cli::json::TargetJson;

use super::{bundle_error, preview, Context};
use crate::cli::exit::Outcome;
use crate::cli::json::{
    patch_json, ChangeExtra, Document, Entry, Failure, PatchJson, RemoveEntry, RemoveExtra,
    RemoveStatusJson, RemovedGone, StillTrustedJson,
};
use crate::cli::output::{path_text, short, Tone};
use crate::cli::Targets;
use crate::target::Target;
use crate::usecase::remove::{self, RemoveStatus, Removed, Selection, Unresolved};

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
        Selection::Prefixes(prefixes) => {
            match remove::resolve(prefixes, &targets, ctx.home().ok().as_ref()) {
                Ok(resolved) => {
                    gone = resolved.gone;
                    Some(resolved.fingerprints)
                }
                Err(unresolved) => {
                    let problem = refuse(ctx, unresolved);
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
            }
        }
    };
    crate::cli::show::already_gone(ctx, &gone, dry_run);
    let home = if dry_run { None } else { Some(ctx.home()?) };
    let mut outcome = Outcome::Success;
    let mut results = Vec::new();
    let only_gone = wanted.as_ref().is_some_and(|w| w.is_empty()) && !gone.is_empty();
    for target in targets.iter().filter(|_| !only_gone) {
        let removed = remove::remove_from(ctx.access(target), wanted.as_deref(), home.as_ref());
        match removed.map(|r| show_removed(ctx, target, r, targets.len())) {
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
            if matches!(
                v.status,
                RemoveStatusJson::Removed | RemoveStatusJson::WouldRemove
            ) {
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
                .map(|(b, e)| RemovedGone {
                    bundle: path_text(b),
                    sha256: e.sha256.clone(),
                })
                .collect(),
        },
    });
    Ok(outcome)
}

/// Says why the selection removes nothing, and returns the failure for the document.
fn refuse(ctx: &Context, unresolved: Unresolved) -> Failure {
    let p = &ctx.printer;
    match unresolved {
        Unresolved::NoMatch { prefix, targets } => {
            let message = format!(
                "no certpatch patch matches `{prefix}` in the {targets} target bundle(s); nothing was removed"
            );
            p.error(&message);
            p.hint("`certpatch list` shows the patches and their fingerprints");
            Failure {
                selector: Some(prefix),
                ..Failure::new("no-match", message)
            }
        }
        Unresolved::Ambiguous { prefix, matches } => {
            let message = format!(
                "`{prefix}` matches {} different patches; give more digits (nothing was removed)",
                matches.len()
            );
            p.error(format!("{message}:"));
            for (sha, name) in &matches {
                p.error_detail(format!("  {sha}  {name}"));
            }
            Failure {
                selector: Some(prefix),
                matches: Some(matches.into_iter().map(|(s, _)| s).collect()),
                ..Failure::new("ambiguous", message)
            }
        }
    }
}

/// Shows what `remove` did to one bundle and returns its JSON entry.
fn show_removed<'a>(
    ctx: &Context,
    target: &'a Target,
    removed: Removed,
    target_count: usize,
) -> RemoveEntry<'a> {
    let p = &ctx.printer;
    let patches: Vec<PatchJson> = removed.patches().map(patch_json).collect();
    if removed.status == RemoveStatus::Unchanged {
        if target_count == 1 {
            p.line(format!(
                "{}: no matching certpatch patch, unchanged",
                path_text(&target.path)
            ));
        }
        return RemoveEntry {
            removed: patches,
            status: removed.status.into(),
            still_trusted: None,
            target: TargetJson::from(target),
        };
    }
    match &removed.committed {
        Some(committed) => {
            ctx.committed_warnings(committed);
            p.line(format!(
                "{} {} patch(es) from {}",
                p.tone(Tone::Good, "removed"),
                removed.chosen.len(),
                path_text(&target.path)
            ));
        }
        None => {
            p.line(format!("would remove from {}:", path_text(&target.path)));
            for patch in removed.patches() {
                for line in preview(&removed.bundle.bytes[patch.range.clone()], '-') {
                    p.line(format!("    {}", p.tone(Tone::Bad, &line)));
                }
            }
        }
    }
    for patch in removed.patches() {
        p.line(format!(
            "  - {}  {}",
            short(&patch.cert.sha256_hex()),
            patch.cert.name()
        ));
    }
    for copy in &removed.still_trusted {
        p.warn(format!(
            "still trusted: {} ({}) — a copy not added by certpatch is at line {} of {}; remove it by hand if it should go",
            crate::x509::cert::printable(&copy.name),
            short(&copy.sha256),
            copy.line,
            path_text(&target.path)
        ));
    }
    RemoveEntry {
        removed: patches,
        status: removed.status.into(),
        still_trusted: Some(
            removed
                .still_trusted
                .iter()
                .map(|c| StillTrustedJson {
                    line: c.line,
                    sha256: c.sha256.clone(),
                })
                .collect(),
        ),
        target: TargetJson::from(target),
    }
}
