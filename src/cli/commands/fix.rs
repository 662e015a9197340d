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

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::add::{add_to, AddArgs, AddStatus};
use super::diagnose::{
    cause_entries, chain_entries, document, explain, no_chain, obtain, show_chain, show_judgement,
    CauseEntry, Chain, Origin,
};
use super::find::{findings_for, overrides_for, report_overrides};
use super::Context;
use crate::accept::validate::Rules;
use crate::bundle::Bundle;
use crate::cli::exit::Outcome;
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::Targets;
use crate::discover::host::vars::CA_OVERRIDES;
use crate::net::aia::Attempt;
use crate::net::issuers::{self, End, Found, Source};
use crate::net::judge::{self, OsRoots};
use crate::target::Target;
use crate::x509::cert::Cert;
use crate::x509::clock::now_rfc3339;
use crate::x509::input::Input;

pub struct FixArgs<'a> {
    pub server: &'a str,
    pub targets: &'a Targets,
    pub dry_run: bool,
    pub offline: bool,
    pub allow_root: bool,
}

/// The offline index of CCADB intermediates as an issuer source: asked first, and the only
/// one with `--offline`. What it returns is data, not trust: the walk keeps only a
/// certificate that signs the child, and `add`'s checks judge it before anything is written.
struct OfflineIndex(&'static crate::pki::Index);

impl Source for OfflineIndex {
    fn name(&self) -> &'static str {
        "offline index"
    }

    fn candidates(
        &mut self,
        child: &crate::x509::cert::Cert,
    ) -> Vec<(crate::x509::cert::Cert, String)> {
        let date = self.0.date.clone();
        self.0
            .issuers_of(child)
            .into_iter()
            .map(|c| (c, format!("certpatch offline index {date}")))
            .collect()
    }
}

/// The issuer sources of this run, in the order they are asked: the offline index, the
/// operating system's store (a company proxy's root), then AIA unless `--offline`.
fn sources(offline: bool) -> Vec<Box<dyn Source>> {
    let mut list: Vec<Box<dyn Source>> = vec![
        Box::new(OfflineIndex(crate::pki::index::active())),
        Box::new(issuers::OsStore::default()),
    ];
    if !offline {
        list.push(Box::new(issuers::Aia::default()));
    }
    list
}

/// Python's verdict on the host with the patched bundle.
#[derive(Serialize)]
pub struct PythonCheck {
    pub interpreter: String,
    pub version: Option<String>,
    pub verifies: Option<bool>,
    pub detail: String,
}

/// A bundle's entry in `fix --json`.
#[derive(Serialize)]
pub struct FixEntry<'a> {
    pub target: crate::target::TargetJson<'a>,
    /// `verifies` (nothing to do), `patched`, `would-patch`, `not-fixable`,
    /// `issuer-not-found`, `root-needed`, `would-not-verify`, `refused`, `error`.
    pub status: &'static str,
    pub causes: Vec<CauseEntry>,
    pub found: Vec<Found>,
    /// `add`'s own entry for this bundle (its verdicts, backup, …), when it ran.
    pub add: Option<super::add::AddEntry<'a>>,
    /// Whether webpki verifies the chain with the bundle after the patch.
    pub verifies_after: Option<bool>,
    pub python: Option<PythonCheck>,
    /// What makes a client ignore this bundle (variables, pip.conf), as `status` says.
    pub clients: Vec<crate::discover::Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<'a> FixEntry<'a> {
    fn new(target: &'a Target, status: &'static str) -> FixEntry<'a> {
        FixEntry {
            target: target.json(),
            status,
            causes: Vec::new(),
            found: Vec::new(),
            add: None,
            verifies_after: None,
            python: None,
            clients: Vec::new(),
            error: None,
        }
    }
}

