//! `certpatch status [targets]`: for each bundle, the patches recorded and present, those
//! an upgrade (or reinstall, or replacement) lost, whether something else edited the file,
//! the patched certificates expiring within the warning window, and what makes a client
//! ignore the bundle — then what to run next. Exit 0 when all is well, 1 when anything
//! needs attention. The work is [`crate::health::status`]; this file prints it.

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::exit::Outcome;
use crate::cli::json::Document;
use crate::cli::output::{escape, path_text, shell_word, short, Tone};
use crate::cli::Targets;
use crate::health::adopt::{self, Found};
use crate::health::{self, BundleStatus, State};
use crate::store::config;
use crate::store::ledger;

/// `status --json`'s own keys.
#[derive(Serialize)]
pub struct StatusExtra<'a> {
    /// The configuration file read, or null (every default).
    pub config: Option<String>,
    pub warning_days: u32,
    /// The ledger's path, and why it could not be read.
    pub ledger: String,
    pub ledger_error: Option<String>,
    /// What to run next (empty when all is well).
    pub next: Vec<Next>,
    pub notes: &'a [String],
}

pub fn run(ctx: &Context, targets: &Targets) -> Result<Outcome> {
    let p = &ctx.printer;
    let config = config::load()?;
    let (targets, notes) = ctx.targets_with(targets, &config)?;
    let home = ctx.home().ok();
    let (ledger, ledger_error) = match home.as_ref().map(ledger::read) {
        Some(Ok(l)) => (Some(l), None),
        Some(Err(e)) => (None, Some(crate::cli::exit::chain(&e))),
        None => (None, None),
    };
    let ledger_path = home
        .as_ref()
        .map(|h| path_text(&h.ledger_path()))
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
    if let Some(e) = &ledger_error {
        p.error(e);
    }
    let inputs = health::Inputs {
        host: &ctx.host,
        home: home.as_ref(),
        ledger: ledger.as_ref(),
        at: ctx.at,
        warning_days: config.warning_days(),
    };
    let mut next: Vec<Next> = Vec::new();
    let mut push = |n: Next| {
        if !next.contains(&n) {
            next.push(n);
        }
    };
    let mut attention = ledger_error.is_some();
    let mut reports = Vec::new();
    for target in &targets {
        let s = health::status(target, &inputs);
        attention |= s.needs_attention();
        print_one(ctx, target, &s);
        let named = target_flag(target);
        // `reapply` cannot put back a patch whose root certifi removed: not a next step
        // when every lost patch is one.
        if s.lost.iter().any(|l| l.removed_root.is_none()) {
            push(Next::run(
                ["reapply"].iter().copied(),
                &named,
                "put back the patches an upgrade removed, each checked again",
            ));
        }
        if let State::Edited { .. } = &s.state {
            push(edited_next(target, &s, &named));
        }
        for e in &s.expiring {
            push(Next::run(
                ["add", "NEW-CERT.pem"].iter().copied(),
                &named,
                &format!(
                    "{} expires {}: add its successor, then remove it",
                    e.subject, e.not_after
                ),
            ));
            push(Next::run(
                ["remove", short(&e.sha256)].iter().copied(),
                &named,
                &format!("then take out the expiring {}", e.subject),
            ));
        }
        for f in &s.clients {
            push(Next::advice(&f.fix));
        }
        reports.push(s);
    }
    if ledger_error.is_some() {
        push(Next::advice(&format!(
            "fix or move aside {ledger_path} (certpatch starts a new ledger)"
        )));
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
        ok: !attention,
        error: None,
        bundles: reports,
        extra: StatusExtra {
            config: config.path.as_deref().map(path_text),
            warning_days: config.warning_days(),
            ledger: ledger_path,
            ledger_error,
            next,
            notes: &notes,
        },
    });
    Ok(Outcome::from_ok(!attention))
}

/// A step to take next: the command's words (empty when the step is not one command,
/// such as "unset REQUESTS_CA_BUNDLE or …") and what it does. Scripts run `argv`; people
/// read [`Next::text`].
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Next {
    pub argv: Vec<String>,
    pub description: String,
}

impl Next {
    /// `certpatch WORDS… --bundle PATH`.
    fn run<'w>(words: impl Iterator<Item = &'w str>, named: &[String], what: &str) -> Next {
        let mut argv = vec!["certpatch".to_string()];
        argv.extend(words.map(str::to_string));
        argv.extend(named.iter().cloned());
        Next {
            argv,
            description: what.to_string(),
        }
    }

    /// Advice that is not one command.
    fn advice(what: &str) -> Next {
        Next {
            argv: Vec::new(),
            description: what.to_string(),
        }
    }

    /// The command as a shell line (each word quoted when it needs it), with its
    /// description as a comment; or the advice.
    pub fn text(&self) -> String {
        if self.argv.is_empty() {
            return self.description.clone();
        }
        format!("{}   # {}", quoted(&self.argv), self.description)
    }
}

/// What to run for a bundle something else edited. Certificates pasted after the
/// package's own file (the manual recipe) are adopted, never reinstalled away: a reinstall
/// would drop them, and with them every patch they issue. Otherwise the reinstall.
pub fn edited_next(target: &crate::target::Target, s: &BundleStatus, named: &[String]) -> Next {
    let found = target.read().ok().map(|bytes| {
        let bundle = crate::bundle::Bundle::parse(bytes.clone());
        adopt::find(
            &bytes,
            &bundle,
            s.record.as_ref().map(|r| r.sha256.as_str()),
        )
    });
    if let Some(Found::Edit(edit)) = found {
        let root = edit.certs.iter().any(|c| c.is_self_signed());
        let mut words = vec!["adopt"];
        if root {
            words.push("--allow-root");
        }
        return Next::run(
            words.into_iter(),
            named,
            &format!(
                "{} certificate(s) pasted by hand after the package's file become tracked patches (a reinstall would drop them)",
                edit.certs.len()
            ),
        );
    }
    let reinstall = s.package.as_ref().map(|p| p.reinstall_command());
    match reinstall {
        Some(cmd) => Next {
            argv: shlex::split(&cmd).unwrap_or_default(),
            description: format!(
                "puts the package's own copy back (dropping the foreign edit); then `certpatch reapply {}`",
                quoted(named)
            ),
        },
        None => Next::advice(&format!(
            "reinstall the package that owns it (dropping the foreign edit); then `certpatch reapply {}`",
            quoted(named)
        )),
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

/// `--bundle PATH`: the words that name this one bundle in a command to run next.
pub fn target_flag(target: &crate::target::Target) -> Vec<String> {
    vec![
        "--bundle".to_string(),
        target.path.to_string_lossy().into_owned(),
    ]
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
