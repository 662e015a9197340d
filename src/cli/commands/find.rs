//! `certpatch find [--root DIR]... [--python EXE]...`: every bundle, grouped by
//! environment, with its kind, certificate count and certpatch patches; and the
//! environment variables that make Python ignore them.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Context;
use crate::bundle::{Bundle, Summary};
use crate::cli::exit::Outcome;
use crate::cli::json::{self, overrides_json, Document, Failure, FindEntry, FindExtra, FindNote};
use crate::cli::output::{capped_list, escape, path_json, path_text, short, Tone};
use crate::cli::show::{report_overrides, report_overrides_briefly};
use crate::discover::{self, FoundBundle};
use crate::store::write;
use std::collections::{BTreeMap, BTreeSet};

pub fn run(ctx: &Context, roots: &[PathBuf], pythons: &[PathBuf]) -> Result<Outcome> {
    let p = &ctx.printer;
    for root in roots {
        if !root.is_dir() {
            let message = format!(
                "`{}` is not a folder; --root takes a folder to search",
                path_text(root)
            );
            p.error(&message);
            p.document(&json::failure("find", Failure::new("failed", message)));
            return Ok(Outcome::Failure);
        }
    }
    let found = if roots.is_empty() {
        // Every source, plus any interpreter named with --python.
        let mut found = discover::find_all(&ctx.host, &[], &[]);
        for exe in pythons {
            found.extend(discover::bundles_of_python(&ctx.host, exe));
        }
        found
    } else {
        discover::find_all(&ctx.host, roots, pythons)
    };
    let summaries = summarize(&found.bundles);
    let overrides = discover::overrides(&ctx.host);

    // The kind column: 13 wide, wider for a label that names a program (`pip-vendored/gcloud`).
    let width = found
        .bundles
        .iter()
        .map(|b| kind_label(b).len())
        .max()
        .unwrap_or(0)
        .max(13);
    let mut items = Vec::new();
    // Which clients each variable turns away from a bundle listed here.
    let mut concern: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut last_env: Option<Option<&Path>> = None;
    let mut sorted: Vec<usize> = (0..found.bundles.len()).collect();
    // Group by environment, keeping the discovery order of the first bundle of each.
    sorted.sort_by_key(|&i| {
        let env = &found.bundles[i].environment;
        found
            .bundles
            .iter()
            .position(|b| &b.environment == env)
            .unwrap_or(i)
    });
    for i in sorted {
        let b = &found.bundles[i];
        // Exactly per client and version, as `status` says it (`PIP_CERT` only for a pip
        // before 24.2).
        let pip = crate::store::provenance::of(&b.path)
            .filter(|p| p.package == "pip")
            .and_then(|p| p.version);
        let findings = discover::findings(&ctx.host, &b.path, b.kind, pip.as_deref());
        let ignored_by: Vec<&str> = overrides
            .iter()
            .filter(|o| findings.iter().any(|f| f.setting == o.var))
            .map(|o| o.var)
            .collect();
        for f in &findings {
            concern
                .entry(f.setting.clone())
                .or_default()
                .insert(f.client);
        }
        if last_env != Some(b.environment.as_deref()) {
            last_env = Some(b.environment.as_deref());
            let heading = match &b.environment {
                Some(env) => format!("{} ({})", path_text(env), b.source),
                None => format!("(no environment) ({})", b.source),
            };
            p.line(p.tone(Tone::Good, &heading));
        }
        match &summaries[i] {
            Ok(s) => {
                let patches = if s.patches.is_empty() {
                    p.tone(Tone::Dim, "no patches")
                } else {
                    format!(
                        "{} patch(es): {}",
                        s.patches.len(),
                        capped_list(
                            s.patches.iter().map(|x| format!(
                                "{} {}",
                                short(&x.cert.sha256_hex()),
                                x.cert.name()
                            )),
                            ", "
                        )
                    )
                };
                p.line(format!(
                    "  {:<width$} {:>4} certs  {}  {}",
                    kind_label(b),
                    s.certificates,
                    path_text(&b.path),
                    patches
                ));
            }
            Err(e) => {
                p.line(format!(
                    "  {:<width$} {:>4}        {}  {}",
                    kind_label(b),
                    "?",
                    path_text(&b.path),
                    p.tone(Tone::Dim, "not read (see the warning)")
                ));
                p.warn(escape(e));
            }
        }
        // Which installed libraries this bundle reaches, and which beside it it does not.
        let used_by = discover::clients::users_of(&b.path, b.kind);
        let ssl_defaults = discover::clients::ssl_default_users(&b.path, b.kind);
        if ctx.verbose {
            if !used_by.is_empty() {
                p.line(format!("      used by {}", join(&used_by)));
            }
            if !ssl_defaults.is_empty() {
                p.line(p.tone(
                    Tone::Dim,
                    &format!(
                        "      not by {}: they trust the ssl module's default paths (the system store, SSL_CERT_FILE), not this bundle",
                        join(&ssl_defaults)
                    ),
                ));
            }
        }
        let mut item = bundle_json(b, summaries[i].as_ref().ok(), ignored_by);
        item.used_by = used_by.into_iter().map(Into::into).collect();
        item.ssl_defaults = ssl_defaults.into_iter().map(Into::into).collect();
        if let Err(e) = &summaries[i] {
            item.error = Some(e.clone());
        }
        items.push(item);
    }
    if !found.bundles.is_empty() {
        p.line(format!("found {} bundle(s)", found.bundles.len()));
    }
    if found.bundles.is_empty() {
        p.line("no CA bundle found");
        if roots.is_empty() {
            p.hint("name an interpreter with --python EXE or a folder with --root DIR");
        } else {
            p.hint("no environment with certifi or pip under those folders; name an interpreter with --python EXE");
        }
    }
    for note in &found.notes {
        match &note.path {
            // One line each: escaped whole, so a path inside cannot break it.
            Some(path) => p.warn(format!("{}: {}", path_text(path), escape(&note.message))),
            None => p.warn(escape(&note.message)),
        }
    }
    // With no bundle listed there is nothing to filter by: every variable, as `-v` gives.
    if ctx.verbose || found.bundles.is_empty() {
        report_overrides(ctx, &overrides);
    } else {
        report_overrides_briefly(ctx, &overrides, &concern);
    }
    // The contract's shape: one object, like every command's; each bundle also says which
    // set variables make Python ignore it (`ignored_by`).
    let notes: Vec<FindNote> = found
        .notes
        .iter()
        .map(|n| FindNote {
            path: n.path.as_deref().map(path_json),
            message: n.message.clone(),
        })
        .collect();
    p.document(&Document {
        command: "find",
        ok: true,
        error: None,
        bundles: items,
        extra: FindExtra {
            notes,
            overrides: overrides_json(&overrides),
        },
    });
    Ok(Outcome::Success)
}

