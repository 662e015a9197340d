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
    cause_entries, chain_entries, overrides_json, DiagnoseEntry, DiagnoseExtra, DiagnoseStatus,
    PythonJson,
};
use crate::cli::output::path_text;
use crate::cli::show::{
    document, no_chain, obtain, report_clients, show_chain, show_judgement, show_python_step,
};
use crate::cli::Targets;
use crate::net::judge::{self, OsRoots};
use crate::usecase::clients::{findings_for, overrides_for};
use crate::usecase::diagnose::{explain, judge_target, Origin};
use crate::usecase::fix::{confirm_with_python, Step};

pub fn run(ctx: &Context, origin: Origin, targets: &Targets) -> Result<Outcome> {
    let chain = match obtain(ctx, &origin)? {
        Ok(c) => c,
        Err(no) => return Ok(no_chain(ctx, "diagnose", no)),
    };
    let (targets, notes) = ctx.targets(targets)?;
    let entries = chain_entries(&chain.certs);
    let chain_notes = judge::chain_notes(&chain.certs);
    show_chain(ctx, &chain, &entries, &chain_notes);
    let os = OsRoots::default();
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
                    python_rules: Vec::new(),
                    warnings: Vec::new(),
                    clients: Vec::new(),
                    python: None,
                });
                continue;
            }
        };
        let j = judge_target(ctx.at, &chain, &bundle, target, &os);
        let explained = explain(ctx.knowledge(), j, &chain.certs, &bundle);
        show_judgement(ctx, target, &chain, &explained, false);
        let j = &explained.judgement;
        let clients: Vec<crate::discover::Finding> = findings_for(&ctx.host, &[target])
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        report_clients(ctx, &clients, j.verifies);
        let say = |step: Step| {
            show_python_step(ctx, &step);
        };
        let python = match (&target.interpreter, &chain.endpoint) {
            (Some(py), Some(ep)) => Some(confirm_with_python(
                &ctx.host,
                target,
                py,
                ep,
                &chain,
                Some(j.verifies),
                &say,
            )),
            _ => None,
        };
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
            python_rules: j.python.iter().map(Into::into).collect(),
            warnings: j.warnings.clone(),
            clients: clients.iter().map(Into::into).collect(),
            python: python.as_ref().map(PythonJson::from),
        });
    }
    let overrides = overrides_for(&ctx.host, &targets.iter().collect::<Vec<_>>());
    document(
        ctx,
        "diagnose",
        outcome,
        bundles,
        DiagnoseExtra {
            source: chain.source.clone(),
            name: chain.name.clone(),
            proxy: chain.proxy.clone(),
            address: chain.addr.map(|a| a.to_string()),
            chain: entries,
            chain_notes,
            overrides: overrides_json(&overrides),
            notes,
        },
    );
    Ok(outcome)
}
