//! `certpatch add FILE [targets] [--dry-run] [--allow-root] [--output OUT] [--with-issuers]`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::find::{findings_for, overrides_for, report_findings};
use super::report::{
    input_json, print_verdicts, read_input, verdicts_json, warn_if_unreadable, VerdictJson,
};
use super::{bundle_error, knowledge, preview, Context};
use crate::accept::plan::{plan_sourced, Plan};
use crate::accept::validate::{strict_traits, Decision, Rules, ANCHOR_NOTE};
use crate::bundle::Bundle;
use crate::cli::exit::{Outcome, UsageError};
use crate::cli::json::{Document, Entry as BundleEntry, InputExtra};
use crate::cli::output::{path_json, path_text, short, Tone};
use crate::cli::Targets;
use crate::discover::pyload::{self, Load};
use crate::store::ledger::{Entry, Ledger};
use crate::store::transaction::{self, BackupStep, Planned, Write};
use crate::store::write;
use crate::target::{Target, TargetJson};
use crate::x509::clock::now_rfc3339;
use crate::x509::input::Input;

pub struct AddArgs<'a> {
    pub file: &'a Path,
    pub targets: &'a Targets,
    pub dry_run: bool,
    pub allow_root: bool,
    pub output: Option<&'a Path>,
    pub with_issuers: bool,
}

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
                out.display()
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
    let findings = findings_for(ctx, &changed_refs);
    report_findings(ctx, &findings);
    let overrides = overrides_for(ctx, &changed_refs);
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
            overrides: &overrides,
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
fn same_file(out: &Path, bundle: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if let (Ok(a), Ok(b)) = (std::fs::metadata(out), std::fs::metadata(bundle)) {
        return a.dev() == b.dev() && a.ino() == b.ino();
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
        .and_then(|d| std::fs::canonicalize(d).ok())
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
        format!(
            "failed: nothing was written; refused for {failed} of {all} bundle(s) (reasons above)"
        )
    } else {
        format!("done: nothing to add: already in {all} bundle(s)")
    })
}

/// What `add` did to one bundle (`status` in its JSON entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddStatus {
    Refused,
    WouldWriteOutput,
    WrittenToOutput,
    WouldPatch,
    Patched,
    Unchanged,
}

impl AddStatus {
    /// Whether the bundle was (or, in a dry run, would be) changed.
    fn changes_bundle(self) -> bool {
        matches!(self, AddStatus::Patched | AddStatus::WouldPatch)
    }
}

/// One bundle in `add --json` (fields in alphabetical order, as the JSON always had).
#[derive(serde::Serialize)]
pub struct AddEntry<'a> {
    /// Fingerprints of the certificates added (or that would be).
    pub added: Vec<String>,
    pub backup: Option<String>,
    pub certificates: Vec<VerdictJson>,
    /// What the offline index knows about the missing issuers (see docs/json.md).
    pub offline: knowledge::OfflineJson,
    pub output: Option<String>,
    /// Why the patched bundle was not installed (null when it was, or nothing to do).
    pub reason: Option<String>,
    pub status: AddStatus,
    pub target: TargetJson<'a>,
}

pub(crate) struct Report<'a> {
    pub(crate) outcome: Outcome,
    pub(crate) status: AddStatus,
    /// Fingerprints written to the bundle (not those of a dry run or --output).
    pub added: Vec<String>,
    /// Why the patched bundle may still not work (it held undecodable blocks before).
    pub caveat: Option<String>,
    pub json: AddEntry<'a>,
}

/// A plan for one bundle and whether its result may be installed ([`installable`]).
struct AddPlan<'a> {
    plan: Plan<'a>,
    install: Result<Option<String>, String>,
    /// What the offline index says ([`knowledge::explain`]).
    hints: Vec<String>,
    offline: knowledge::OfflineJson,
}

impl Planned for AddPlan<'_> {
    fn bundle(&self) -> &crate::bundle::Bundle {
        &self.plan.bundle
    }
}

