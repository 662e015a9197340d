//! `certpatch fix HOST[:PORT]|URL [targets] [--dry-run] [--offline] [--allow-root]`:
//! `diagnose`, then for each bundle that does not verify the server's chain only because
//! an issuer is missing (or, with `--allow-root`, a root), find the missing issuer(s) in
//! an ordered list of sources (the offline index first when there is one, then AIA unless
//! `--offline`), check that the patched bundle would verify the chain (webpki), add them
//! through `add`'s own per-bundle code (every acceptance rule, the transaction, the
//! Python load check, the ledger: nothing weaker because it came from the network),
//! verify again, and where the bundle's interpreter is known, confirm with that Python's
//! own `ssl` module. The patch's source names the host and where each certificate came
//! from, for `list` and the ledger.

use std::cell::RefCell;
use std::path::Path;

use anyhow::Result;

use super::Context;
use crate::accept::validate::Rules;
use crate::cli::adding::{add_to, AddArgs};
use crate::cli::exit::Outcome;
use crate::cli::json::{
    cause_entries, chain_entries, overrides_json, AttemptJson, FixEntry, FixExtra, FixStatusJson,
    PythonJson,
};
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::show::report_overrides;
use crate::cli::show::{
    document, no_chain, obtain, report_clients, show_chain, show_judgement, show_python_step,
};
use crate::cli::Targets;
use crate::net::aia::Attempt;
use crate::net::issuers::Source;
use crate::net::judge::{self, OsRoots};
use crate::target::Target;
use crate::usecase::clients::{findings_for, overrides_for};
use crate::usecase::diagnose::{Chain, Origin};
use crate::usecase::fix::{self, Step};
use crate::x509::clock::now_rfc3339;

pub struct FixArgs<'a> {
    pub server: &'a str,
    pub targets: &'a Targets,
    pub dry_run: bool,
    pub offline: bool,
    pub allow_root: bool,
}

