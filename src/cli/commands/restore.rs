//! `certpatch restore [targets] [--force] [--dry-run]`: put back the copy saved before
//! the first patch.
//!
//! Restoring is only safe when the bundle is still "backup + certpatch patches". If
//! something else changed it since (a certifi upgrade, a hand edit), restoring would throw
//! that change away, so certpatch refuses and says what to do instead, unless `--force`.

use anyhow::Result;
use serde_json::json;

use super::{bundle_error, preview, Context};
use crate::backup::Backup;
use crate::bundle::Bundle;
use crate::cli::Targets;
use crate::commit;
use crate::exit::Outcome;
use crate::output::{path_text, Tone};
use crate::target::Target;
use crate::write;

pub fn run(ctx: &Context, targets: &Targets, force: bool, dry_run: bool) -> Result<Outcome> {
    let (targets, notes) = ctx.targets(targets)?;
    let mut outcome = Outcome::Success;
    let mut results = Vec::new();
    for target in &targets {
        match restore_one(ctx, target, force, dry_run) {
            Ok((o, v)) => {
                outcome = outcome.and(o);
                results.push(v);
            }
            Err(e) => {
                outcome = Outcome::Failure;
                results.push(bundle_error(ctx, target, &e));
            }
        }
    }
    ctx.printer.document(&json!({
        "command": "restore",
        "ok": outcome == Outcome::Success,
        "dry_run": dry_run,
        "bundles": results,
        "notes": notes,
    }));
    Ok(outcome)
}

fn restore_one(
    ctx: &Context,
    target: &Target,
    force: bool,
    dry_run: bool,
) -> Result<(Outcome, serde_json::Value)> {
    let p = &ctx.printer;
    let home = ctx.home()?;
    // A dry run only reads; a real restore decides and writes under the lock.
    let locked = if dry_run {
        None
    } else {
        Some(write::lock(&target.path, super::wait_notice)?)
    };
    let current = match &locked {
        Some(l) => l.bytes.clone(),
        None => fs_err::read(&target.path)?,
    };
    let bundle = Bundle::parse(current.clone());
    let backup = Backup::of(&home, &target.path);
    let report = |status: &str, message: String| json!({"target": target.json(), "status": status, "message": message, "backup": path_text(&backup.original)});
    if !backup.exists() {
        let patches = bundle.patches.len();
        if patches > 0 {
            let msg = format!(
                "{} holds {patches} certpatch patch(es) but there is no backup of it under `{}` (was another CERTPATCH_HOME used?)",
                path_text(&target.path),
                home.root.display()
            );
            p.error(&msg);
            p.hint(format!(
                "`certpatch remove --all --bundle {}` takes the patches out exactly, without a backup",
                path_text(&target.path)
            ));
            return Ok((Outcome::Failure, report("no-backup", msg)));
        }
        let msg = format!(
            "{} holds no certpatch patch and has no backup under `{}` (a backup is kept only while the bundle holds patches)",
            path_text(&target.path),
            home.root.display()
        );
        p.line(format!("{msg}; nothing to restore"));
        return Ok((Outcome::Success, report("no-backup", msg)));
    }
    let original = backup.read()?;
    if current == original {
        let msg = format!("{} is already the backed-up copy", path_text(&target.path));
        p.line(format!("{msg}; nothing to restore"));
        return Ok((Outcome::Success, report("unchanged", msg)));
    }
    if bundle.patches.is_empty() && !force {
        // Nothing of certpatch's is in the bundle: putting the old copy back would only
        // undo someone else's change (a certifi upgrade, say).
        let msg = format!(
            "{} holds no certpatch patch; nothing to restore (the backup is older than the bundle; `--force` puts it back anyway)",
            path_text(&target.path)
        );
        p.line(&msg);
        return Ok((Outcome::Success, report("unchanged", msg)));
    }
    let clean = bundle.pristine() == original;
    if !clean && !force {
        let msg = format!(
            "{} was changed by something other than certpatch since the backup (a certifi upgrade or a hand edit?); restoring would throw that change away",
            path_text(&target.path)
        );
        p.error(&msg);
        p.hint(format!(
            "`certpatch remove --all --bundle {0}` takes out only certpatch's patches; `certpatch restore --force --bundle {0}` puts the old copy back anyway",
            path_text(&target.path)
        ));
        return Ok((Outcome::Failure, report("refused", msg)));
    }
    let Some(locked) = locked else {
        let msg = format!(
            "would restore {} from {} ({} bytes now, {} after)",
            path_text(&target.path),
            backup.original.display(),
            current.len(),
            original.len()
        );
        p.line(&msg);
        if clean {
            for patch in &bundle.patches {
                for line in preview(&bundle.bytes[patch.range.clone()], '-') {
                    p.line(format!("    {}", p.tone(Tone::Bad, &line)));
                }
            }
        } else {
            p.line("    (the whole file is replaced: it has changes besides certpatch's patches)");
        }
        return Ok((Outcome::Success, report("would-restore", msg)));
    };
    let committed = commit::plain(&home, &locked, &original, |l| l.forget_bundle(&locked.path))?;
    if let Some(problem) = committed.ledger_problem {
        p.warn(problem);
    }
    if let Err(e) = backup.discard() {
        // The bundle is restored; a backup left behind is only clutter.
        p.warn(crate::exit::chain(&e));
    }
    let msg = format!(
        "{} put back as it was before certpatch",
        path_text(&target.path)
    );
    p.line(format!("{} {msg}", p.tone(Tone::Good, "restored:")));
    Ok((Outcome::Success, report("restored", msg)))
}
