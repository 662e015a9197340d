//! `certpatch restore [targets] [--dry-run]`: put back the copy saved before the first
//! patch.
//!
//! Restoring writes the backup only while the bundle, with certpatch's patches taken out,
//! is byte for byte that backup — so it never puts an older bundle over a newer one. After
//! a certifi upgrade, a reinstall or a foreign edit (with or without certpatch's patches
//! still in it) it refuses, exit 1, nothing written, and says what changed: the package
//! version (backup's provenance → the bundle's now), the roots the old copy would bring
//! back or drop, and what to run instead. There is no flag to override this (the former
//! `--force` is gone: it downgraded trust stores). A backup whose bytes do not match its
//! `meta.toml` is damaged and is never used.

use anyhow::Result;

use crate::cli::json::TargetJson;

use super::{bundle_error, preview, Context};
use crate::cli::exit::Outcome;
use crate::cli::json::{
    names_json, ChangeExtra, Document, Entry, Refusal, RefusedJson, RestoreEntry, RestoreStatus,
};
use crate::cli::output::{path_text, short, Tone};
use crate::cli::Targets;
use crate::target::Target;
use crate::usecase::restore::{self, Refused, Restore};
use crate::x509::cert::{printable, Cert};

/// How many certificate names a refusal lists on each side.
const NAMES_SHOWN: usize = 10;

pub fn run(ctx: &Context, targets: &Targets, dry_run: bool) -> Result<Outcome> {
    let (targets, notes) = {
        let all = targets.all;
        let (t, n) = ctx.targets(targets)?;
        if !dry_run {
            ctx.confirm_write(all, &t)?;
        }
        (t, n)
    };
    let mut outcome = Outcome::Success;
    let mut results = Vec::new();
    for target in &targets {
        match restore_one(ctx, target, dry_run) {
            Ok((o, v)) => {
                outcome = outcome.and(o);
                results.push(Entry::Done(v));
            }
            Err(e) => {
                outcome = Outcome::Failure;
                results.push(Entry::Failed(bundle_error(ctx, target, &e)));
            }
        }
    }
    let restored = results
        .iter()
        .filter(|r| {
            matches!(r, Entry::Done(v) if matches!(v.status, RestoreStatus::Restored | RestoreStatus::WouldRestore))
        })
        .count();
    ctx.printer.line(crate::cli::output::summary_text(
        outcome == Outcome::Success,
        dry_run,
        &format!(
            "{} {restored} of {} bundle(s)",
            if dry_run { "would restore" } else { "restored" },
            results.len()
        ),
    ));
    ctx.printer.document(&Document {
        command: "restore",
        ok: outcome == Outcome::Success,
        error: None,
        bundles: results,
        extra: ChangeExtra {
            dry_run,
            notes: &notes,
        },
    });
    Ok(outcome)
}

type Decided<'a> = (Outcome, RestoreEntry<'a>);

fn restore_one<'a>(ctx: &Context, target: &'a Target, dry_run: bool) -> Result<Decided<'a>> {
    let p = &ctx.printer;
    let home = ctx.home()?;
    let shown = path_text(&target.path);
    let done = restore::restore_one(ctx.access(target), target, &home, dry_run)?;
    let backup = &done.backup;
    let report = |status: RestoreStatus, message: String, refused: Option<RefusedJson>| {
        let (reason, then, now, back, drop) = match refused {
            Some(r) => (
                Some(r.reason),
                Some(r.provenance_then),
                Some(r.provenance_now),
                Some(r.would_bring_back),
                Some(r.would_drop),
            ),
            None => (None, None, None, None, None),
        };
        RestoreEntry {
            backup: path_text(&backup.original),
            message,
            provenance_now: now,
            provenance_then: then,
            reason,
            status,
            target: TargetJson::from(target),
            would_bring_back: back,
            would_drop: drop,
        }
    };
    let remove_all = format!(
        "certpatch remove --all {}",
        crate::cli::output::bundle_flag(&target.path)
    );
    Ok(match done.restore {
        Restore::NoBackup { patches } if patches > 0 => {
            let msg = format!(
                "{shown} holds {patches} certpatch patch(es) but there is no backup of it under `{}` (was another CERTPATCH_HOME used?)",
                path_text(&home.root)
            );
            p.error(&msg);
            p.hint(format!(
                "`{remove_all}` takes the patches out exactly, without a backup"
            ));
            (Outcome::Failure, report(RestoreStatus::NoBackup, msg, None))
        }
        Restore::NoBackup { .. } => {
            let msg = format!(
                "{shown} holds no certpatch patch and has no backup under `{}` (a backup is kept only while the bundle holds patches)",
                path_text(&home.root)
            );
            p.line(format!("{msg}; nothing to restore"));
            (Outcome::Success, report(RestoreStatus::NoBackup, msg, None))
        }
        Restore::DamagedBackup { damage, dir } => {
            let msg = format!("{shown}: {damage}");
            p.error(&msg);
            p.hint(format!(
                "`{remove_all}` takes certpatch's patches out exactly, without the backup; then delete the folder `{}`",
                path_text(&dir)
            ));
            (
                Outcome::Failure,
                report(RestoreStatus::DamagedBackup, msg, None),
            )
        }
        Restore::Unchanged => {
            let msg = format!("{shown} is already the backed-up copy");
            p.line(format!("{msg}; nothing to restore"));
            (
                Outcome::Success,
                report(RestoreStatus::Unchanged, msg, None),
            )
        }
        Restore::Refused(refused) => refuse(ctx, target, &refused, &remove_all, &report),
        Restore::WouldRestore { now, after } => {
            let msg = format!(
                "would restore {shown} from {} ({now} bytes now, {after} after)",
                path_text(&backup.original),
            );
            p.line(&msg);
            let bundle = &done.bundle;
            for patch in &bundle.patches {
                for line in preview(&bundle.bytes[patch.range.clone()], '-') {
                    p.line(format!("    {}", p.tone(Tone::Bad, &line)));
                }
            }
            (
                Outcome::Success,
                report(RestoreStatus::WouldRestore, msg, None),
            )
        }
        Restore::Restored { committed } => {
            if let Some(committed) = &committed {
                ctx.committed_warnings(committed);
            }
            let msg = format!("{shown} put back as it was before certpatch");
            p.line(format!("{} {msg}", p.tone(Tone::Good, "restored:")));
            (Outcome::Success, report(RestoreStatus::Restored, msg, None))
        }
    })
}

