//! `certpatch adopt [targets] [--dry-run] [--allow-root]`: turns certificates pasted by
//! hand at the end of a bundle into certpatch patches ([`crate::health::adopt`] finds
//! them), so that they are tracked in the ledger, checked again with `add`'s rules, and
//! put back by `reapply` after an upgrade. The package's own file becomes the backup.

use anyhow::{bail, Result};
use serde::Serialize;

use super::Context;
use crate::accept::validate::{judge, Decision, Rules};
use crate::bundle::{render_patch, Bundle};
use crate::cli::exit::Outcome;
use crate::cli::json::Document;
use crate::cli::json::TargetJson;
use crate::cli::output::{bundle_flag, escape, path_text, short, Tone};
use crate::cli::Targets;
use crate::health::adopt::{self, Found};
use crate::store::commit;
use crate::store::ledger::Entry;
use crate::store::provenance;
use crate::target::Target;
use crate::x509::clock::now_rfc3339;

/// The source recorded for an adopted certificate.
pub const SOURCE: &str = "adopted hand edit";

#[derive(Serialize)]
struct Adopted<'a> {
    target: TargetJson<'a>,
    /// `adopted`, `would-adopt`, `nothing-to-adopt`, `refused` or `error`.
    status: &'static str,
    /// The pasted certificates (SHA-256), in order.
    certificates: Vec<String>,
    /// Why not, when refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct Extra {
    dry_run: bool,
}

pub fn run(ctx: &Context, targets: &Targets, dry_run: bool, allow_root: bool) -> Result<Outcome> {
    let all = targets.all;
    let (targets, _notes) = ctx.targets(targets)?;
    if !dry_run {
        ctx.confirm_write(all, &targets)?;
    }
    let home = ctx.home()?;
    let rules = Rules {
        at: ctx.at,
        allow_root,
        python_3_13: None,
    };
    let mut outcome = Outcome::Success;
    let mut entries = Vec::new();
    let mut adopted = 0;
    for target in &targets {
        let entry = match one(ctx, &home, target, rules, dry_run) {
            Ok(e) => e,
            Err(e) => {
                let message = crate::cli::exit::chain(&e);
                ctx.printer
                    .error(format!("{}: {message}", path_text(&target.path)));
                Adopted {
                    target: TargetJson::from(target),
                    status: "error",
                    certificates: Vec::new(),
                    reasons: vec![message],
                }
            }
        };
        if matches!(entry.status, "refused" | "error") {
            outcome = Outcome::Failure;
        }
        if matches!(entry.status, "adopted" | "would-adopt") {
            adopted += entry.certificates.len();
        }
        entries.push(entry);
    }
    let verb = if dry_run { "would adopt" } else { "adopted" };
    ctx.printer.line(format!(
        "{}: {verb} {adopted} certificate(s) in {} bundle(s){}",
        if outcome == Outcome::Success {
            ctx.printer.tone(Tone::Good, "done")
        } else {
            ctx.printer.tone(Tone::Bad, "failed")
        },
        entries
            .iter()
            .filter(|e| matches!(e.status, "adopted" | "would-adopt"))
            .count(),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    ));
    ctx.printer.document(&Document {
        command: "adopt",
        ok: outcome == Outcome::Success,
        error: None,
        bundles: entries,
        extra: Extra { dry_run },
    });
    Ok(outcome)
}

