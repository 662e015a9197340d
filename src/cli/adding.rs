//! One bundle's `add`, as `add`, `fix` and `reapply` show it: calls
//! [`crate::usecase::add::add_to`], prints each [`Step`] as it comes, then the commit,
//! and returns the bundle's JSON entry.

use std::path::Path;

use anyhow::Result;

use crate::cli::json::TargetJson;

use crate::accept::validate::Rules;
use crate::bundle::Bundle;
use crate::cli::commands::{preview, Context};
use crate::cli::exit::Outcome;
use crate::cli::json::{verdicts_json, AddEntry};
use crate::cli::output::{path_json, path_text, Tone};
use crate::cli::show::print_verdicts;
use crate::cli::Targets;
use crate::target::Target;
use crate::usecase::add::{self, AddStatus, Request, Step};
use crate::usecase::advice::Prepared;
use crate::x509::input::Input;

/// `add`'s options, as parsed.
pub struct AddArgs<'a> {
    pub file: &'a Path,
    pub targets: &'a Targets,
    pub dry_run: bool,
    pub allow_root: bool,
    pub output: Option<&'a Path>,
    pub with_issuers: bool,
}

/// What `add` did to one bundle, for the command's summary and JSON.
pub struct Report<'a> {
    pub outcome: Outcome,
    pub status: AddStatus,
    /// Fingerprints written to the bundle (not those of a dry run or --output).
    pub added: Vec<String>,
    /// Why the patched bundle may still not work (it held undecodable blocks before).
    pub caveat: Option<String>,
    pub json: AddEntry<'a>,
}

/// Adds `input` to `target` and shows what happened.
pub fn add_to<'a>(
    ctx: &Context,
    input: &Input,
    target: &'a Target,
    args: &AddArgs,
    rules: Rules,
    when: &str,
) -> Result<Report<'a>> {
    let p = &ctx.printer;
    // The issuers the offline index knows for this bundle (read here, unlocked: the plan
    // judges the locked bytes, so a bundle changed meanwhile is still judged right).
    // The same bundle is the transaction's first (unlocked) plan: parsed once.
    let first = target.read().ok().map(Bundle::parse);
    let prepared = match &first {
        Some(bundle) => ctx.prepare_offline(input, bundle, args.with_issuers),
        None => Prepared::plain(input),
    };
    let real = !(args.dry_run || args.output.is_some());
    let home = if real { Some(ctx.home()?) } else { None };
    let req = Request {
        dry_run: args.dry_run,
        allow_root: args.allow_root,
        output: args.output,
        rules,
        when,
        host: &ctx.host,
        knowledge: ctx.knowledge(),
        home: home.as_ref(),
    };
    let say = |step: Step| show_step(ctx, target, step);
    let added = add::add_to(&prepared, first, target, &req, ctx.access(target), &say)?;
    let mut backup_path = None;
    if let Some(committed) = &added.committed {
        ctx.committed_warnings(committed);
        p.line(format!(
            "  {} added {} certificate(s) to {}",
            p.tone(Tone::Good, "patched:"),
            added.plan.added.len(),
            path_text(&target.path),
        ));
        // Where the backup is: detail (`-v`); `remove` and `restore` find it themselves.
        if let Some(backup) = committed.backup.as_ref().filter(|_| ctx.verbose) {
            p.line(format!(
                "  backup of the unpatched bundle: {}",
                path_text(backup)
            ));
        }
        backup_path.clone_from(&committed.backup);
        if let Some(note) = &added.caveat {
            p.warn(format!("{}: {note}", path_text(&target.path)));
        }
    }
    let input = &prepared.input;
    Ok(Report {
        outcome: Outcome::from_ok(!added.refused),
        status: added.status,
        added: added.written(input),
        caveat: added.caveat.clone(),
        json: AddEntry {
            added: added.planned(input),
            backup: backup_path.as_deref().map(path_json),
            certificates: verdicts_json(&added.plan.verdicts),
            offline: (&added.offline).into(),
            output: added.output.as_deref().map(path_json),
            reason: added.reason.clone(),
            status: added.status.into(),
            target: TargetJson::from(target),
        },
    })
}

/// Shows one step of an add, as it happens.
fn show_step(ctx: &Context, target: &Target, step: Step) {
    let p = &ctx.printer;
    let path = path_text(&target.path);
    match step {
        Step::Unreadable => p.warn(format!(
            "{path} holds no readable certificate (UTF-16, CR-only line ends, or damaged?); Python cannot load it either"
        )),
        Step::PrivateKey => p.warn(format!(
            "{path} holds a private key block; a CA bundle should hold only certificates (certpatch keeps its backup private, mode 0600)"
        )),
        Step::Verdicts {
            input,
            verdicts,
            offline,
        } => {
            print_verdicts(ctx, target, input, verdicts);
            ctx.offline_hints(offline);
        }
        Step::LoadUnchecked { python, why } => p.warn(format!(
            "could not check that {} loads the patched {path}: {why}",
            path_text(python)
        )),
        Step::NotInstalled { why } => {
            p.error(format!("{path}: the patched bundle was not installed: {why}"))
        }
        // The summary says it for every bundle; `-v` per bundle.
        Step::NothingWritten if ctx.verbose => {
            p.error_detail(format!("  nothing was written to {path}."))
        }
        Step::NothingWritten => {}
        Step::Output {
            path: out,
            patched,
            written,
        } => {
            let what = if patched { "patched" } else { "unchanged" };
            if written {
                p.line(format!(
                    "  wrote the {what} copy to {} (the bundle itself is unchanged)",
                    path_text(out)
                ));
            } else {
                p.line(format!(
                    "  would write the {what} copy to {} (the bundle itself stays unchanged)",
                    path_text(out)
                ));
            }
        }
        Step::WouldAppend { patch } => {
            p.line(format!("  would append to {path}:"));
            for line in preview(patch, '+') {
                p.line(format!("    {}", p.tone(Tone::Good, &line)));
            }
        }
        Step::Unchanged => p.line(format!(
            "  unchanged: {path} already has every certificate"
        )),
    }
}
