//! `certpatch status [targets]`: for each bundle, the patches recorded and present, those
//! an upgrade (or reinstall, or replacement) lost, whether something else edited the file,
//! the patched certificates expiring within the warning window, and what makes a client
//! ignore the bundle — then what to run next. Exit 0 when all is well, 1 when anything
//! needs attention. The work is [`crate::usecase::status`]; this file prints it.

use anyhow::Result;

use super::Context;
use crate::cli::exit::Outcome;
use crate::cli::json::{Document, NextJson, StatusExtra, StatusJson};
use crate::cli::output::{escape, path_text, shell_word, short, Tone};
use crate::cli::Targets;
use crate::health::{BundleStatus, State};
use crate::store::config;
use crate::usecase::{self, status::Next};

pub fn run(ctx: &Context, targets: &Targets) -> Result<Outcome> {
    let p = &ctx.printer;
    let config = config::load()?;
    let (targets, notes) = ctx.targets_with(targets, &config)?;
    let home = ctx.home().ok();
    let report = usecase::status::run(&usecase::status::Request {
        targets: &targets,
        host: &ctx.host,
        home: home.as_ref(),
        at: ctx.at,
        warning_days: config.warning_days(),
        knowledge: ctx.knowledge(),
    });
    let ledger_path = report
        .ledger_path
        .as_deref()
        .map(path_text)
        .unwrap_or_default();
    match &config.path {
        Some(path) => p.line(format!("configuration: {}", path_text(path))),
        None => p.line(format!(
            "configuration: none ({} does not exist; the defaults apply)",
            config
                .looked_at
                .as_deref()
                .map(path_text)
                .unwrap_or_else(|| "no config folder".into())
        )),
    }
    if let Some(e) = &report.ledger_error {
        p.error(e);
    }
    for (target, s) in &report.bundles {
        print_one(ctx, target, s);
    }
    let mut next: Vec<NextJson> = Vec::new();
    for n in report.next.iter().flat_map(next_json) {
        if !next.contains(&n) {
            next.push(n);
        }
    }
    if next.is_empty() {
        p.line(p.tone(Tone::Good, "all is well"));
    } else {
        p.line("next:");
        for n in &next {
            p.line(format!("  {}", escape(&n.text())));
        }
    }
    p.document(&Document {
        command: "status",
        ok: !report.attention,
        error: None,
        bundles: report
            .bundles
            .iter()
            .map(|(_, s)| StatusJson::from(s))
            .collect(),
        extra: StatusExtra {
            config: config.path.as_deref().map(path_text),
            warning_days: config.warning_days(),
            ledger: ledger_path,
            ledger_error: report.ledger_error.clone(),
            next,
            notes: &notes,
        },
    });
    Ok(Outcome::from_ok(!report.attention))
}

/// A next step as the words to run (or advice) and what it does; `Replace` is two steps.
fn next_json(n: &Next) -> Vec<NextJson> {
    let named = |bundle: &std::path::Path| {
        vec![
            "--bundle".to_string(),
            bundle.to_string_lossy().into_owned(),
        ]
    };
    match n {
        Next::Reapply { bundle } => vec![NextJson::run(
            &["reapply"],
            &named(bundle),
            "put back the patches an upgrade removed, each checked again",
        )],
        Next::Adopt {
            bundle,
            certs,
            root,
        } => {
            let words: &[&str] = if *root {
                &["adopt", "--allow-root"]
            } else {
                &["adopt"]
            };
            vec![NextJson::run(
                words,
                &named(bundle),
                &format!(
                    "{certs} certificate(s) pasted by hand after the package's file become tracked patches (a reinstall would drop them)"
                ),
            )]
        }
        Next::Reinstall { bundle, command } => vec![match command {
            Some(cmd) => NextJson {
                argv: shlex::split(cmd).unwrap_or_default(),
                description: format!(
                    "puts the package's own copy back (dropping the foreign edit); then `certpatch reapply {}`",
                    quoted(&named(bundle))
                ),
            },
            None => NextJson::advice(&format!(
                "reinstall the package that owns it (dropping the foreign edit); then `certpatch reapply {}`",
                quoted(&named(bundle))
            )),
        }],
        Next::Replace {
            bundle,
            sha256,
            subject,
            not_after,
        } => vec![
            NextJson::run(
                &["add", "NEW-CERT.pem"],
                &named(bundle),
                &format!("{subject} expires {not_after}: add its successor, then remove it"),
            ),
            NextJson::run(
                &["remove", short(sha256)],
                &named(bundle),
                &format!("then take out the expiring {subject}"),
            ),
        ],
        Next::Client { fix } => vec![NextJson::advice(fix)],
        Next::FixLedger { path } => vec![NextJson::advice(&format!(
            "fix or move aside {} (certpatch starts a new ledger)",
            path.as_deref().map(path_text).unwrap_or_default()
        ))],
    }
}