fn one<'a>(
    ctx: &Context,
    home: &crate::store::home::Home,
    target: &'a Target,
    rules: Rules,
    dry_run: bool,
) -> Result<Adopted<'a>> {
    let p = &ctx.printer;
    let bytes = target.read()?;
    let bundle = Bundle::parse(bytes.clone());
    let record = provenance::recorded(&target.path);
    let mut entry = Adopted {
        target: TargetJson::from(target),
        status: "refused",
        certificates: Vec::new(),
        reasons: Vec::new(),
    };
    let refuse = |mut entry: Adopted<'a>, why: String| {
        p.error(format!(
            "{}: nothing adopted: {why}",
            path_text(&target.path)
        ));
        entry.reasons.push(why);
        Ok(entry)
    };
    let edit = match adopt::find(&bytes, &bundle, record.as_ref().map(|r| r.sha256.as_str())) {
        Found::Edit(e) => e,
        Found::Untouched => {
            p.line(format!(
                "{}: no hand edit (the file is its package's own, plus certpatch's patches); nothing to adopt",
                path_text(&target.path)
            ));
            entry.status = "nothing-to-adopt";
            return Ok(entry);
        }
        Found::NoRecord => return refuse(entry, format!(
            "no package records this file's hash (no RECORD line, no conda paths_data: it is a copy, or its package's record is gone), so certpatch cannot tell a hand edit from the package's own text\nhint: adopt works on a bundle inside its installed package (name it with --env or --python); for this file, move the certificates you pasted into a file of their own and run `certpatch add FILE {}`",
            bundle_flag(&target.path)
        )),
        Found::NotAnAppend => return refuse(entry, "the package's own file is not whole at its start (a certificate inside it was changed or removed, or it is another version's file); only certificates pasted after it can be adopted. Reinstall the package, then add the certificates with `certpatch add FILE`".into()),
        Found::Interleaved => return refuse(entry, "the pasted text lies between certpatch's patches; run `certpatch remove --all` on it first, then adopt".into()),
        Found::NoCertificate(why) => return refuse(entry, format!("the text after the package's file cannot be adopted: {why}")),
    };
    entry.certificates = edit.certs.iter().map(|c| c.sha256_hex()).collect();
    // Checked as `add` checks a file holding them all, against the package's file.
    let base = Bundle::parse(edit.original.clone());
    let rules = Rules {
        python_3_13: target.python_3_13(),
        ..rules
    };
    let verdicts = judge(&edit.certs, &base, rules);
    let refused: Vec<String> = verdicts
        .iter()
        .filter(|v| v.decision == Decision::Refused)
        .flat_map(|v| {
            v.reasons.iter().map(move |r| {
                format!(
                    "{} ({}): {}: {}",
                    escape(v.cert.subject()),
                    short(&v.cert.sha256_hex()),
                    r.code.as_str(),
                    escape(&r.message)
                )
            })
        })
        .collect();
    if !refused.is_empty() {
        let hint = if verdicts.iter().any(|v| {
            v.reasons
                .iter()
                .any(|r| r.code == crate::accept::validate::Code::SelfSignedRoot)
        }) {
            " (a root you pasted on purpose: `certpatch adopt --allow-root`)"
        } else {
            ""
        };
        for r in &refused {
            p.error_detail(format!("    {r}"));
        }
        return refuse(
            entry,
            format!("a pasted certificate fails add's checks{hint}"),
        )
        .map(|mut e| {
            e.reasons.extend(refused);
            e
        });
    }
    let when = now_rfc3339();
    let mut new = edit.kept.clone();
    let mut added = Vec::new();
    for v in &verdicts {
        // A pasted copy of a certificate the package already ships is just dropped.
        if v.decision == Decision::Add
            && !added
                .iter()
                .any(|c: &&crate::x509::cert::Cert| c.sha256() == v.cert.sha256())
        {
            let block = render_patch(&new, v.cert, &when, SOURCE);
            new.extend(block);
            added.push(v.cert);
        }
    }
    p.line(format!(
        "{}: {} certificate(s) pasted after the package's own file:",
        path_text(&target.path),
        edit.certs.len()
    ));
    for c in &edit.certs {
        p.line(format!(
            "  + {} (sha256 {})",
            escape(c.subject()),
            short(&c.sha256_hex())
        ));
    }
    if dry_run {
        entry.status = "would-adopt";
        return Ok(entry);
    }
    let locked = ctx.lock(target)?;
    if locked.bytes != bytes {
        bail!("the bundle changed while certpatch read it; nothing was written, run `certpatch adopt` again");
    }
    let package = provenance::of(&target.path);
    let committed = commit::with_backup(home, &locked, &base, &new, |l| {
        for c in added.iter().rev() {
            let mut e = Entry::of_cert(
                &locked.path,
                c,
                target.environment.as_deref(),
                &when,
                SOURCE,
            );
            e.allow_root = rules.allow_root && c.is_self_signed();
            e.package.clone_from(&package);
            // First in the ledger: `reapply` puts patches back in ledger order, so an
            // adopted root comes back before the intermediates it issued.
            l.patches
                .retain(|x| !(x.bundle == e.bundle && x.sha256 == e.sha256));
            l.patches.insert(0, e);
        }
    })?;
    if let Some(problem) = committed.ledger_problem {
        p.warn(problem);
    }
    p.line("  adopted: they are certpatch patches now (tracked, checked again, reapplied after an upgrade); `certpatch remove SHA` takes one out");
    if let Some(b) = committed.backup {
        p.line(format!(
            "  backup (the package's own file): {}",
            path_text(&b)
        ));
    }
    entry.status = "adopted";
    Ok(entry)
}
