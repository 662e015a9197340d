//! `certpatch remove SELECTOR... | --all [targets] [--dry-run]`.
//!
//! Only certpatch's own patches can be removed; the bytes they occupied are taken out
//! exactly, so the bundle is what it was before they were added.

use anyhow::Result;
use serde_json::json;

use super::{bundle_error, preview, Context};
use crate::bundle::Bundle;
use crate::cli::Targets;
use crate::exit::{Outcome, UsageError};
use crate::home::Home;
use crate::ledger;
use crate::output::{short, Tone};
use crate::target::Target;
use crate::write;

/// What to remove.
pub enum Selection {
    All,
    /// Normalised prefixes: lowercase hex, no colons.
    Prefixes(Vec<String>),
}

/// Normalises a fingerprint selector: hex, colons (or spaces) optional, any case.
pub fn normalize(selector: &str) -> Result<String, UsageError> {
    let s: String = selector
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let s = s
        .strip_prefix("sha256")
        .map(|r| r.trim_start_matches(['=', '/']))
        .unwrap_or(&s)
        .to_string();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(UsageError(format!(
            "`{selector}` is not a SHA-256 fingerprint or prefix (hex digits, colons optional); `certpatch list` shows them"
        )));
    }
    if s.len() > 64 {
        return Err(UsageError(format!(
            "`{selector}` is longer than a SHA-256 fingerprint"
        )));
    }
    Ok(s)
}

pub fn run(
    ctx: &Context,
    selection: &Selection,
    targets: &Targets,
    dry_run: bool,
) -> Result<Outcome> {
    let p = &ctx.printer;
    let (targets, notes) = ctx.targets(targets)?;
    let home = if dry_run { None } else { Some(ctx.home()?) };
    let mut outcome = Outcome::Success;
    let mut matched = vec![
        false;
        match selection {
            Selection::Prefixes(v) => v.len(),
            Selection::All => 0,
        }
    ];
    let mut results = Vec::new();
    for target in &targets {
        match remove_from(ctx, target, selection, dry_run, home.as_ref(), &mut matched) {
            Ok((o, v)) => {
                outcome = outcome.and(o);
                results.push(v);
            }
            Err(e) => {
                outcome = outcome.and(bundle_error(ctx, target, &e));
                results.push(json!({"target": target.json(), "status": "error", "error": crate::exit::chain(&e)}));
            }
        }
    }
    if let Selection::Prefixes(prefixes) = selection {
        for (prefix, hit) in prefixes.iter().zip(&matched) {
            if !hit {
                p.error(format!(
                    "no certpatch patch matches `{prefix}` in the {} target bundle(s)",
                    targets.len()
                ));
                p.hint("`certpatch list` shows the patches and their fingerprints");
                outcome = Outcome::Failure;
            }
        }
    }
    p.document(&json!({
        "command": "remove",
        "ok": outcome == Outcome::Success,
        "dry_run": dry_run,
        "bundles": results,
        "notes": notes,
    }));
    Ok(outcome)
}

fn remove_from(
    ctx: &Context,
    target: &Target,
    selection: &Selection,
    dry_run: bool,
    home: Option<&Home>,
    matched: &mut [bool],
) -> Result<(Outcome, serde_json::Value)> {
    let p = &ctx.printer;
    let locked = if dry_run {
        None
    } else {
        Some(write::lock(&target.path)?)
    };
    let bytes = match &locked {
        Some(l) => l.bytes.clone(),
        None => fs_err::read(&target.path)?,
    };
    let bundle = Bundle::parse(bytes);
    let mut chosen: Vec<usize> = Vec::new();
    match selection {
        Selection::All => chosen = (0..bundle.patches.len()).collect(),
        Selection::Prefixes(prefixes) => {
            for (k, prefix) in prefixes.iter().enumerate() {
                let hits: Vec<usize> = (0..bundle.patches.len())
                    .filter(|&i| {
                        bundle.patches[i]
                            .cert
                            .sha256_hex()
                            .starts_with(prefix.as_str())
                    })
                    .collect();
                let distinct: std::collections::BTreeSet<String> = hits
                    .iter()
                    .map(|&i| bundle.patches[i].cert.sha256_hex())
                    .collect();
                if distinct.len() > 1 {
                    p.error(format!(
                        "`{prefix}` matches {} patches in {}; give more digits:",
                        distinct.len(),
                        target.path.display()
                    ));
                    for sha in &distinct {
                        p.error_detail(format!("  {sha}"));
                    }
                    return Ok((
                        Outcome::Failure,
                        json!({"target": target.json(), "status": "ambiguous", "selector": prefix, "matches": distinct}),
                    ));
                }
                if !hits.is_empty() {
                    matched[k] = true;
                }
                for i in hits {
                    if !chosen.contains(&i) {
                        chosen.push(i);
                    }
                }
            }
        }
    }
    chosen.sort_unstable();
    let removed: Vec<serde_json::Value> = chosen
        .iter()
        .map(|&i| super::list::patch_json(&bundle.patches[i]))
        .collect();
    if chosen.is_empty() {
        p.line(format!(
            "{}: no matching certpatch patch, unchanged",
            target.path.display()
        ));
        return Ok((
            Outcome::Success,
            json!({"target": target.json(), "status": "unchanged", "removed": removed}),
        ));
    }
    let new = bundle.without(&chosen);
    let status = if let Some(locked) = &locked {
        locked.replace(&new)?;
        if let Some(home) = home {
            ledger::update(home, |l| {
                for &i in &chosen {
                    l.forget(&locked.path, &bundle.patches[i].cert.sha256_hex());
                }
            })?;
        }
        p.line(format!(
            "{} {} patch(es) from {}",
            p.tone(Tone::Good, "removed"),
            chosen.len(),
            target.path.display()
        ));
        "removed"
    } else {
        p.line(format!("would remove from {}:", target.path.display()));
        for &i in &chosen {
            let range = bundle.patches[i].range.clone();
            for line in preview(&bundle.bytes[range], '-') {
                p.line(format!("    {}", p.tone(Tone::Bad, &line)));
            }
        }
        "would-remove"
    };
    for &i in &chosen {
        let patch = &bundle.patches[i];
        p.line(format!(
            "  - {}  {}",
            short(&patch.cert.sha256_hex()),
            patch.cert.name()
        ));
    }
    Ok((
        Outcome::Success,
        json!({"target": target.json(), "status": status, "removed": removed}),
    ))
}