/// Words as one shell line, each quoted when it needs it.
fn quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_one(ctx: &Context, target: &crate::target::Target, s: &BundleStatus) {
    let p = &ctx.printer;
    p.line(target.describe());
    if let Some(e) = &s.error {
        p.error(format!("  {e}"));
        return;
    }
    if let Some(pkg) = &s.package {
        p.line(format!("  package: {}", escape(&pkg.to_string())));
    }
    let state = match &s.state {
        State::Pristine => p.tone(Tone::Good, "pristine (as its package installed it)"),
        State::PatchedByCertpatch => p.tone(
            Tone::Good,
            "patched only by certpatch (the original file plus certpatch's patches)",
        ),
        State::Edited { against } => p.tone(
            Tone::Bad,
            &format!(
                "edited by something else: without certpatch's patches it differs from {}",
                escape(against)
            ),
        ),
        State::Unknown { why } => format!("state unknown: {why}"),
    };
    p.line(format!("  {state}"));
    for pr in &s.present {
        p.line(format!(
            "  present: {}  {}  expires {}{}",
            short(&pr.sha256),
            escape(&pr.subject),
            pr.not_after,
            if pr.recorded {
                ""
            } else {
                " (not in the ledger)"
            }
        ));
        if let Some(r) = &pr.removed_root {
            removed_root_lines(ctx, r, "it no longer chains to a root of this bundle");
        }
    }
    for l in &s.lost {
        p.line(format!(
            "  {} {}  {}  (added {} from {}): {}",
            p.tone(Tone::Bad, "LOST:"),
            short(&l.sha256),
            escape(&l.subject),
            escape(&l.added),
            escape(&l.source),
            escape(&l.how.to_string())
        ));
        if let Some(r) = &l.removed_root {
            removed_root_lines(
                ctx,
                r,
                "`reapply` refuses it (its issuer is no longer in this bundle)",
            );
        }
    }
    for e in &s.expiring {
        let when = if e.days_left < 0 {
            format!("expired {} day(s) ago", -e.days_left)
        } else {
            format!("expires in {} day(s)", e.days_left)
        };
        p.line(format!(
            "  {} {}  {}  {when} ({})",
            p.tone(Tone::Bad, "EXPIRING:"),
            short(&e.sha256),
            escape(&e.subject),
            e.not_after
        ));
    }
    for f in &s.clients {
        p.line(format!(
            "  {} {}{}: {}={} — {}",
            p.tone(Tone::Bad, "IGNORED BY"),
            f.client,
            f.versions
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default(),
            escape(&f.setting),
            escape(&f.value),
            escape(&f.effect)
        ));
    }
}

/// The removed-root explanation under a present or lost patch.
fn removed_root_lines(ctx: &Context, r: &crate::health::RemovedRoot, consequence: &str) {
    let p = &ctx.printer;
    p.line(format!(
        "    {} {consequence}: {}",
        p.tone(Tone::Bad, "ROOT REMOVED:"),
        escape(&r.reason)
    ));
    p.line("    what can work instead (never add the removed root back):");
    for (n, a) in r.actions.iter().enumerate() {
        p.line(format!("      {}. {}", n + 1, escape(a)));
    }
    p.line(format!(
        "    note: {}",
        escape(crate::pki::advice::PARTIAL_CHAIN_NOTE)
    ));
}
