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
use serde::Serialize;

use super::{bundle_error, preview, Context};
use crate::bundle::Bundle;
use crate::cli::exit::Outcome;
use crate::cli::json::{ChangeExtra, Document, Entry};
use crate::cli::output::{path_text, short, Tone};
use crate::cli::Targets;
use crate::store::backup::Backup;
use crate::store::ledger::Ledger;
use crate::store::provenance::{self, Provenance};
use crate::store::transaction::{self, BackupStep, Write};
use crate::target::{Target, TargetJson};
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

/// The certificates in `a` that `b` lacks (by fingerprint), each once.
fn missing_from<'a>(a: &'a [Cert], b: &[Cert]) -> Vec<&'a Cert> {
    let mut out: Vec<&Cert> = Vec::new();
    for c in a {
        if !b.iter().any(|d| d.sha256() == c.sha256())
            && !out.iter().any(|d| d.sha256() == c.sha256())
        {
            out.push(c);
        }
    }
    out
}

fn names_json(certs: &[&Cert]) -> Vec<NameJson> {
    certs
        .iter()
        .map(|c| NameJson {
            name: c.name().to_string(),
            sha256: c.sha256_hex(),
        })
        .collect()
}

/// A certificate a refused restore would bring back or drop.
#[derive(Serialize)]
pub struct NameJson {
    pub name: String,
    pub sha256: String,
}

/// One bundle in `restore --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct RestoreEntry<'a> {
    /// The backup's file.
    pub backup: String,
    pub message: String,
    /// The keys below `status`'s `refused` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_now: Option<Option<Provenance>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_then: Option<Option<Provenance>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Refusal>,
    pub status: RestoreStatus,
    pub target: TargetJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_bring_back: Option<Vec<NameJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_drop: Option<Vec<NameJson>>,
}

/// What `restore` did, or would do, to one bundle.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum RestoreStatus {
    NoBackup,
    DamagedBackup,
    Unchanged,
    Refused,
    WouldRestore,
    Restored,
}

/// Why a restore was refused.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// The bundle changed since the backup and certpatch's patches are gone from it.
    PatchesLost,
    /// The bundle changed since the backup; certpatch's patches are still in it.
    ChangedSinceBackup,
}

/// The refusal's own keys of a [`RestoreEntry`].
struct Refused {
    reason: Refusal,
    provenance_then: Option<Provenance>,
    provenance_now: Option<Provenance>,
    would_bring_back: Vec<NameJson>,
    would_drop: Vec<NameJson>,
}

type Decided<'a> = (Outcome, RestoreEntry<'a>);

fn restore_one<'a>(ctx: &Context, target: &'a Target, dry_run: bool) -> Result<Decided<'a>> {
    let p = &ctx.printer;
    let home = ctx.home()?;
    let shown = path_text(&target.path);
    let backup = Backup::of(&home, &target.path);
    let report = |status: RestoreStatus, message: String, refused: Option<Refused>| {
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
            target: target.json(),
            would_bring_back: back,
            would_drop: drop,
        }
    };
    let remove_all = format!(
        "certpatch remove --all {}",
        crate::cli::output::bundle_flag(&target.path)
    );
    // A dry run only reads; a real restore decides and writes under the lock.
    let done = transaction::run(
        ctx.access(target),
        (!dry_run).then_some(&home),
        |bundle| bundle,
        |bundle: &Bundle, locked| {
            let current = &bundle.bytes;
            let decided = |v: Decided<'a>| Ok((Some(v), None));
            if !backup.exists() {
                let patches = bundle.patches.len();
                if patches > 0 {
                    let msg = format!(
                        "{shown} holds {patches} certpatch patch(es) but there is no backup of it under `{}` (was another CERTPATCH_HOME used?)",
                        home.root.display()
                    );
                    p.error(&msg);
                    p.hint(format!(
                        "`{remove_all}` takes the patches out exactly, without a backup"
                    ));
                    return decided((Outcome::Failure, report(RestoreStatus::NoBackup, msg, None)));
                }
                let msg = format!(
                    "{shown} holds no certpatch patch and has no backup under `{}` (a backup is kept only while the bundle holds patches)",
                    home.root.display()
                );
                p.line(format!("{msg}; nothing to restore"));
                return decided((Outcome::Success, report(RestoreStatus::NoBackup, msg, None)));
            }
            let loaded = match backup.load() {
                Ok(l) => l,
                Err(damaged) => {
                    let msg = format!("{shown}: {damaged}");
                    p.error(&msg);
                    p.hint(format!(
                        "`{remove_all}` takes certpatch's patches out exactly, without the backup; then delete the folder `{}`",
                        backup.dir.display()
                    ));
                    return decided((
                        Outcome::Failure,
                        report(RestoreStatus::DamagedBackup, msg, None),
                    ));
                }
            };
            let original = loaded.bytes;
            if *current == original {
                let msg = format!("{shown} is already the backed-up copy");
                p.line(format!("{msg}; nothing to restore"));
                return decided((
                    Outcome::Success,
                    report(RestoreStatus::Unchanged, msg, None),
                ));
            }
            let pristine = bundle.pristine();
            if pristine != original {
                return decided(refuse(
                    ctx,
                    target,
                    bundle,
                    &pristine,
                    &original,
                    loaded.meta.provenance.as_ref(),
                    &remove_all,
                    &report,
                ));
            }
            let Some(locked) = locked else {
                let msg = format!(
                    "would restore {shown} from {} ({} bytes now, {} after)",
                    backup.original.display(),
                    current.len(),
                    original.len()
                );
                p.line(&msg);
                for patch in &bundle.patches {
                    for line in preview(&bundle.bytes[patch.range.clone()], '-') {
                        p.line(format!("    {}", p.tone(Tone::Bad, &line)));
                    }
                }
                return decided((
                    Outcome::Success,
                    report(RestoreStatus::WouldRestore, msg, None),
                ));
            };
            let path = locked.path.clone();
            Ok((
                None,
                Some(Write {
                    bytes: original,
                    // The bundle is restored; a backup left behind is only clutter.
                    backup: BackupStep::Discard,
                    ledger: move |l: &mut Ledger| l.forget_bundle(&path),
                }),
            ))
        },
    )?;
    if let Some(decided) = done.result {
        return Ok(decided);
    }
    if let Some(committed) = &done.committed {
        ctx.committed_warnings(committed);
    }
    let msg = format!("{shown} put back as it was before certpatch");
    p.line(format!("{} {msg}", p.tone(Tone::Good, "restored:")));
    Ok((Outcome::Success, report(RestoreStatus::Restored, msg, None)))
}

