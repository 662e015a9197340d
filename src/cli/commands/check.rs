//! `certpatch check FILE [targets] [--with-issuers]`: would `add` accept these certificates? Writes nothing.
//! Like `add`, it names the set variables (`REQUESTS_CA_BUNDLE`, …) that would make Python
//! ignore the patch.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::find::{findings_for, overrides_for, report_findings};
use super::report::{
    input_json, print_verdicts, read_input, verdicts_json, warn_if_unreadable, VerdictJson,
};
use super::{knowledge, read_or_report, Context};
use crate::accept::validate::{self, Decision, Rules};
use crate::cli::exit::Outcome;
use crate::cli::json::{Document, Entry, InputExtra};
use crate::cli::output::Tone;
use crate::cli::Targets;
use crate::target::TargetJson;

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
        let prepared = knowledge::prepare(ctx, &input, &bundle, with_issuers);
        let rules = Rules {
            python_3_13: target.python_3_13(),
            ..rules
        };
        let mut verdicts = validate::judge(&prepared.input.certs, &bundle, rules);
        let (hints, offline) = knowledge::explain(&mut verdicts, &prepared);
        let refused = verdicts.iter().any(|v| v.decision == Decision::Refused);
        let status = if refused {
            CheckStatus::Refused
        } else if verdicts
            .iter()
            .all(|v| matches!(v.decision, Decision::AlreadyPresent | Decision::SkippedLeaf))
        {
            CheckStatus::AlreadyPresent
        } else {
            CheckStatus::Acceptable
        };
        if !refused {
            effective.push(target);
        }
        print_verdicts(ctx, target, &prepared.input, &verdicts);
        knowledge::print(ctx, &hints);
        if refused {
            outcome = Outcome::Failure;
        } else {
            ctx.printer.line(format!(
                "  {} `add` would accept it",
                ctx.printer.tone(Tone::Good, "ok:")
            ));
        }
        bundles.push(Entry::Done(CheckEntry {
            certificates: verdicts_json(&verdicts),
            offline,
            status,
            target: target.json(),
        }));
    }
    report_findings(ctx, &findings_for(ctx, &effective));
    let overrides = overrides_for(ctx, &effective);
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
            overrides: &overrides,
            dry_run: None,
            input: input_json(&input),
            notes: &notes,
        },
    });
    Ok(outcome)
}

/// One bundle in `check --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct CheckEntry<'a> {
    pub certificates: Vec<VerdictJson>,
    /// What the offline index knows about the missing issuers (see docs/json.md).
    pub offline: knowledge::OfflineJson,
    pub status: CheckStatus,
    pub target: TargetJson<'a>,
}

/// Whether `add` would accept FILE for one bundle.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Acceptable,
    AlreadyPresent,
    Refused,
}