pub(crate) fn add_to<'a>(
    ctx: &Context,
    input: &Input,
    target: &'a Target,
    args: &AddArgs,
    rules: Rules,
    when: &str,
) -> Result<Report<'a>> {
    let p = &ctx.printer;
    // The issuers the offline index knows for this bundle (read here, unlocked: the plan
    // below judges the locked bytes, so a bundle changed meanwhile is still judged right).
    let prepared = match target.read() {
        Ok(bytes) => knowledge::prepare(ctx, input, &Bundle::parse(bytes), args.with_issuers),
        Err(_) => knowledge::Prepared::plain(input),
    };
    let input = &prepared.input;
    // Every expensive check (certificate rules, the parse and Python load checks) runs in
    // the transaction's plan, before the lock; a dry run or --output never locks.
    let real = !(args.dry_run || args.output.is_some());
    let home = if real { Some(ctx.home()?) } else { None };
    let done = transaction::run(
        ctx.access(target),
        home.as_ref(),
        |bundle| {
            let mut plan =
                plan_sourced(input, bundle, rules, when, &|i| prepared.sources[i].clone());
            let (hints, offline) = knowledge::explain(&mut plan.verdicts, &prepared);
            let install = if real {
                installable(ctx, target, &plan)
            } else {
                Ok(None)
            };
            AddPlan {
                plan,
                install,
                hints,
                offline,
            }
        },
        |planned: &AddPlan, locked| {
            let plan = &planned.plan;
            warn_if_unreadable(ctx, target, &plan.bundle);
            if memchr::memmem::find(&plan.bundle.bytes, b"PRIVATE KEY-----").is_some() {
                p.warn(format!(
                    "{} holds a private key block; a CA bundle should hold only certificates (certpatch keeps its backup private, mode 0600)",
                    path_text(&target.path)
                ));
            }
            print_verdicts(ctx, target, input, &plan.verdicts);
            knowledge::print(ctx, &planned.hints);
            let mut refused = plan
                .verdicts
                .iter()
                .any(|v| v.decision == Decision::Refused);
            let mut reason: Option<String> = None;
            let mut caveat: Option<String> = None;
            match &planned.install {
                Err(why) if !refused && plan.new_bytes.is_some() => {
                    p.error(format!(
                        "{}: the patched bundle was not installed: {why}",
                        path_text(&target.path)
                    ));
                    refused = true;
                    reason = Some(why.clone());
                }
                Ok(Some(note)) => caveat = Some(note.clone()),
                _ => {}
            }
            let mut output_path: Option<PathBuf> = None;
            let mut write = None;
            let status = if refused {
                // The summary says it for every bundle; `-v` per bundle.
                if ctx.verbose {
                    p.error_detail(format!(
                        "  nothing was written to {}.",
                        path_text(&target.path)
                    ));
                }
                AddStatus::Refused
            } else if let Some(out) = args.output {
                let what = if plan.new_bytes.is_some() {
                    "patched"
                } else {
                    "unchanged"
                };
                output_path = Some(out.to_path_buf());
                if args.dry_run {
                    p.line(format!(
                        "  would write the {what} copy to {} (the bundle itself stays unchanged)",
                        out.display()
                    ));
                    AddStatus::WouldWriteOutput
                } else {
                    let bytes = plan.new_bytes.as_deref().unwrap_or(&plan.bundle.bytes);
                    let like = std::fs::metadata(&target.path).ok();
                    write::write_atomic(out, bytes, like.as_ref())?;
                    p.line(format!(
                        "  wrote the {what} copy to {} (the bundle itself is unchanged)",
                        out.display()
                    ));
                    if plan.new_bytes.is_some() {
                        AddStatus::WrittenToOutput
                    } else {
                        AddStatus::Unchanged
                    }
                }
            } else if let Some(new) = &plan.new_bytes {
                match locked {
                    None => {
                        p.line(format!("  would append to {}:", path_text(&target.path)));
                        for line in preview(&new[plan.bundle.bytes.len()..], '+') {
                            p.line(format!("    {}", p.tone(Tone::Good, &line)));
                        }
                        AddStatus::WouldPatch
                    }
                    Some(locked) => {
                        let entries: Vec<Entry> = plan
                            .added
                            .iter()
                            .map(|&i| {
                                let c = &input.certs[i];
                                // The package and the bundle's hash after the write are
                                // filled in by the commit (store::commit).
                                let mut e = Entry::of_cert(
                                    &locked.path,
                                    c,
                                    target.environment.as_deref(),
                                    when,
                                    &prepared.sources[i],
                                );
                                e.allow_root = args.allow_root && c.is_self_signed();
                                e
                            })
                            .collect();
                        write = Some(Write {
                            bytes: new.clone(),
                            backup: BackupStep::Ensure,
                            ledger: move |l: &mut Ledger| {
                                for e in entries {
                                    l.record(e);
                                }
                            },
                        });
                        AddStatus::Patched
                    }
                }
            } else {
                p.line(format!(
                    "  unchanged: {} already has every certificate",
                    path_text(&target.path)
                ));
                AddStatus::Unchanged
            };
            Ok(((status, refused, reason, caveat, output_path), write))
        },
    )?;
    let plan = &done.plan.plan;
    let (status, refused, reason, caveat, output_path) = done.result;
    let mut backup_path: Option<PathBuf> = None;
    if let Some(committed) = done.committed {
        ctx.committed_warnings(&committed);
        p.line(format!(
            "  {} added {} certificate(s) to {}",
            p.tone(Tone::Good, "patched:"),
            plan.added.len(),
            path_text(&target.path),
        ));
        // Where the backup is: detail (`-v`); `remove` and `restore` find it themselves.
        if let Some(backup) = committed.backup.as_ref().filter(|_| ctx.verbose) {
            p.line(format!(
                "  backup of the unpatched bundle: {}",
                backup.display()
            ));
        }
        backup_path = committed.backup;
        if let Some(note) = &caveat {
            p.warn(format!("{}: {note}", path_text(&target.path)));
        }
    }
    let added = if status == AddStatus::Patched {
        plan.added
            .iter()
            .map(|&i| input.certs[i].sha256_hex())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Report {
        outcome: Outcome::from_ok(!refused),
        status,
        added,
        caveat: caveat.filter(|_| status == AddStatus::Patched),
        json: AddEntry {
            added: plan
                .added
                .iter()
                .map(|&i| input.certs[i].sha256_hex())
                .collect(),
            backup: backup_path.as_deref().map(path_json),
            certificates: verdicts_json(&plan.verdicts),
            offline: done.plan.offline,
            output: output_path.as_deref().map(path_json),
            reason,
            status,
            target: target.json(),
        },
    })
}

