//! Lost patches as `list` and `remove` mention them: recorded in the ledger, absent from
//! the bundle (an upgrade, a reinstall, a replaced file). `list` says so in one line
//! pointing at `status`/`reapply`; `remove` of a lost patch says it is already gone and
//! drops it from the ledger. The ledger is bookkeeping: when it cannot be read, these say
//! nothing and the commands work on the markers alone.

use std::path::PathBuf;

use super::Context;
use crate::bundle::Bundle;
use crate::cli::output::{escape, path_text, short};
use crate::store::ledger::{self, Entry};
use crate::target::Target;

/// The recorded patches `bundle` (the file of `target`) lacks; none when the ledger cannot
/// be read.
pub fn lost_from(ctx: &Context, target: &Target, bundle: &Bundle) -> Vec<Entry> {
    let Ok(home) = ctx.home() else {
        return Vec::new();
    };
    let Ok(ledger) = ledger::read(&home) else {
        return Vec::new();
    };
    crate::health::lost_entries(&ledger, &target.path, bundle)
        .into_iter()
        .cloned()
        .collect()
}

/// `list`'s one line about lost patches, when there are any.
pub fn list_line(lost: &[Entry]) -> Option<String> {
    if lost.is_empty() {
        return None;
    }
    let names: Vec<String> = lost
        .iter()
        .take(3)
        .map(|e| format!("{} {}", short(&e.sha256), escape(&e.subject)))
        .collect();
    Some(format!(
        "{} recorded patch(es) no longer in this bundle ({}{}): `certpatch status` says what replaced it, `certpatch reapply` puts them back",
        lost.len(),
        names.join("; "),
        if lost.len() > 3 { "; …" } else { "" }
    ))
}

/// The lost patches (bundle, entry) of `targets` whose fingerprint starts with `prefix`.
pub fn matching(ctx: &Context, targets: &[Target], prefix: &str) -> Vec<(PathBuf, Entry)> {
    let mut out = Vec::new();
    for target in targets {
        let Ok(bytes) = target.read() else { continue };
        let bundle = Bundle::parse(bytes);
        for e in lost_from(ctx, target, &bundle) {
            if e.sha256.starts_with(prefix) {
                out.push((target.path.clone(), e));
            }
        }
    }
    out
}

/// Says that each of `gone` is already gone, and (unless `dry_run`) drops it from the
/// ledger.
pub fn forget(ctx: &Context, gone: &[(PathBuf, Entry)], dry_run: bool) {
    for (bundle, e) in gone {
        let message = format!(
            "already gone: {} {} is no longer in {} (an upgrade or reinstall removed it); {}",
            short(&e.sha256),
            escape(&e.subject),
            path_text(bundle),
            if dry_run {
                "it would be dropped from the ledger"
            } else {
                "dropped from the ledger, so `reapply` will not put it back"
            }
        );
        ctx.printer.line(&message);
    }
    if !dry_run && !gone.is_empty() {
        let result = ctx.home().and_then(|home| {
            ledger::update(&home, |l| {
                for (bundle, e) in gone {
                    l.forget(bundle, &e.sha256);
                }
            })
        });
        if let Err(e) = result {
            ctx.printer.warn(format!(
                "the ledger was not updated: {}",
                crate::cli::exit::chain(&e)
            ));
        }
    }
}