/// `fix`'s own keys.
#[derive(Serialize)]
pub struct FixExtra {
    pub source: String,
    pub name: Option<String>,
    pub proxy: Option<String>,
    /// The address connected to by `--resolve` (null: the host was resolved).
    pub address: Option<String>,
    pub dry_run: bool,
    pub chain: Vec<super::diagnose::ChainEntry>,
    pub chain_notes: Vec<String>,
    /// Every fetch made (URL and outcome).
    pub fetches: Vec<Attempt>,
    pub overrides: Vec<crate::discover::Override>,
    pub notes: Vec<String>,
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
    super::knowledge::load_refreshed(ctx);
    let mut sources = sources(args.offline);
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
                let mut entry = FixEntry::new(target, "error");
                entry.error = Some(message);
                entry
            }
        };
        if !matches!(entry.status, "verifies" | "patched" | "would-patch") {
            outcome = Outcome::Failure;
        }
        if matches!(entry.status, "patched" | "would-patch") {
            changed.push(target.clone());
        }
        bundles.push(entry);
    }
    let fetches: Vec<Attempt> = sources.iter().flat_map(|s| s.attempts()).collect();
    let overrides = overrides_for(ctx, &changed.iter().collect::<Vec<_>>());
    report_overrides(ctx, &overrides);
    // pip.conf and the variables, per bundle: a patched bundle a client does not read
    // fixes nothing for that client.
    let mut ignored_by: Vec<String> = Vec::new();
    for (entry, target) in bundles.iter_mut().zip(&targets) {
        entry.clients = findings_for(ctx, &[target])
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        if matches!(entry.status, "patched" | "would-patch") {
            super::diagnose::report_clients(ctx, &entry.clients, true);
            for f in &entry.clients {
                let c = format!("{} ({})", f.client, f.setting);
                if !ignored_by.contains(&c) {
                    ignored_by.push(c);
                }
            }
        }
    }
    let mut added: Vec<String> = Vec::new();
    let mut patched: Vec<&Target> = Vec::new();
    for (entry, target) in bundles.iter().zip(&targets) {
        if entry.status == "patched" {
            patched.push(target);
            for f in &entry.found {
                if !added.contains(&f.sha256) {
                    added.push(f.sha256.clone());
                }
            }
        }
    }
    let statuses: Vec<&str> = bundles.iter().map(|b| b.status).collect();
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
            overrides,
            notes,
        },
    );
    Ok(outcome)
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

fn pem_of(certs: &[Cert]) -> Vec<u8> {
    certs
        .iter()
        .flat_map(|c| c.pem("\n").into_bytes())
        .collect()
}

/// The last line of `fix` when no bundle was patched (a patched run ends with its own
/// "done: … now verify HOST" line), from each bundle's status.
pub fn summary_line(statuses: &[&str], host: &str) -> Option<String> {
    let count = |s: &str| statuses.iter().filter(|x| **x == s).count();
    let all = statuses.len();
    if count("patched") > 0 {
        return None;
    }
    let failed = all - count("verifies") - count("would-patch");
    let failed_note = if failed > 0 {
        format!("; {failed} bundle(s) cannot be fixed this way (see above)")
    } else {
        String::new()
    };
    Some(if count("would-patch") > 0 {
        format!(
            "dry run: would add the missing certificate(s) to {} of {all} bundle(s){failed_note}; nothing was written",
            count("would-patch")
        )
    } else if failed == 0 {
        format!("done: every bundle already verifies {host}; nothing to fix")
    } else {
        format!("failed: nothing was written; {failed} of {all} bundle(s) still do not verify {host} (see above)")
    })
}

