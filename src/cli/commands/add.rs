//! `certpatch add FILE [targets] [--dry-run] [--allow-root] [--output OUT] [--with-issuers]`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{bundle_error, Context};
use crate::accept::validate::{strict_traits, Rules, ANCHOR_NOTE};
use crate::cli::adding::add_to;
pub use crate::cli::adding::AddArgs;
use crate::cli::exit::{Outcome, UsageError};
use crate::cli::json::{input_json, overrides_json, Document, Entry as BundleEntry, InputExtra};
use crate::cli::output::{path_text, short, Tone};
use crate::cli::show::{read_input, report_findings};
use crate::target::Target;
use crate::usecase::add::AddStatus;
use crate::usecase::clients::{findings_for, overrides_for};
use crate::x509::clock::now_rfc3339;

pub fn run(ctx: &Context, args: AddArgs) -> Result<Outcome> {
    let input = match read_input(ctx, "add", args.file) {
        Ok(input) => input,
        Err(outcome) => return Ok(outcome),
    };
    let (targets, mut notes) = ctx.targets(args.targets)?;
    if args.output.is_some() && targets.len() != 1 {
        return Err(UsageError(format!(
            "--output writes one patched copy, but the targets name {} bundles; name one with --bundle FILE",
            targets.len()
        ))
        .into());
    }
    if let Some(out) = args.output {
        if same_file(out, &targets[0].path) {
            return Err(UsageError(format!(
                "--output `{}` is the bundle itself; --output writes a patched copy elsewhere (drop --output to patch the bundle in place, with a backup)",
                path_text(out)
            ))
            .into());
        }
    }
    if args.output.is_none() && !args.dry_run {
        ctx.confirm_write(args.targets.all, &targets)?;
    }
    let output = match args.output {
        Some(out) => Some(output_file(out)?),
        None => None,
    };
    let args = AddArgs {
        output: output.as_deref(),
        ..args
    };
    let rules = Rules {
        at: ctx.at,
        allow_root: args.allow_root,
        python_3_13: None,
    };
    let when = now_rfc3339();
    let mut outcome = Outcome::Success;
    let mut results = Vec::new();
    // Bundles refused or failed, for the summary.
    let mut failed = 0;
    let mut patched: Vec<Target> = Vec::new();
    let mut added_shas: Vec<String> = Vec::new();
    let mut changed: Vec<Target> = Vec::new();
    let mut caveats = 0;
    let mut statuses: Vec<Option<AddStatus>> = Vec::new();
    for target in &targets {
        let rules = Rules {
            python_3_13: target.python_3_13(),
            ..rules
        };
        let result = add_to(ctx, &input, target, &args, rules, &when);
        statuses.push(result.as_ref().ok().map(|r| r.status));
        match result {
            Ok(report) => {
                outcome = outcome.and(report.outcome);
                failed += usize::from(report.status == AddStatus::Refused);
                if report.status.changes_bundle() {
                    changed.push(target.clone());
                }
                caveats += usize::from(report.caveat.is_some());
                if !report.added.is_empty() {
                    patched.push(target.clone());
                    for sha in report.added {
                        if !added_shas.contains(&sha) {
                            added_shas.push(sha);
                        }
                    }
                }
                results.push(BundleEntry::Done(report.json));
            }
            Err(e) => {
                outcome = Outcome::Failure;
                failed += 1;
                results.push(BundleEntry::Failed(bundle_error(ctx, target, &e)));
            }
        }
    }
    // Variables that make Python read another file than the bundles patched (or that
    // would be, in a dry run); one that already names a patched bundle is no problem.
    // Shown before the summary, since they decide whether the patch helps at all.
    let changed_refs: Vec<&Target> = changed.iter().collect();
    let findings = findings_for(&ctx.host, &changed_refs);
    report_findings(ctx, &findings);
    let overrides = overrides_for(&ctx.host, &changed_refs);
    // A bundle inside an application's install folder: its update drops the patch, and
    // its own setting is the better fix (once per application).
    let mut programs: Vec<_> = changed.iter().filter_map(Target::serves).collect();
    programs.sort();
    programs.dedup();
    for advice in programs.iter().filter_map(|p| p.own_setting_advice()) {
        ctx.printer.note(advice);
        notes.push(advice.to_string());
    }
    // Shown whenever an intermediate is (or, in a dry run, would be) added to a bundle
    // whose Python is 3.13+ or not known.
    if changed.iter().any(Target::may_be_python_3_13) {
        ctx.printer.note(ANCHOR_NOTE);
        notes.push(ANCHOR_NOTE.to_string());
    }
    if let Some(line) = summary_line(&statuses) {
        ctx.printer.line(line);
    }
    if !patched.is_empty() {
        let mut summary = format!(
            "{} added {} certificate(s) to {} of {} bundle(s)",
            ctx.printer.tone(Tone::Good, "done:"),
            added_shas.len(),
            patched.len(),
            targets.len()
        );
        if failed > 0 {
            summary.push_str(&format!(
                "; {failed} bundle(s) refused or failed (see the errors above)"
            ));
        }
        let strict_flagged = patched.iter().any(|t| t.python_3_13() != Some(false))
            && input.certs.iter().any(|c| !strict_traits(c).is_empty());
        if strict_flagged {
            // Python 3.13+ (or a version not known) rejects chains through it.
            summary.push_str("; on Python 3.13+ chains through it still fail (see the warning above); with an older Python, retry the failing request");
        } else if caveats > 0 {
            summary.push_str("; read the warnings above before retrying the failing request");
        } else if overrides.is_empty() && findings.is_empty() {
            summary.push_str("; retry the failing request now");
        } else {
            // A client the warnings above name (a variable, pip.conf) reads another file.
            summary.push_str(
                "; unset the variables or settings named above, then retry the failing request",
            );
        }
        ctx.printer.line(summary);
        let shas: Vec<&str> = added_shas.iter().map(|s| short(s)).collect();
        ctx.printer.line(format!(
            "undo with: certpatch remove {} {}",
            shas.join(" "),
            targets_flags(&patched)
        ));
    }
    ctx.printer.document(&Document {
        command: "add",
        ok: outcome == Outcome::Success,
        error: None,
        bundles: results,
        extra: InputExtra {
            overrides: overrides_json(&overrides),
            dry_run: Some(args.dry_run),
            input: input_json(&input),
            notes: &notes,
        },
    });
    Ok(outcome)
}