/// Reads each bundle's summary, in parallel (reading hundreds of bundles dominates). A
/// bundle discovery refused is not read; each read never blocks on a FIFO and never reads
/// a file over the size limit ([`write::read`]): such a bundle gets the reason instead.
fn summarize(bundles: &[FoundBundle]) -> Vec<Result<Summary, String>> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let chunk = bundles.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = bundles
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|b| match &b.refusal {
                            Some(refusal) => Err(refusal.clone()),
                            None => write::read(&b.path)
                                .map(|bytes| Bundle::summary(&bytes))
                                .map_err(|e| crate::cli::exit::chain(&e)),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("summary thread"))
            .collect()
    })
}

fn join(libraries: &[discover::clients::Library]) -> String {
    libraries
        .iter()
        .map(|l| l.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The kind, with the program the bundle serves (`certifi/gcloud`).
fn kind_label(b: &FoundBundle) -> String {
    match b.serves {
        Some(app) if app.name() != b.kind.as_str() => format!("{}/{app}", b.kind.as_str()),
        _ => b.kind.as_str().to_string(),
    }
}

fn bundle_json<'a>(
    b: &FoundBundle,
    summary: Option<&Summary>,
    ignored_by: Vec<&'a str>,
) -> FindEntry<'a> {
    FindEntry {
        certificates: summary.map(|s| s.certificates),
        environment: b.environment.as_deref().map(path_json),
        error: None,
        ignored_by,
        kind: b.kind.as_str(),
        patches: summary.map(|s| s.patches.iter().map(crate::cli::json::patch_json).collect()),
        path: path_json(&b.path),
        serves: b.serves.map(Into::into),
        source: b.source.as_str(),
        ssl_defaults: Vec::new(),
        used_by: Vec::new(),
        via: b.source.to_string(),
    }
}