/// Whether the plan's new bundle may be installed: `Err(reason)` when it must not be (it
/// does not parse in full, or the target's Python cannot load it), `Ok(Some(caveat))`
/// when it may but will likely still not work (the bundle held blocks that do not decode
/// before certpatch, and no interpreter is known to try it), `Ok(None)` otherwise.
fn installable(ctx: &Context, target: &Target, plan: &Plan) -> Result<Option<String>, String> {
    let Some(new) = &plan.new_bytes else {
        return Ok(None);
    };
    let parsed = crate::bundle::Bundle::parse(new.clone());
    pyload::parse_check(&plan.bundle, &parsed, plan.added.len())?;
    let Some(python) = &target.interpreter else {
        return Ok((plan.bundle.damaged_blocks > 0).then(|| {
            format!(
                "it held {} certificate block(s) that do not decode before certpatch, and Python's ssl may refuse to load the whole file; fix or remove them (certpatch leaves them as they are)",
                plan.bundle.damaged_blocks
            )
        }));
    };
    match pyload::python_loads(&ctx.host, python, new) {
        Load::Loads => Ok(None),
        Load::Rejects(why) => match pyload::python_loads(&ctx.host, python, &plan.bundle.bytes) {
            Load::Rejects(before) => Err(format!(
                "Python could not load this bundle before certpatch either ({}: {before}); nothing was written (reinstall the package that owns it, e.g. `{}`, then add again)",
                path_text(python),
                crate::store::provenance::of(&target.path)
                    .map_or("pip install --force-reinstall certifi".to_string(), |p| p.reinstall_command())
            )),
            _ => Err(format!(
                "{} cannot load it ({why}); nothing was written",
                path_text(python)
            )),
        },
        Load::Unknown(why) => {
            ctx.printer.warn(format!(
                "could not check that {} loads the patched {}: {why}",
                path_text(python),
                path_text(&target.path)
            ));
            Ok(None)
        }
    }
}