/// The file `--output` writes: a new file, or an existing regular file that is replaced
/// (a temporary file in OUT's folder renamed over OUT, so the write never goes through
/// anything at OUT). An existing symbolic link is refused, never followed: in a folder
/// others can write (`/tmp`) another user may have planted it to redirect the copy onto a
/// file of theirs choosing. Devices, FIFOs, folders and `-` are usage errors: the write
/// replaces the path, which must never happen to `/dev/null` or a pipe.
fn output_file(out: &Path) -> Result<PathBuf> {
    if out.as_os_str() == "-" {
        return Err(UsageError(
            "--output takes a file path; writing the bundle to standard output (`-`) is not supported".to_string(),
        )
        .into());
    }
    match std::fs::symlink_metadata(out) {
        Err(_) => Ok(out.to_path_buf()),
        Ok(m) if m.file_type().is_symlink() => Err(anyhow::anyhow!(
            "--output `{}` is a symbolic link; certpatch does not write through a link at --output (in a shared folder another user could have planted it to aim the copy at any file), and nothing was written. Remove the link or name another path",
            path_text(out)
        )),
        Ok(m) if m.is_file() => Ok(out.to_path_buf()),
        Ok(_) => Err(UsageError(format!(
            "--output `{}` exists and is not a regular file (a folder, device or pipe); name a file",
            path_text(out)
        ))
        .into()),
    }
}

/// Whether `out` names `bundle` (symlinks and hard links included), even if `out` does
/// not exist yet (then its folder and name are compared). Only for the usage error: the
/// write itself never follows a link at `out` ([`output_file`]).
/// A file's identity (device and inode; volume and file index on Windows), links followed.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    crate::os::path_meta(path, true).ok().map(|m| m.id)
}

fn same_file(out: &Path, bundle: &Path) -> bool {
    if let (Some(a), Some(b)) = (file_id(out), file_id(bundle)) {
        return a == b;
    }
    let resolved = out
        .parent()
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .and_then(|d| dunce::canonicalize(d).ok())
        .zip(out.file_name())
        .map(|(d, n)| d.join(n));
    resolved.as_deref() == Some(bundle)
}

fn targets_flags(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| crate::cli::output::bundle_flag(&t.path))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The last line of `add` when no bundle was patched (a patched run ends with its own
/// "done: added …" line): a dry run, a refusal, nothing to do, or a copy written. `None`
/// stands for a bundle that failed with an error.
pub fn summary_line(statuses: &[Option<AddStatus>]) -> Option<String> {
    let count = |s: AddStatus| statuses.iter().filter(|x| **x == Some(s)).count();
    let all = statuses.len();
    let failed = count(AddStatus::Refused) + statuses.iter().filter(|x| x.is_none()).count();
    if count(AddStatus::Patched) > 0 {
        return None;
    }
    let refused = if failed > 0 {
        format!("; {failed} bundle(s) refused or failed (reasons above)")
    } else {
        String::new()
    };
    Some(if count(AddStatus::WouldPatch) > 0 {
        format!(
            "dry run: would add to {} of {all} bundle(s){refused}; nothing was written",
            count(AddStatus::WouldPatch)
        )
    } else if count(AddStatus::WouldWriteOutput) > 0 {
        "dry run: would write the copy; nothing was written".to_string()
    } else if count(AddStatus::WrittenToOutput) > 0 {
        "done: wrote the patched copy; the bundle is unchanged".to_string()
    } else if failed > 0 {
        // A refusal (the input or the bundle is not acceptable) and an error (the write
        // or a read failed) ask for different things: say which happened.
        let refusals = count(AddStatus::Refused);
        let errors = failed - refusals;
        let what = match (refusals, errors) {
            (r, 0) => format!("refused for {r} of {all} bundle(s) (reasons above)"),
            (0, e) => format!("{e} of {all} bundle(s) failed with an error (above)"),
            (r, e) => format!(
                "refused for {r} and failed with an error for {e} of {all} bundle(s) (above)"
            ),
        };
        format!("failed: nothing was written; {what}")
    } else {
        format!("done: nothing to add: already in {all} bundle(s)")
    })
}