#[allow(clippy::too_many_arguments)]
fn fix_one<'a>(
    ctx: &Context,
    chain: &Chain,
    target: &'a Target,
    args: &FixArgs,
    os: &OsRoots,
    sources: &mut [Box<dyn Source>],
    when: &str,
) -> Result<FixEntry<'a>> {
    let p = &ctx.printer;
    let name = chain.server_name();
    let bundle = Bundle::parse(target.read()?);
    let before = super::diagnose::judge_target(ctx, chain, &bundle, target, os);
    let explained = explain(&before, &chain.certs, &bundle);
    show_judgement(ctx, target, chain, &explained, true);
    let mut entry = FixEntry::new(target, "verifies");
    entry.causes = cause_entries(&explained, &chain.certs);
    if before.verifies {
        p.line("  nothing to fix");
        return Ok(entry);
    }
    let unfixable: Vec<_> = before
        .causes
        .iter()
        .filter(|c| !c.bundle_fixable())
        .collect();
    if !unfixable.is_empty() {
        p.error(format!(
            "{}: `fix` cannot help: adding certificates to a bundle does not cure {}; nothing was written",
            path_text(&target.path),
            unfixable
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        entry.status = "not-fixable";
        return Ok(entry);
    }
    // Find the missing issuers, asking each source in order.
    p.progress(format!(
        "looking for the missing issuer in: {}{}…",
        sources
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", "),
        if args.offline {
            String::new()
        } else {
            format!(
                " (AIA: at most {} fetches, {} s each)",
                crate::net::aia::MAX_FETCHES,
                crate::net::aia::TIMEOUT.as_secs()
            )
        }
    ));
    let seen_before: usize = sources.iter().map(|s| s.attempts().len()).sum();
    let (found, end) = issuers::walk(&chain.certs, &bundle, sources);
    let attempts: Vec<Attempt> = sources.iter().flat_map(|s| s.attempts()).collect();
    show_attempts(ctx, &attempts[seen_before.min(attempts.len())..]);
    entry.found = found.clone();
    let mut to_add: Vec<Cert> = found.iter().map(|f| f.cert.clone()).collect();
    let mut origins: Vec<String> = found
        .iter()
        .map(|f| format!("{} {}", f.source, f.origin))
        .collect();
    match &end {
        End::Anchored => {}
        End::NotFound(issuer) => {
            let names: Vec<&str> = sources.iter().map(|s| s.name()).collect();
            let tried = if names.is_empty() {
                "--offline, and there is no offline index to look in".to_string()
            } else if args.offline {
                format!("looked in: {} (--offline: no AIA fetch)", names.join(", "))
            } else {
                format!("looked in: {}", names.join(", "))
            };
            p.error(format!(
                "{}: could not find the issuer `{}` ({tried}); nothing was written",
                path_text(&target.path),
                issuer
            ));
            p.hint("get the intermediate from the CA's website (or a browser's certificate viewer), then `certpatch add FILE`");
            entry.status = "issuer-not-found";
            return Ok(entry);
        }
        End::Root => {
            // The root at the top: fetched, or sent by the server.
            let root = match found.last() {
                Some(f) if f.root => f.cert.clone(),
                _ => chain.certs[*judge::path(&chain.certs).last().unwrap()].clone(),
            };
            if !args.allow_root {
                let os_trusts = os.trusts(&root);
                p.error(format!(
                    "{}: the chain ends at the root `{}` (sha256 {}), which the bundle lacks{}; nothing was written",
                    path_text(&target.path),
                    root.subject(),
                    root.sha256_hex(),
                    if os_trusts {
                        " but your operating system trusts (typically a TLS-inspecting company proxy or a company CA)"
                    } else {
                        ""
                    }
                ));
                p.hint("if it is your organisation's (confirm the fingerprint with your IT team), run again with --allow-root");
                entry.status = "root-needed";
                return Ok(entry);
            }
            if !to_add.iter().any(|c| c.sha256() == root.sha256()) {
                origins.push(format!("root sent by {}", chain.source));
                entry.found.push(Found {
                    subject: root.subject().to_string(),
                    sha256: root.sha256_hex(),
                    source: "server",
                    origin: format!("sent by {}", chain.source),
                    root: true,
                    cert: root.clone(),
                });
                to_add.push(root);
            }
        }
    }
    // The patched bundle must verify the chain, or nothing is added.
    let mut simulated = bundle.bytes.clone();
    if !simulated.is_empty() && !simulated.ends_with(b"\n") {
        simulated.push(b'\n');
    }
    simulated.extend(pem_of(&to_add));
    let simulated = Bundle::parse(simulated);
    if let Err(why) = judge::webpki_verify(&chain.certs, &simulated, name.as_ref(), ctx.at) {
        p.error(format!(
            "{}: even with the found certificate(s) the bundle would not verify the chain ({why}); nothing was written",
            path_text(&target.path)
        ));
        entry.status = "would-not-verify";
        return Ok(entry);
    }
    for c in &to_add {
        p.line(format!(
            "  found `{}` (sha256 {}…)",
            c.subject(),
            short(&c.sha256_hex())
        ));
    }
    // Exactly `add`'s per-bundle code: every rule, the transaction, the load check.
    let input = Input {
        certs: to_add,
        source: format!("fix {} ({})", chain.source, origins.join(", ")),
    };
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
    let report = add_to(ctx, &input, target, &add_args, rules, when)?;
    entry.add = Some(report.json);
    entry.status = match report.status {
        AddStatus::Patched => "patched",
        AddStatus::WouldPatch => "would-patch",
        AddStatus::Unchanged => "verifies",
        _ => "refused",
    };
    if entry.status == "refused" {
        return Ok(entry);
    }
    if args.dry_run {
        p.line(format!(
            "  (dry run) the patched bundle would verify the chain{}",
            chain
                .name
                .as_deref()
                .map(|n| format!(" for `{}`", escape(n)))
                .unwrap_or_default()
        ));
        return Ok(entry);
    }
    // Verify again, from the bytes now on disk.
    let after = Bundle::parse(target.read()?);
    let verifies = judge::webpki_verify(&chain.certs, &after, name.as_ref(), ctx.at).is_ok();
    entry.verifies_after = Some(verifies);
    if verifies {
        p.line(format!(
            "  {} {} now verifies the chain",
            p.tone(Tone::Good, "verified:"),
            path_text(&target.path)
        ));
    } else {
        p.error(format!(
            "{}: the bundle still does not verify the chain after the patch (changed meanwhile?); undo with `certpatch remove`",
            path_text(&target.path)
        ));
        entry.status = "refused";
        return Ok(entry);
    }
    if let (Some(python), Some(ep)) = (&target.interpreter, &chain.endpoint) {
        entry.python = Some(confirm_with_python(ctx, target, python, ep, chain, None));
    }
    Ok(entry)
}