pub fn run(ctx: &Context, args: FixArgs) -> Result<Outcome> {
    let chain = match obtain(ctx, &Origin::Server(args.server))? {
        Ok(c) => c,
        Err(no) => return Ok(no_chain(ctx, "fix", no)),
    };
    let (targets, notes) = ctx.targets(args.targets)?;
    if !args.dry_run {
        ctx.confirm_write(args.targets.all, &targets)?;
    }
    let entries = chain_entries(&chain.certs);
    let chain_notes = judge::chain_notes(&chain.certs);
    show_chain(ctx, &chain, &entries, &chain_notes);
    let os = OsRoots::default();
    let mut sources = fix::sources(ctx.knowledge().index(), args.offline);
    let mut outcome = Outcome::Success;
    let mut bundles = Vec::new();
    let mut changed: Vec<Target> = Vec::new();
    let when = now_rfc3339();
    for target in &targets {
        let entry = match fix_one(ctx, &chain, target, &args, &os, &mut sources, &when) {
            Ok(e) => e,
            Err(e) => {
                let message = crate::cli::exit::chain(&e);
                ctx.printer
                    .error(format!("{}: {message}", path_text(&target.path)));
                let mut entry = FixEntry::new(target, FixStatusJson::Error);
                entry.error = Some(message);
                entry
            }
        };
        if !matches!(
            entry.status,
            FixStatusJson::Verifies | FixStatusJson::Patched | FixStatusJson::WouldPatch
        ) {
            outcome = Outcome::Failure;
        }
        if matches!(
            entry.status,
            FixStatusJson::Patched | FixStatusJson::WouldPatch
        ) {
            changed.push(target.clone());
        }
        bundles.push(entry);
    }
    let fetches: Vec<AttemptJson> = sources
        .iter()
        .flat_map(|s| s.attempts())
        .map(|a| AttemptJson::from(&a))
        .collect();
    let overrides = overrides_for(&ctx.host, &changed.iter().collect::<Vec<_>>());
    report_overrides(ctx, &overrides);
    // pip.conf and the variables, per bundle: a patched bundle a client does not read
    // fixes nothing for that client.
    let mut ignored_by: Vec<String> = Vec::new();
    let mut all_clients = Vec::new();
    for (entry, target) in bundles.iter_mut().zip(&targets) {
        let clients: Vec<crate::discover::Finding> = findings_for(&ctx.host, &[target])
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        if matches!(
            entry.status,
            FixStatusJson::Patched | FixStatusJson::WouldPatch
        ) {
            report_clients(ctx, &clients, true);
            for f in &clients {
                let c = format!("{} ({})", f.client, f.setting);
                if !ignored_by.contains(&c) {
                    ignored_by.push(c);
                }
            }
        }
        all_clients.push(clients);
    }
    for (entry, clients) in bundles.iter_mut().zip(&all_clients) {
        entry.clients = clients.iter().map(Into::into).collect();
    }
    let mut added: Vec<String> = Vec::new();
    let mut patched: Vec<&Target> = Vec::new();
    for (entry, target) in bundles.iter().zip(&targets) {
        if entry.status == FixStatusJson::Patched {
            patched.push(target);
            for f in &entry.found {
                if !added.contains(&f.sha256) {
                    added.push(f.sha256.clone());
                }
            }
        }
    }
    let statuses: Vec<FixStatusJson> = bundles.iter().map(|b| b.status).collect();
    if let Some(line) = summary_line(&statuses, &escape(&chain.source)) {
        ctx.printer.line(line);
    }
    if !patched.is_empty() {
        let then = if ignored_by.is_empty() {
            "retry the failing request".to_string()
        } else {
            format!(
                "but {} still do(es) not read it: change the settings named above, then retry",
                escape(&ignored_by.join(", "))
            )
        };
        ctx.printer.line(format!(
            "{} {} now verif{} {}; {then}",
            ctx.printer.tone(Tone::Good, "done:"),
            if patched.len() == 1 {
                "the bundle".to_string()
            } else {
                format!("{} bundles", patched.len())
            },
            if patched.len() == 1 { "ies" } else { "y" },
            escape(&chain.source)
        ));
        ctx.printer.line(format!(
            "undo with: certpatch remove {} {}",
            added.iter().map(|s| short(s)).collect::<Vec<_>>().join(" "),
            patched
                .iter()
                .map(|t| crate::cli::output::bundle_flag(&t.path))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    document(
        ctx,
        "fix",
        outcome,
        bundles,
        FixExtra {
            source: chain.source.clone(),
            name: chain.name.clone(),
            proxy: chain.proxy.clone(),
            address: chain.addr.map(|a| a.to_string()),
            dry_run: args.dry_run,
            chain: entries,
            chain_notes,
            fetches,
            overrides: overrides_json(&overrides),
            notes,
        },
    );
    Ok(outcome)
}

/// The last line of `fix` when no bundle was patched (a patched run ends with its own
/// "done: … now verify HOST" line), from each bundle's status.
pub fn summary_line(statuses: &[FixStatusJson], host: &str) -> Option<String> {
    let count = |s: FixStatusJson| statuses.iter().filter(|x| **x == s).count();
    let all = statuses.len();
    if count(FixStatusJson::Patched) > 0 {
        return None;
    }
    let failed = all - count(FixStatusJson::Verifies) - count(FixStatusJson::WouldPatch);
    let failed_note = if failed > 0 {
        format!("; {failed} bundle(s) cannot be fixed this way (see above)")
    } else {
        String::new()
    };
    Some(if count(FixStatusJson::WouldPatch) > 0 {
        format!(
            "dry run: would add the missing certificate(s) to {} of {all} bundle(s){failed_note}; nothing was written",
            count(FixStatusJson::WouldPatch)
        )
    } else if failed == 0 {
        format!("done: every bundle already verifies {host}; nothing to fix")
    } else {
        format!("failed: nothing was written; {failed} of {all} bundle(s) still do not verify {host} (see above)")
    })
}

fn show_attempts(ctx: &Context, attempts: &[Attempt]) {
    for a in attempts {
        let line = format!(
            "  fetched {}: {}: {}",
            escape(&a.url),
            a.outcome,
            escape(&a.detail)
        );
        if a.outcome == "ok" {
            ctx.printer.line(line);
        } else {
            ctx.printer.error_detail(line);
        }
    }
}

/// Fixes one bundle, printing as it goes, and returns its JSON entry.
fn fix_one<'a>(
    ctx: &Context,
    chain: &Chain,
    target: &'a Target,
    args: &FixArgs,
    os: &OsRoots,
    sources: &mut [Box<dyn Source + '_>],
    when: &str,
) -> Result<FixEntry<'a>> {
    let p = &ctx.printer;
    let path = path_text(&target.path);
    let say = |step: Step| {
        match step {
        Step::Judged(explained) => show_judgement(ctx, target, chain, explained, true),
        Step::NothingToFix => p.line("  nothing to fix"),
        Step::NotFixable { codes } => p.error(format!(
            "{path}: `fix` cannot help: adding certificates to a bundle does not cure {}; nothing was written",
            codes.join(", ")
        )),
        Step::Searching { sources, offline } => p.progress(format!(
            "looking for the missing issuer in: {}{}…",
            sources.join(", "),
            if offline {
                String::new()
            } else {
                format!(
                    " (AIA: at most {} fetches, {} s each)",
                    crate::net::aia::MAX_FETCHES,
                    crate::net::aia::TIMEOUT.as_secs()
                )
            }
        )),
        Step::Fetched(attempts) => show_attempts(ctx, attempts),
        Step::IssuerNotFound {
            issuer,
            looked_in,
            offline,
        } => {
            let tried = if looked_in.is_empty() {
                "--offline, and there is no offline index to look in".to_string()
            } else if offline {
                format!("looked in: {} (--offline: no AIA fetch)", looked_in.join(", "))
            } else {
                format!("looked in: {}", looked_in.join(", "))
            };
            p.error(format!(
                "{path}: could not find the issuer `{issuer}` ({tried}); nothing was written"
            ));
            p.hint("get the intermediate from the CA's website (or a browser's certificate viewer), then `certpatch add FILE`");
        }
        Step::RootNeeded { root, os_trusts } => {
            p.error(format!(
                "{path}: the chain ends at the root `{}` (sha256 {}), which the bundle lacks{}; nothing was written",
                root.subject(),
                root.sha256_hex(),
                if os_trusts {
                    " but your operating system trusts (typically a TLS-inspecting company proxy or a company CA)"
                } else {
                    ""
                }
            ));
            p.hint("if it is your organisation's (confirm the fingerprint with your IT team), run again with --allow-root");
        }
        Step::WouldNotVerify { why } => p.error(format!(
            "{path}: even with the found certificate(s) the bundle would not verify the chain ({why}); nothing was written"
        )),
        Step::Found(certs) => {
            for c in certs {
                p.line(format!(
                    "  found `{}` (sha256 {}…)",
                    c.subject(),
                    short(&c.sha256_hex())
                ));
            }
        }
        Step::WouldVerify => p.line(format!(
            "  (dry run) the patched bundle would verify the chain{}",
            chain
                .name
                .as_deref()
                .map(|n| format!(" for `{}`", escape(n)))
                .unwrap_or_default()
        )),
        Step::VerifiedAfter(true) => p.line(format!(
            "  {} {path} now verifies the chain",
            p.tone(Tone::Good, "verified:"),
        )),
        Step::VerifiedAfter(false) => p.error(format!(
            "{path}: the bundle still does not verify the chain after the patch (changed meanwhile?); undo with `certpatch remove`"
        )),
        step => {
            show_python_step(ctx, &step);
        }
        }
    };
    // `add`'s own entry for this bundle, when it ran.
    let added = RefCell::new(None);
    let mut add_one = |input: &crate::x509::input::Input| {
        let add_args = AddArgs {
            with_issuers: false,
            file: Path::new(&chain.source),
            targets: args.targets,
            dry_run: args.dry_run,
            allow_root: args.allow_root,
            output: None,
        };
        let rules = Rules {
            at: ctx.at,
            allow_root: args.allow_root,
            python_3_13: target.python_3_13(),
        };
        let report = add_to(ctx, input, target, &add_args, rules, when)?;
        let status = report.status;
        *added.borrow_mut() = Some(report.json);
        Ok(status)
    };
    let req = fix::Request {
        dry_run: args.dry_run,
        offline: args.offline,
        allow_root: args.allow_root,
        at: ctx.at,
        knowledge: ctx.knowledge(),
        host: &ctx.host,
    };
    let fixed = fix::fix_one(chain, target, &req, os, sources, &say, &mut add_one)?;
    let mut entry = FixEntry::new(target, fixed.status.into());
    entry.causes = cause_entries(&fixed.explained);
    entry.found = fixed.found.iter().map(Into::into).collect();
    entry.add = added.into_inner();
    entry.verifies_after = fixed.verifies_after;
    entry.python = fixed.python.as_ref().map(PythonJson::from);
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Bundle;
    use crate::net::issuers::{walk, End};
    use crate::pki::Index;
    use crate::x509::cert::Cert;

    fn cert(name: &str) -> Cert {
        let path = format!("{}/fixtures/gen/{name}", env!("CARGO_MANIFEST_DIR"));
        let der = ::pem::parse(std::fs::read(path).unwrap()).unwrap();
        Cert::from_der(der.contents()).unwrap()
    }

    fn index_of(certs: &[Cert]) -> &'static Index {
        Box::leak(Box::new(
            Index::decode(&Index::encode(certs, "2025-06-24", "test")).unwrap(),
        ))
    }

    /// `fix --offline`'s sources: a leaf whose issuer only the offline index holds is
    /// completed up to the bundle's root with no AIA source at all; an index without that
    /// issuer leaves it not found.
    #[test]
    fn the_offline_index_completes_a_leaf_only_chain_without_aia() {
        let mut bundle_bytes = std::fs::read(format!(
            "{}/fixtures/real/certifi-2026.10.19-cacert.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        bundle_bytes.extend(
            std::fs::read(format!(
                "{}/fixtures/gen/test-root.pem",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        );
        let bundle = Bundle::parse(bundle_bytes);
        let leaf = cert("leaf.pem");
        let intermediate = cert("int-good.pem");

        let mut sources: Vec<Box<dyn Source>> = vec![Box::new(fix::OfflineIndex(index_of(&[
            cert("int-01.pem"),
            intermediate.clone(),
        ])))];
        let (found, end) = walk(std::slice::from_ref(&leaf), &bundle, &mut sources);
        assert!(matches!(end, End::Anchored), "{end:?}");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].cert.sha256(), intermediate.sha256());
        assert_eq!(found[0].source, "offline index");
        assert!(
            found[0].origin.contains("2025-06-24"),
            "{}",
            found[0].origin
        );

        let mut without: Vec<Box<dyn Source>> =
            vec![Box::new(fix::OfflineIndex(index_of(&[cert("int-01.pem")])))];
        let (found, end) = walk(std::slice::from_ref(&leaf), &bundle, &mut without);
        assert!(found.is_empty());
        assert!(matches!(end, End::NotFound(_)), "{end:?}");
    }
}
