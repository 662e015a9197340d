//! `certpatch diagnose HOST[:PORT]|URL [targets]` and `diagnose --chain FILE [--name HOST]`:
//! shows the chain a server presents (or a saved one) and, for each target bundle, whether
//! rustls-webpki verifies it for that name at `--at`, and if not, why, by cause, with what
//! to do. Writes nothing. Exit 0 when every target verifies, 1 otherwise.
//! A missing issuer (or a sent root) that comes down to a root certifi shipped and later
//! removed ([`crate::pki`]: as sent, plus the offline index) is said so, with the actions
//! that can work instead of "run `certpatch fix`".
//!
//! The work is [`crate::usecase::diagnose`]; this file prints it.

use anyhow::Result;

use crate::cli::json::TargetJson;

use super::Context;
use crate::bundle::Bundle;
use crate::cli::exit::Outcome;
use crate::cli::json::{
    cause_entries, chain_entries, DiagnoseEntry, DiagnoseExtra, DiagnoseStatus,
};
use crate::cli::output::path_text;
use crate::cli::show::{document, no_chain, show_chain, show_judgement};
use crate::cli::Targets;
use crate::net::judge::{self, OsRoots};
use crate::usecase::diagnose::{explain, obtain, Origin};

pub fn run(ctx: &Context, origin: Origin, targets: &Targets) -> Result<Outcome> {
    let chain = match obtain(&origin)? {
        Ok(c) => c,
        Err(no) => return Ok(no_chain(ctx, "diagnose", no)),
    };
    let (targets, notes) = ctx.targets(targets)?;
    let entries = chain_entries(&chain.certs);
    let chain_notes = judge::chain_notes(&chain.certs);
    show_chain(ctx, &chain, &entries, &chain_notes);
    let os = OsRoots::default();
    let name = chain.server_name();
    let mut outcome = Outcome::Success;
    let mut bundles = Vec::new();
    for target in &targets {
        let bundle = match target.read() {
            Ok(b) => Bundle::parse(b),
            Err(e) => {
                let message = crate::cli::exit::chain(&e);
                ctx.printer
                    .error(format!("{}: {message}", path_text(&target.path)));
                outcome = Outcome::Failure;
                bundles.push(DiagnoseEntry {
                    target: TargetJson::from(target),
                    status: DiagnoseStatus::Error,
                    error: Some(message),
                    causes: Vec::new(),
                    webpki_error: None,
                });
                continue;
            }
        };
        let j = judge::judge(&chain.certs, &bundle, name.as_ref(), ctx.at, &os);
        let explained = explain(ctx.knowledge(), j, &chain.certs, &bundle);
        show_judgement(ctx, target, &chain, &explained);
        let j = &explained.judgement;
        if !j.verifies {
            outcome = Outcome::Failure;
        }
        bundles.push(DiagnoseEntry {
            target: TargetJson::from(target),
            status: if j.verifies {
                DiagnoseStatus::Verifies
            } else {
                DiagnoseStatus::Fails
            },
            error: None,
            causes: cause_entries(&explained),
            webpki_error: j.webpki_error.clone(),
        });
    }
    document(
        ctx,
        "diagnose",
        outcome,
        bundles,
        DiagnoseExtra {
            source: chain.source.clone(),
            name: chain.name.clone(),
            proxy: chain.proxy.clone(),
            chain: entries,
            chain_notes,
            notes,
        },
    );
    Ok(outcome)
}
