//! `certpatch reapply [targets] [--dry-run]`: puts back the recorded patches a bundle lost
//! (an upgrade, a reinstall, a replaced file) and the configuration's `keep` certificates
//! it lacks. Each certificate is judged again with `add`'s rules at `--at` (or now)
//! against the bundle as it is now — it may have expired, or its issuer may have left the
//! new certifi: the refusal says which — and the ones that pass go through `add` itself
//! (lock, backup, load check, ledger). Running it twice changes nothing the second time.

use anyhow::Result;

use super::Context;
use crate::accept::validate::Rules;
use crate::cli::adding::{add_to, AddArgs};
use crate::cli::exit::Outcome;
use crate::cli::json::{Document, ReapplyEntry, ReapplyExtra, ReapplyStatus};
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::Targets;
use crate::store::config;
use crate::store::ledger::{self, Ledger};
use crate::target::Target;
use crate::usecase::reapply::{self, BundleReapply, KeepProblem, Status, Step, Why};
use crate::x509::cert::Cert;
use crate::x509::clock::now_rfc3339;

pub fn run(ctx: &Context, targets: &Targets, dry_run: bool) -> Result<Outcome> {
    let p = &ctx.printer;
    let config = config::load()?;
    let all = targets.all;
    let (targets, notes) = ctx.targets_with(targets, &config)?;
    let home = ctx.home()?;
    let (ledger, ledger_error) = match ledger::read(&home) {
        Ok(l) => (l, None),
        Err(e) => {
            let message = crate::cli::exit::chain(&e);
            p.error(&message);
            (Ledger::default(), Some(message))
        }
    };
    let mut outcome = Outcome::from_ok(ledger_error.is_none());
    // The `keep` certificates, read once: files as `add` reads them, fingerprints from the
    // PEM the ledger holds.
    let (kept, problems) = reapply::kept(&config, &ledger);
    for problem in &problems {
        match problem {
            KeepProblem::Unreadable { message } => p.error(message),
            KeepProblem::NotInLedger { sha256 } => p.error(format!(
                "keep: {sha256} is not in the ledger, so certpatch has no copy of it; name its file in `keep` instead"
            )),
        }
        outcome = Outcome::Failure;
    }
    if !dry_run {
        // Only the bundles reapply could write to: those the ledger (or `keep`) names.
        let writable: Vec<Target> = targets
            .iter()
            .filter(|t| {
                !kept.is_empty()
                    || ledger
                        .patches
                        .iter()
                        .any(|e| e.bundle == t.path.to_string_lossy())
            })
            .cloned()
            .collect();
        ctx.confirm_write(all, &writable)?;
    }
    let rules = Rules {
        at: ctx.at,
        allow_root: false,
        python_3_13: None,
    };
    let mut reports = Vec::new();
    for target in &targets {
        let report = one(ctx, target, &ledger, &kept, rules, dry_run);
        if report.error.is_some()
            || report
                .certificates
                .iter()
                .any(|c| matches!(c.status, Status::Refused | Status::Failed))
        {
            outcome = Outcome::Failure;
        }
        reports.push(ReapplyEntry::new(target, &report));
    }
    let total: usize = reports
        .iter()
        .map(|r| {
            r.certificates
                .iter()
                .filter(|c| {
                    matches!(
                        c.status,
                        ReapplyStatus::Reapplied | ReapplyStatus::WouldReapply
                    )
                })
                .count()
        })
        .sum();
    if reports.iter().all(|r| r.certificates.is_empty()) && ledger_error.is_none() {
        p.line("nothing to reapply: every recorded patch is present");
    } else if total > 0 {
        p.line(format!(
            "{} {} certificate(s){}; `certpatch status` shows the result",
            p.tone(
                Tone::Good,
                if dry_run {
                    "would reapply"
                } else {
                    "reapplied"
                }
            ),
            total,
            if dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        ));
    }
    p.document(&Document {
        command: "reapply",
        ok: outcome == Outcome::Success,
        error: None,
        bundles: reports,
        extra: ReapplyExtra {
            dry_run,
            ledger_error,
            notes: &notes,
        },
    });
    Ok(outcome)
}

/// Reapplies to one bundle, printing as it goes.
fn one(
    ctx: &Context,
    target: &Target,
    ledger: &Ledger,
    kept: &[(Cert, String)],
    rules: Rules,
    dry_run: bool,
) -> BundleReapply {
    let p = &ctx.printer;
    let path = path_text(&target.path);
    let why = |w: Why| match w {
        Why::Lost => "lost",
        Why::Kept => "kept",
    };
    let say = |step: Step| {
        match step {
        Step::DamagedCopy { sha256, subject } => p.error(format!(
            "{path}: the ledger's copy of {} ({}) does not decode to that certificate; add it again from its file",
            short(sha256),
            escape(subject)
        )),
        Step::Refused {
            sha256,
            subject,
            why: w,
            reasons,
        } => {
            p.error(format!(
                "{path}: not reapplied: {}  {} ({}):",
                short(sha256),
                escape(subject),
                why(w)
            ));
            for r in reasons {
                p.error_detail(format!("    {r}"));
            }
        }
        Step::WouldReapply {
            sha256,
            subject,
            why: w,
        } => p.line(format!(
            "{path}: would reapply {}  {} ({})",
            short(sha256),
            escape(subject),
            why(w)
        )),
        Step::Failed { error } => {
            p.error(format!("{path}: {}", crate::cli::exit::chain(error)))
        }
    }
    };
    let when = now_rfc3339();
    let mut add_one = |input: &crate::x509::input::Input, allow_root: bool| {
        let args = AddArgs {
            file: std::path::Path::new("-"),
            targets: &Targets::default(),
            dry_run: false,
            allow_root,
            output: None,
            with_issuers: false,
        };
        let rules = Rules {
            allow_root,
            ..rules
        };
        add_to(ctx, input, target, &args, rules, &when).map(|r| r.outcome == Outcome::Success)
    };
    let report = reapply::one(
        target,
        ledger,
        ctx.knowledge().index(),
        kept,
        rules,
        dry_run,
        &say,
        &mut add_one,
    );
    if let Some(message) = &report.error {
        p.error(format!("{path}: {message}"));
    }
    report
}
