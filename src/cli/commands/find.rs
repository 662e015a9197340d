//! `certpatch find [--root DIR]... [--python EXE]...`: every bundle, grouped by
//! environment, with its kind, certificate count and certpatch patches; and the
//! environment variables that make Python ignore them.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use super::list::PatchJson;
use super::Context;
use crate::bundle::{Bundle, Summary};
use crate::cli::exit::Outcome;
use crate::cli::json::{self, Document, Failure, FindExtra, FindNote};
use crate::cli::output::{capped_list, escape, path_json, path_text, short, Tone};
use crate::discover::{self, FoundBundle, Override};
use crate::store::write;
use crate::target::Target;

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

    let mut items = Vec::new();
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
                    "  {:<13} {:>4} certs  {}  {}",
                    kind_label(b),
                    s.certificates,
                    path_text(&b.path),
                    patches
                ));
            }
            Err(e) => {
                p.line(format!(
                    "  {:<13} {:>4}        {}  {}",
                    kind_label(b),
                    "?",
                    path_text(&b.path),
                    p.tone(Tone::Dim, "not read (see the warning)")
                ));
                p.warn(escape(e));
            }
        }
        let mut item = bundle_json(b, summaries[i].as_ref().ok(), ignored_by);
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
    report_overrides(ctx, &overrides);
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
            overrides: &overrides,
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

/// The kind, with the program the bundle serves (`certifi/gcloud`).
fn kind_label(b: &FoundBundle) -> String {
    match b.serves {
        Some(app) if app != b.kind.as_str() => format!("{}/{app}", b.kind.as_str()),
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
        patches: summary.map(|s| s.patches.iter().map(super::list::patch_json).collect()),
        path: path_json(&b.path),
        serves: b.serves,
        source: b.source.as_str(),
        via: b.source.to_string(),
    }
}

/// One bundle in `find --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct FindEntry<'a> {
    /// Null when the bundle could not be read (then `error` says why).
    pub certificates: Option<usize>,
    pub environment: Option<String>,
    /// Why the bundle could not be read (absent when it was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The set variables that make Python ignore this bundle.
    pub ignored_by: Vec<&'a str>,
    pub kind: &'static str,
    pub patches: Option<Vec<PatchJson>>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serves: Option<&'static str>,
    pub source: &'static str,
    pub via: String,
}

/// What makes a client ignore one of `targets`, exactly per client and version
/// ([`discover::findings`], as `status` reports it): a variable that already names that
/// bundle is no problem, and `PIP_CERT` is one only for a pip before 24.2.
pub fn findings_for(
    ctx: &Context,
    targets: &[&Target],
) -> Vec<(std::path::PathBuf, discover::Finding)> {
    let mut out = Vec::new();
    for t in targets {
        let Some(kind) = t.kind else { continue };
        let package = crate::store::provenance::of(&t.path);
        let pip = package
            .as_ref()
            .filter(|p| p.package == "pip")
            .and_then(|p| p.version.as_deref());
        for f in discover::findings(&ctx.host, &t.path, kind, pip) {
            out.push((t.path.clone(), f));
        }
    }
    out
}

/// The set variables behind [`findings_for`] (the `overrides` of `add --json`/`check --json`).
pub fn overrides_for(ctx: &Context, targets: &[&Target]) -> Vec<Override> {
    let findings = findings_for(ctx, targets);
    discover::overrides(&ctx.host)
        .into_iter()
        .filter(|o| findings.iter().any(|(_, f)| f.setting == o.var))
        .collect()
}

/// Warns about each finding: which client ignores which bundle, and what to do.
/// The findings, each said once with every bundle it concerns (`-v`: once per bundle).
/// Two findings are the same when they name the same setting, value, client and effect.
pub fn grouped(
    findings: &[(std::path::PathBuf, discover::Finding)],
    per_bundle: bool,
) -> Vec<(&discover::Finding, Vec<&std::path::Path>)> {
    let mut out: Vec<(&discover::Finding, Vec<&std::path::Path>)> = Vec::new();
    for (path, f) in findings {
        let same = |g: &discover::Finding| {
            !per_bundle
                && g.setting == f.setting
                && g.value == f.value
                && g.client == f.client
                && g.versions == f.versions
                && g.effect == f.effect
        };
        match out.iter_mut().find(|(g, _)| same(g)) {
            Some((_, paths)) => paths.push(path),
            None => out.push((f, vec![path.as_path()])),
        }
    }
    out
}

pub fn report_findings(ctx: &Context, findings: &[(std::path::PathBuf, discover::Finding)]) {
    for (f, paths) in grouped(findings, ctx.verbose) {
        let path = match paths.as_slice() {
            [one] => crate::cli::output::path_text(one),
            [first, rest @ ..] => format!(
                "{} and {} more bundle(s)",
                crate::cli::output::path_text(first),
                rest.len()
            ),
            [] => String::new(),
        };
        let setting = if f.setting.contains(' ') {
            format!("{} ({})", escape(&f.setting), escape(&f.value))
        } else {
            format!("{}={}", escape(&f.setting), escape(&f.value))
        };
        ctx.printer.warn(format!(
            "{setting} is set: {} [{}{}; {}]",
            escape(&f.effect),
            f.client,
            f.versions
                .as_deref()
                .map(|v| format!(", {v}"))
                .unwrap_or_default(),
            path,
        ));
    }
    if !findings.is_empty() {
        ctx.printer.hint(
            "unset these variables and settings (or point them at a patched bundle) for a patch to take effect with those clients; `certpatch status` lists them per bundle",
        );
    }
}

/// Warns about each variable that makes Python ignore the bundles certpatch patches.
pub fn report_overrides(ctx: &Context, overrides: &[Override]) {
    for o in overrides {
        ctx.printer.warn(format!(
            "{}={} is set: {}",
            o.var,
            escape(&o.value),
            o.effect
        ));
    }
    if !overrides.is_empty() {
        ctx.printer.hint(
            "unset these variables (or point them at a patched bundle) for a patch to take effect",
        );
    }
}