/// The refusal when the bundle without certpatch's patches is not the backup: what
/// changed, what the old copy would bring back or drop, and what to run instead.
#[allow(clippy::too_many_arguments)]
fn refuse<'a>(
    ctx: &Context,
    target: &Target,
    bundle: &Bundle,
    pristine: &[u8],
    original: &[u8],
    then: Option<&Provenance>,
    remove_all: &str,
    report: &dyn Fn(RestoreStatus, String, Option<Refused>) -> RestoreEntry<'a>,
) -> Decided<'a> {
    let p = &ctx.printer;
    let shown = path_text(&target.path);
    let now = provenance::of(&target.path);
    let old = Bundle::parse(original.to_vec());
    let new = Bundle::parse(pristine.to_vec());
    let bring_back = missing_from(&old.certs, &new.certs);
    let drop = missing_from(&new.certs, &old.certs);
    let what = match (then, now.as_ref()) {
        (Some(a), Some(b)) if a.effective_version() != b.effective_version() || a.package != b.package => {
            format!("it was upgraded or reinstalled: {a} → {b}")
        }
        (Some(a), Some(b)) => format!("it was changed by something other than certpatch ({a} then, {b} now)"),
        (None, Some(b)) => format!("it was changed by something other than certpatch (now {b})"),
        _ => "it was changed by something other than certpatch (a package upgrade or reinstall, or a hand edit?)".to_string(),
    };
    let lost = if bundle.patches.is_empty() {
        "; certpatch's patches are no longer in it (lost to that change)"
    } else {
        ""
    };
    let msg = format!(
        "{shown} is no longer the copy certpatch backed up: {what}{lost}. Restoring the backup would put an older bundle over it, so nothing was written"
    );
    p.error(&msg);
    let list = |verb: &str, certs: &[&Cert]| {
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
    list("bring back (trust again)", &bring_back);
    list("drop", &drop);
    if bring_back.is_empty() && drop.is_empty() {
        p.error_detail("  (the certificates are the same; the text around them differs)");
    }
    let reinstall = now.as_ref().or(then).map(Provenance::reinstall_command);
    let flag = crate::cli::output::bundle_flag(&target.path);
    if bundle.patches.is_empty() {
        match &reinstall {
            Some(cmd) => p.hint(format!(
                "there is nothing of certpatch's to take out; `{cmd}` puts the package's own bundle back, and `certpatch add FILE {flag}` adds a certificate again"
            )),
            None => p.hint(format!(
                "there is nothing of certpatch's to take out; reinstall the package that owns the bundle to get its own copy back, and `certpatch add FILE {flag}` adds a certificate again"
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
            Some(Refused {
                reason: if bundle.patches.is_empty() {
                    Refusal::PatchesLost
                } else {
                    Refusal::ChangedSinceBackup
                },
                provenance_then: then.cloned(),
                provenance_now: now,
                would_bring_back: names_json(&bring_back),
                would_drop: names_json(&drop),
            }),
        ),
    )
}
