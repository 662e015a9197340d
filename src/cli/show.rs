//! Printing shared by several commands (the chain and a bundle's verdict for `diagnose`
//! and `fix`, …), so that the commands never import each other. Text for people only;
//! the JSON is in [`crate::cli::json`].

use serde::Serialize;

use crate::cli::commands::Context;
use crate::cli::exit::Outcome;
use crate::cli::json::{failure, ChainEntry, Document, Failure};
use crate::cli::output::{escape, short, Tone};
use crate::target::Target;
use crate::usecase::diagnose::{Chain, Explained, NoChain};

/// Shows the chain for a person.
pub fn show_chain(ctx: &Context, chain: &Chain, entries: &[ChainEntry], notes: &[String]) {
    let p = &ctx.printer;
    let via = chain
        .proxy
        .as_ref()
        .map(|x| format!(" through the proxy {x}"))
        .unwrap_or_default();
    let what = if chain.endpoint.is_some() {
        format!("server {}{via} sent", escape(&chain.source))
    } else {
        format!("`{}` holds", escape(&chain.source))
    };
    p.line(format!("{what} {} certificate(s):", entries.len()));
    for e in entries {
        let role = if e.depth == 0 {
            "leaf"
        } else if e.self_signed {
            "root"
        } else if e.ca {
            "CA"
        } else {
            "not a CA"
        };
        p.line(format!("  [{}] {} ({role})", e.depth, e.subject));
        p.line(format!("      issuer:     {}", e.issuer));
        p.line(format!(
            "      valid:      {} to {}",
            e.not_before, e.not_after
        ));
        p.line(format!("      sha256:     {}…", short(&e.sha256)));
        if e.depth == 0 {
            p.line(format!(
                "      names:      {}",
                if e.names.is_empty() {
                    "(none)".to_string()
                } else {
                    escape(&e.names.join(", ")).into_owned()
                }
            ));
        }
        if !e.ca_issuers.is_empty() {
            p.line(format!(
                "      CA issuers: {}",
                escape(&e.ca_issuers.join(", "))
            ));
        }
    }
    for n in notes {
        p.note(escape(n));
    }
}

/// Shows one bundle's verdict for a person.
pub fn show_judgement(ctx: &Context, target: &Target, chain: &Chain, e: &Explained) {
    let p = &ctx.printer;
    let j = e.judgement;
    let name = chain
        .name
        .as_deref()
        .map(|n| format!(" for `{}`", escape(n)))
        .unwrap_or_else(|| " (no name checked: give --name HOST)".to_string());
    if j.verifies {
        p.line(format!(
            "{} {} verifies the chain{name}",
            p.tone(Tone::Good, "ok:"),
            target.describe()
        ));
        return;
    }
    p.line(format!(
        "{} {} does not verify the chain{name}:",
        p.tone(Tone::Bad, "fails:"),
        target.describe()
    ));
    for (c, removed) in j.causes.iter().zip(&e.removed) {
        p.line(format!("  - {}", escape(&c.message())));
        let Some(r) = removed else {
            p.line(format!("    what to do: {}", escape(&c.advice())));
            continue;
        };
        p.line(format!("    removed root: {}", escape(&r.reason)));
        p.line("    what to do (never add the removed root back):");
        for (n, a) in r.actions.iter().enumerate() {
            p.line(format!("      {}. {}", n + 1, escape(a)));
        }
        p.line(format!(
            "    note: {}",
            escape(crate::pki::advice::PARTIAL_CHAIN_NOTE)
        ));
    }
}

/// Says why no chain was read (and, with `--json`, prints the failure document).
pub fn no_chain(ctx: &Context, command: &str, no: NoChain) -> Outcome {
    ctx.printer.error(&no.message);
    ctx.printer
        .document(&failure(command, Failure::new(no.code, no.message)));
    Outcome::Failure
}

/// Prints the one `--json` document: `command`, `ok`, `bundles` and the command's keys.
pub fn document<B: Serialize, X: Serialize>(
    ctx: &Context,
    command: &str,
    outcome: Outcome,
    bundles: Vec<B>,
    extra: X,
) {
    ctx.printer.document(&Document {
        command,
        ok: outcome == Outcome::Success,
        error: None,
        bundles,
        extra,
    });
}