/// What Python is asked: a TLS handshake to the host with the bundle as its CA file.
const VERIFY_SCRIPT: &str = r#"import socket, ssl, sys
host, port, cafile, addr = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
version = "%d.%d" % sys.version_info[:2]
try:
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((addr or host, port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=host):
            pass
    print("certpatch-verified " + version)
except Exception as e:
    print("certpatch-not-verified " + version + " " + type(e).__name__ + ": " + str(e))
"#;

/// Asks the target's own Python to connect with the bundle: after a patch (`judged` is
/// `None`), or in `diagnose` beside certpatch's own verdict `judged` (then a difference is
/// said, not resolved silently).
pub(super) fn confirm_with_python(
    ctx: &Context,
    target: &Target,
    python: &Path,
    ep: &crate::net::endpoint::Endpoint,
    chain: &Chain,
    judged: Option<bool>,
) -> PythonCheck {
    let p = &ctx.printer;
    let shown_python = path_text(python);
    let mut check = PythonCheck {
        interpreter: shown_python.clone(),
        version: None,
        verifies: None,
        detail: String::new(),
    };
    if chain.proxy.is_some() {
        check.detail = "not confirmed: the server was reached through a proxy, and Python's own ssl check connects directly".into();
        p.note(&check.detail);
        return check;
    }
    let removed: Vec<&str> = CA_OVERRIDES
        .iter()
        .copied()
        .filter(|v| ctx.host.var(v).is_some())
        .collect();
    if !removed.is_empty() {
        p.note(format!(
            "the Python check runs without {} (set here; they would make Python read another file than the bundle)",
            removed.join(", ")
        ));
    }
    let port = ep.port.to_string();
    let addr = chain.addr.map(|a| a.to_string()).unwrap_or_default();
    let args: [&std::ffi::OsStr; 4] = [
        ep.host.as_ref(),
        port.as_ref(),
        target.path.as_os_str(),
        addr.as_ref(),
    ];
    p.progress(format!(
        "asking {shown_python} to connect to {} with {} (at most 10 s)…",
        escape(&ep.authority()),
        if judged.is_none() {
            "the patched bundle"
        } else {
            "this bundle"
        }
    ));
    let place = target
        .environment
        .as_deref()
        .map(path_text)
        .unwrap_or_else(|| shown_python.clone());
    match crate::discover::interpreter::run_script(&ctx.host, python, &["-I"], VERIFY_SCRIPT, &args)
    {
        Ok((out, _)) => {
            let line = out
                .lines()
                .find(|l| l.starts_with("certpatch-"))
                .unwrap_or("");
            let mut words = line.splitn(3, ' ');
            let verdict = words.next().unwrap_or("");
            let version = words.next().map(str::to_string);
            let rest = words.next().unwrap_or("").to_string();
            check.version = version.clone();
            let v = version.unwrap_or_else(|| "?".into());
            if let Some(judged) = judged {
                let connects = verdict == "certpatch-verified";
                check.verifies = Some(connects);
                check.detail = if connects {
                    format!(
                        "Python {v} in {place} connects to {} with this bundle",
                        ep.host
                    )
                } else {
                    format!(
                        "Python {v} in {place} does not connect to {} with this bundle: {}",
                        ep.host,
                        crate::cli::output::bounded(&rest)
                    )
                };
                if connects == judged {
                    p.line(format!(
                        "  {} {}",
                        p.tone(Tone::Good, "confirmed by Python:"),
                        escape(&check.detail)
                    ));
                } else {
                    p.warn(format!(
                        "certpatch's judgement and Python's differ: {}; Python's own answer is the one your code gets",
                        escape(&check.detail)
                    ));
                }
            } else if verdict == "certpatch-verified" {
                check.verifies = Some(true);
                check.detail = format!("Python {v} in {place} now verifies {}", ep.host);
                p.line(format!(
                    "  {} {}",
                    p.tone(Tone::Good, "confirmed:"),
                    escape(&check.detail)
                ));
            } else {
                check.verifies = Some(false);
                check.detail = format!(
                    "Python {v} in {place} still does not verify {}: {}",
                    ep.host,
                    crate::cli::output::bounded(&rest)
                );
                p.warn(escape(&check.detail));
            }
        }
        Err(e) => {
            check.detail = format!("could not ask {shown_python}: {e}");
            p.warn(escape(&check.detail));
        }
    }
    check
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

        let mut sources: Vec<Box<dyn Source>> = vec![Box::new(OfflineIndex(index_of(&[
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
            vec![Box::new(OfflineIndex(index_of(&[cert("int-01.pem")])))];
        let (found, end) = walk(std::slice::from_ref(&leaf), &bundle, &mut without);
        assert!(found.is_empty());
        assert!(matches!(end, End::NotFound(_)), "{end:?}");
    }
}