/// The refusal when the bundle without certpatch's patches is not the backup: what
/// changed, what the old copy would bring back or drop, and what to run instead.
fn refuse<'a>(
    ctx: &Context,
    target: &Target,
    r: &Refused,
    remove_all: &str,
    report: &dyn Fn(RestoreStatus, String, Option<RefusedJson>) -> RestoreEntry<'a>,
) -> Decided<'a> {
    let p = &ctx.printer;
    let shown = path_text(&target.path);
    let what = match (&r.then, &r.now) {
        (Some(a), Some(b)) if a.effective_version() != b.effective_version() || a.package != b.package => {
            format!("it was upgraded or reinstalled: {a} → {b}")
        }
        (Some(a), Some(b)) => format!("it was changed by something other than certpatch ({a} then, {b} now)"),
        (None, Some(b)) => format!("it was changed by something other than certpatch (now {b})"),
        _ => "it was changed by something other than certpatch (a package upgrade or reinstall, or a hand edit?)".to_string(),
    };
    let lost = if r.patches_lost {
        "; certpatch's patches are no longer in it (lost to that change)"
    } else {
        ""
    };
    let msg = format!(
        "{shown} is no longer the copy certpatch backed up: {what}{lost}. Restoring the backup would put an older bundle over it, so nothing was written"
    );
    p.error(&msg);
    let list = |verb: &str, certs: &[Cert]| {
        if certs.is_empty() {
            return;
        }
        p.error_detail(format!(
            "  the backup would {verb} {} certificate(s):",
            certs.len()
        ));
        for c in certs.iter().take(NAMES_SHOWN) {
            p.error_detail(format!(
                "    {}  {}",
                short(&c.sha256_hex()),
                printable(c.name())
            ));
        }
        if certs.len() > NAMES_SHOWN {
            p.error_detail(format!("    … and {} more", certs.len() - NAMES_SHOWN));
        }
    };
    list("bring back (trust again)", &r.bring_back);
    list("drop", &r.drop);
    if r.bring_back.is_empty() && r.drop.is_empty() {
        p.error_detail("  (the certificates are the same; the text around them differs)");
    }
    let reinstall = r.reinstall();
    let flag = crate::cli::output::bundle_flag(&target.path);
    if r.patches_lost {
        match &reinstall {
            Some(cmd) => p.hint(format!(
                "there is nothing of certpatch's to take out: the change took its patches with it. `certpatch reapply {flag}` puts them back into this bundle, each checked again; `{cmd}` puts the package's own bundle back instead"
            )),
            None => p.hint(format!(
                "there is nothing of certpatch's to take out: the change took its patches with it. `certpatch reapply {flag}` puts them back into this bundle, each checked again; reinstalling the package that owns the bundle gets its own copy back instead"
            )),
        }
    } else {
        let extra = match &reinstall {
            Some(cmd) => format!("; `{cmd}` puts the package's own bundle back instead"),
            None => String::new(),
        };
        p.hint(format!(
            "`{remove_all}` takes out only certpatch's patches and keeps the newer bundle{extra}"
        ));
    }
    (
        Outcome::Failure,
        report(
            RestoreStatus::Refused,
            msg,
            Some(RefusedJson {
                reason: if r.patches_lost {
                    Refusal::PatchesLost
                } else {
                    Refusal::ChangedSinceBackup
                },
                provenance_then: r.then.clone(),
                provenance_now: r.now.clone(),
                would_bring_back: names_json(&r.bring_back),
                would_drop: names_json(&r.drop),
            }),
        ),
    )
}
