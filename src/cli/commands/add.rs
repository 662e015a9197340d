//! `certpatch add FILE [targets] [--dry-run] [--allow-root] [--output OUT]`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::json;

use super::find::report_overrides;
use super::report::{input_json, print_verdicts, read_input, verdicts_json, warn_if_unreadable};
use super::{bundle_error, preview, Context};
use crate::cli::Targets;
use crate::clock::{now_rfc3339, rfc3339};
use crate::commit;
use crate::discover;
use crate::exit::{Outcome, UsageError};
use crate::input::Input;
use crate::ledger::Entry;
use crate::output::{opt_path_text, path_text, short, Tone};
use crate::plan::plan;
use crate::target::Target;
use crate::validate::{Decision, Rules, ANCHOR_NOTE};
use crate::write;

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
    let output = match args.output {
        Some(out) => Some(output_file(out)?),
        None => None,
    };
    let args = AddArgs {
        output: output.as_deref(),
        ..args
    };
    if let Some(out) = args.output {
        if same_file(out, &targets[0].path) {
            return Err(UsageError(format!(
                "--output `{}` is the bundle itself; --output writes a patched copy elsewhere (drop --output to patch the bundle in place, with a backup)",
                out.display()
            ))
            .into());
        }
    }
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
    let overrides: Vec<_> = discover::overrides(&ctx.host)
        .into_iter()
        .filter(|o| {
            changed.iter().any(|t| {
                t.kind.is_some_and(|k| o.ignores(k))
                    && std::fs::canonicalize(&o.value).ok().as_deref() != Some(t.path.as_path())
            })
        })
        .collect();
    report_overrides(ctx, &overrides);
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
        if overrides.is_empty() {
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

/// The file `--output` writes: a regular file (a symlink is followed to its target, which
/// is replaced, not the link) or a new file. Devices, FIFOs, folders and `-` are refused:
/// the write replaces the path, which must never happen to `/dev/null` or a pipe.
fn output_file(out: &Path) -> Result<PathBuf> {
    if out.as_os_str() == "-" {
        return Err(UsageError(
            "--output takes a file path; writing the bundle to standard output (`-`) is not supported".to_string(),
        )
        .into());
    }
    match std::fs::symlink_metadata(out) {
        Err(_) => Ok(out.to_path_buf()),
        Ok(_) => match std::fs::metadata(out) {
            Ok(m) if m.is_file() => Ok(std::fs::canonicalize(out)?),
            Ok(_) => Err(UsageError(format!(
                "--output `{}` exists and is not a regular file (a folder, device or pipe); name a file",
                out.display()
            ))
            .into()),
            Err(e) => Err(UsageError(format!(
                "--output `{}` is a link to nothing ({e}); name a file",
                out.display()
            ))
            .into()),
        },
    }
}

/// Whether `out` names `bundle` (symlinks and hard links included), even if `out` does
/// not exist yet (then its folder and name are compared).
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

struct Report {
    outcome: Outcome,
    /// Fingerprints written to the bundle (not those of a dry run or --output).
    added: Vec<String>,
    json: serde_json::Value,
}

fn add_to(
    ctx: &Context,
    input: &Input,
    target: &Target,
    args: &AddArgs,
    rules: Rules,
    when: &str,
) -> Result<Report> {
    let p = &ctx.printer;
    // Dry runs and --output only read; a real add decides and writes under the lock.
    let locked = if args.dry_run || args.output.is_some() {
        None
    } else {
        Some(write::lock(&target.path, super::wait_notice)?)
    };
    let bytes = match &locked {
        Some(l) => l.bytes.clone(),
        None => fs_err::read(&target.path)?,
    };
    let plan = plan(input, bytes, rules, when);
    warn_if_unreadable(ctx, target, &plan.bundle);
    if memchr::memmem::find(&plan.bundle.bytes, b"PRIVATE KEY-----").is_some() {
        p.warn(format!(
            "{} holds a private key block; a CA bundle should hold only certificates (certpatch keeps its backup private, mode 0600)",
            path_text(&target.path)
        ));
    }
    print_verdicts(ctx, target, input, &plan.verdicts);
    let refused = plan
        .verdicts
        .iter()
        .any(|v| v.decision == Decision::Refused);
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
                    l.record(Entry {
                        bundle: locked.path.to_string_lossy().into_owned(),
                        sha256: c.sha256_hex(),
                        subject: c.subject.clone(),
                        added: when.to_string(),
                        source: input.source.clone(),
                        not_after: rfc3339(c.not_after),
                        pem: c.pem("\n"),
                    });
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
        json: json!({
            "target": target.json(),
            "status": status,
            "added": plan.added.iter().map(|&i| input.certs[i].sha256_hex()).collect::<Vec<_>>(),
            "certificates": verdicts_json(&plan.verdicts),
            "backup": opt_path_text(backup_path.as_deref()),
            "output": opt_path_text(output_path.as_deref()),
        }),
    })
}
