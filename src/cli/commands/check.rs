//! `certpatch check FILE [targets] [--with-issuers]`: would `add` accept these certificates? Writes nothing.
//! Like `add`, it names the set variables (`REQUESTS_CA_BUNDLE`, …) that would make Python
//! ignore the patch.

use std::path::Path;

use anyhow::Result;

use super::{read_or_report, Context};
use crate::accept::validate::Rules;
use crate::cli::exit::Outcome;
use crate::cli::json::{input_json, overrides_json, verdicts_json};
use crate::cli::json::{CheckEntry, Document, Entry, InputExtra, TargetJson};
use crate::cli::output::Tone;
use crate::cli::show::{print_verdicts, read_input, report_findings, warn_if_unreadable};
use crate::cli::Targets;
use crate::usecase::check;
use crate::usecase::clients::{findings_for, overrides_for};

pub fn run(
    ctx: &Context,
    file: &Path,
    targets: &Targets,
    allow_root: bool,
    with_issuers: bool,
) -> Result<Outcome> {
    let input = match read_input(ctx, "check", file) {
        Ok(input) => input,
        Err(outcome) => return Ok(outcome),
    };
    let (targets, notes) = ctx.targets(targets)?;
    let rules = Rules {
        at: ctx.at,
        allow_root,
        python_3_13: None,
    };
    let mut outcome = Outcome::Success;
    let mut bundles = Vec::new();
    // The bundles `add` would patch or has patched: a variable that makes Python read
    // another file hides those patches, as `add` says too.
    let mut effective = Vec::new();
    for target in &targets {
        let Some(bundle) = read_or_report(ctx, target, &mut outcome, &mut bundles) else {
            continue;
        };
        warn_if_unreadable(ctx, target, &bundle);
        // The issuers the offline index knows, put in front of the input with
        // --with-issuers, and what it says about the chains it cannot complete.
        let prepared = ctx.prepare_offline(&input, &bundle, with_issuers);
        let checked = check::check_one(ctx.knowledge(), &prepared, &bundle, target, rules);
        let (verdicts, offline) = (&checked.verdicts, &checked.offline);
        let refused = checked.status == check::CheckStatus::Refused;
        if !refused {
            effective.push(target);
        }
        print_verdicts(ctx, target, &prepared.input, verdicts);
        ctx.offline_hints(offline);
        if refused {
            outcome = Outcome::Failure;
        } else {
            ctx.printer.line(format!(
                "  {} `add` would accept it",
                ctx.printer.tone(Tone::Good, "ok:")
            ));
        }
        bundles.push(Entry::Done(CheckEntry {
            certificates: verdicts_json(verdicts),
            offline: offline.into(),
            status: checked.status.into(),
            target: TargetJson::from(target),
        }));
    }
    report_findings(ctx, &findings_for(&ctx.host, &effective));
    let overrides = overrides_for(&ctx.host, &effective);
    ctx.printer.line(crate::cli::output::summary_text(
        outcome == Outcome::Success,
        false,
        &format!(
            "`add` would accept `{}` for {} of {} bundle(s)",
            crate::cli::output::escape(&input.source),
            effective.len(),
            bundles.len()
        ),
    ));
    ctx.printer.document(&Document {
        command: "check",
        ok: outcome == Outcome::Success,
        error: None,
        bundles,
        extra: InputExtra {
            overrides: overrides_json(&overrides),
            dry_run: None,
            input: input_json(&input),
            notes: &notes,
        },
    });
    Ok(outcome)
}
