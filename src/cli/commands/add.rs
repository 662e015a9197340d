//! `certpatch add FILE [targets] [--dry-run] [--allow-root] [--output OUT]`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::json;

use super::find::{findings_for, overrides_for, report_findings};
use super::report::{input_json, print_verdicts, read_input, verdicts_json, warn_if_unreadable};
use super::{bundle_error, preview, Context};
use crate::accept::plan::{plan, reuse_or_replan, Plan};
use crate::accept::validate::{Decision, Rules, ANCHOR_NOTE};
use crate::cli::exit::{Outcome, UsageError};
use crate::cli::output::{opt_path_text, path_text, short, Tone};
use crate::cli::Targets;
use crate::discover::pyload::{self, Load};
use crate::store::commit;
use crate::store::ledger::Entry;
use crate::store::write;
use crate::target::Target;
use crate::x509::clock::{now_rfc3339, rfc3339};
use crate::x509::input::Input;

pub struct AddArgs<'a> {
    pub file: &'a Path,
    pub targets: &'a Targets,
    pub dry_run: bool,
    pub allow_root: bool,
    pub output: Option<&'a Path>,
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
    };
    let when = now_rfc3339();
    let mut outcome = Outcome::Success;
    let mut results = Vec::new();
    let mut patched: Vec<Target> = Vec::new();
    let mut added_shas: Vec<String> = Vec::new();
    let mut changed: Vec<Target> = Vec::new();
    let mut caveats = 0;
    for target in &targets {
        let result = add_to(ctx, &input, target, &args, rules, &when);
        match result {
            Ok(report) => {
                outcome = outcome.and(report.outcome);
                if matches!(
                    report.json["status"].as_str(),
                    Some("patched" | "would-patch")
                ) {
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
                results.push(report.json);
            }
            Err(e) => {
                outcome = Outcome::Failure;
                results.push(bundle_error(ctx, target, &e));
            }
        }
    }
    // Variables that make Python read another file than the bundles patched (or that
    // would be, in a dry run); one that already names a patched bundle is no problem.
    // Shown before the summary, since they decide whether the patch helps at all.
    let changed_refs: Vec<&Target> = changed.iter().collect();
    report_findings(ctx, &findings_for(ctx, &changed_refs));
    let overrides = overrides_for(ctx, &changed_refs);
    // Shown whenever an intermediate is (or, in a dry run, would be) added.
    if !changed.is_empty() {
        ctx.printer.note(ANCHOR_NOTE);
        notes.push(ANCHOR_NOTE.to_string());
    }
    if !patched.is_empty() {
        let failed = results
            .iter()
            .filter(|r| matches!(r["status"].as_str(), Some("refused" | "error")))
            .count();
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
        if caveats > 0 {
            summary.push_str("; read the warnings above before retrying the failing request");
        } else if overrides.is_empty() {
            summary.push_str("; retry the failing request now");
        } else {
            summary.push_str("; unset the variables named above, then retry the failing request");
        }
        ctx.printer.line(summary);
        let shas: Vec<&str> = added_shas.iter().map(|s| short(s)).collect();
        ctx.printer.line(format!(
            "undo with: certpatch remove {} {}",
            shas.join(" "),
            targets_flags(&patched)
        ));
    }
    ctx.printer.document(&json!({
        "command": "add",
        "overrides": overrides,
        "ok": outcome == Outcome::Success,
        "dry_run": args.dry_run,
        "input": input_json(&input),
        "bundles": results,
        "notes": notes,
    }));
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
        .map(|t| format!("--bundle {}", shell_quote(&t.path)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// How many times `add` plans again without the lock when the bundle changed between
/// its read and the lock, before it plans under the lock.
const LOCK_ATTEMPTS: usize = 3;

pub(crate) struct Report {
    pub(crate) outcome: Outcome,
    /// Fingerprints written to the bundle (not those of a dry run or --output).
    added: Vec<String>,
    /// Why the patched bundle may still not work (it held undecodable blocks before).
    caveat: Option<String>,
    json: serde_json::Value,
}

pub(crate) fn add_to(
    ctx: &Context,
    input: &Input,
    target: &Target,
    args: &AddArgs,
    rules: Rules,
    when: &str,
) -> Result<Report> {
    let p = &ctx.printer;
    // Plan (every expensive check: certificate rules, the parse and Python load checks)
    // on an unlocked read, so a slow check never holds the lock other certpatch runs wait
    // on. A real add then takes the lock and uses the plan if the bundle is still the bytes
    // it was made from, or plans again under the lock if not.
    let real = !(args.dry_run || args.output.is_some());
    let unlocked = target.read()?;
    let mut planned = plan(input, unlocked, rules, when);
    let mut install = if real {
        installable(ctx, target, &planned)
    } else {
        Ok(None)
    };
    let mut locked = None;
    if real {
        // When another process changed the bundle meanwhile, plan again without the lock
        // (a few times), so that even then the checks do not hold it; only a bundle that
        // keeps changing is finally planned and checked under the lock.
        for attempt in 1.. {
            let l = ctx.lock(target)?;
            if l.bytes == planned.bundle.bytes || attempt == LOCK_ATTEMPTS {
                locked = Some(l);
                break;
            }
            let bytes = l.bytes.clone();
            drop(l);
            planned = plan(input, bytes, rules, when);
            install = installable(ctx, target, &planned);
        }
    }
    let plan = match &locked {
        Some(l) => {
            let (plan, replanned) = reuse_or_replan(planned, &l.bytes, input, rules, when);
            if replanned {
                install = installable(ctx, target, &plan);
            }
            plan
        }
        None => planned,
    };
    warn_if_unreadable(ctx, target, &plan.bundle);
    if memchr::memmem::find(&plan.bundle.bytes, b"PRIVATE KEY-----").is_some() {
        p.warn(format!(
            "{} holds a private key block; a CA bundle should hold only certificates (certpatch keeps its backup private, mode 0600)",
            path_text(&target.path)
        ));
    }
    print_verdicts(ctx, target, input, &plan.verdicts);
    let mut refused = plan
        .verdicts
        .iter()
        .any(|v| v.decision == Decision::Refused);
    let mut reason: Option<String> = None;
    let mut caveat: Option<String> = None;
    match install {
        Err(why) if !refused && plan.new_bytes.is_some() => {
            p.error(format!(
                "{}: the patched bundle was not installed: {why}",
                path_text(&target.path)
            ));
            refused = true;
            reason = Some(why);
        }
        Ok(Some(note)) => caveat = Some(note),
        _ => {}
    }
    let mut backup_path: Option<PathBuf> = None;
    let mut output_path: Option<PathBuf> = None;
    let status = if refused {
        p.error_detail(format!(
            "  nothing was written to {}.",
            path_text(&target.path)
        ));
        "refused"
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
            "would-write-output"
        } else {
            let bytes = plan.new_bytes.as_deref().unwrap_or(&plan.bundle.bytes);
            let like = std::fs::metadata(&target.path).ok();
            write::write_atomic(out, bytes, like.as_ref())?;
            p.line(format!(
                "  wrote the {what} copy to {} (the bundle itself is unchanged)",
                out.display()
            ));
            if plan.new_bytes.is_some() {
                "written-to-output"
            } else {
                "unchanged"
            }
        }
    } else if let Some(new) = &plan.new_bytes {
        if args.dry_run {
            p.line(format!("  would append to {}:", path_text(&target.path)));
            for line in preview(&new[plan.bundle.bytes.len()..], '+') {
                p.line(format!("    {}", p.tone(Tone::Good, &line)));
            }
            "would-patch"
        } else {
            let locked = locked.as_ref().expect("locked for a real add");
            let home = ctx.home()?;
            let committed = commit::with_backup(&home, locked, &plan.bundle, new, |l| {
                for &i in &plan.added {
                    let c = &input.certs[i];
                    let mut e = Entry::new(&locked.path, c.sha256_hex(), c.pem("\n"));
                    e.environment = target
                        .environment
                        .as_ref()
                        .map(|p| p.to_string_lossy().into_owned());
                    e.subject.clone_from(&c.subject);
                    e.added = when.to_string();
                    e.source.clone_from(&input.source);
                    e.not_after = rfc3339(c.not_after);
                    e.allow_root = args.allow_root && c.is_self_signed();
                    l.record(e);
                }
            })?;
            if let Some(problem) = committed.ledger_problem {
                p.warn(problem);
            }
            p.line(format!(
                "  {} added {} certificate(s) to {}",
                p.tone(Tone::Good, "patched:"),
                plan.added.len(),
                path_text(&target.path),
            ));
            if let Some(backup) = &committed.backup {
                p.line(format!(
                    "  backup of the unpatched bundle: {}",
                    backup.display()
                ));
            }
            backup_path = committed.backup;
            if let Some(note) = &caveat {
                p.warn(format!("{}: {note}", path_text(&target.path)));
            }
            "patched"
        }
    } else {
        p.line(format!(
            "  unchanged: {} already has every certificate",
            path_text(&target.path)
        ));
        "unchanged"
    };
    drop(locked);
    let added = if status == "patched" {
        plan.added
            .iter()
            .map(|&i| input.certs[i].sha256_hex())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Report {
        outcome: Outcome::from_ok(!refused),
        added,
        caveat: caveat.filter(|_| status == "patched"),
        json: json!({
            "target": target.json(),
            "status": status,
            "reason": reason,
            "added": plan.added.iter().map(|&i| input.certs[i].sha256_hex()).collect::<Vec<_>>(),
            "certificates": verdicts_json(&plan.verdicts),
            "backup": opt_path_text(backup_path.as_deref()),
            "output": opt_path_text(output_path.as_deref()),
        }),
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
