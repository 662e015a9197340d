//! `certpatch diagnose HOST[:PORT]|URL [targets]` and `diagnose --chain FILE [--name HOST]`:
//! shows the chain a server presents (or a saved one) and, for each target bundle, whether
//! rustls-webpki verifies it for that name at `--at`, and if not, why, by cause, with what
//! to do. Writes nothing. Exit 0 when every target verifies, 1 otherwise.
//! A missing issuer (or a sent root) that comes down to a root certifi shipped and later
//! removed ([`crate::pki`]: as sent, plus the offline index) is said so, with the actions
//! that can work instead of "run `certpatch fix`".
//!
//! The chain helpers here are shared with `fix`.

use std::path::Path;

use anyhow::Result;
use rustls::pki_types::ServerName;
use serde::Serialize;

use super::find::{findings_for, overrides_for};
use super::Context;
use crate::bundle::Bundle;
use crate::cli::exit::{Outcome, UsageError};
use crate::cli::json::{failure, Document, Failure};
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::Targets;
use crate::net::capture::{self, CaptureError, Timeouts};
use crate::net::endpoint::{self, Endpoint};
use crate::net::judge::{self, Cause, Judgement, OsRoots};
use crate::net::proxy;
use crate::net::pyssl::Rules;
use crate::pki::advice;
use crate::pki::chain::DeadEnd;
use crate::target::Target;
use crate::x509::cert::Cert;
use crate::x509::clock::rfc3339;

/// Where the chain comes from.
pub enum Origin<'a> {
    Server(&'a str),
    File {
        file: &'a Path,
        name: Option<&'a str>,
    },
}

/// A chain to judge: the certificates as sent (leaf first), the name to check, and
/// where it came from.
pub struct Chain {
    pub certs: Vec<Cert>,
    pub endpoint: Option<Endpoint>,
    /// The name the leaf must be valid for (`None`: `--chain` without `--name`).
    pub name: Option<String>,
    pub proxy: Option<String>,
    /// `HOST:PORT` or the file name, for messages and the patch source.
    pub source: String,
    /// The address connected to instead of resolving the host (`--resolve`).
    pub addr: Option<std::net::IpAddr>,
}

impl Chain {
    pub fn server_name(&self) -> Option<ServerName<'static>> {
        let name = self.name.as_deref()?;
        ServerName::try_from(name.to_string()).ok()
    }
}

/// Why no chain could be read, with its stable code.
pub struct NoChain {
    pub code: &'static str,
    pub message: String,
}

/// Connects (or reads the file) and returns the chain; says so on standard error first
/// (a handshake may take its whole limit).
pub fn obtain(ctx: &Context, origin: &Origin) -> Result<Result<Chain, NoChain>> {
    match origin {
        Origin::Server(text) => {
            let ep = endpoint::parse(text).map_err(UsageError)?;
            let addr = endpoint::Resolve::find(&ctx.resolve, &ep);
            let limits = Timeouts::default();
            ctx.printer.progress(format!(
                "connecting to {}{} (at most {} s)…",
                escape(&ep.authority()),
                addr.map(|a| format!(" at {a} (--resolve)"))
                    .unwrap_or_default(),
                (limits.connect + limits.handshake).as_secs()
            ));
            let mut capture_note = None;
            let captured = match capture::capture_at(&ep, addr, limits) {
                Ok(c) => c,
                // rustls cannot talk to it (DHE, CBC, static RSA, old versions): OpenSSL
                // with Python's own settings may, and then that is what Python sees.
                Err(e @ CaptureError::Mismatch { .. })
                    if proxy::for_https(&ep.host, ep.port).ok().flatten().is_none() =>
                {
                    ctx.printer.progress(format!(
                        "rustls found no common TLS settings with {}; trying OpenSSL with Python's settings…",
                        escape(&ep.authority())
                    ));
                    match crate::net::capture_openssl::capture(&ep, addr, limits.handshake) {
                        Ok(chain) => {
                            capture_note = Some(format!("rustls (certpatch's own TLS) could not negotiate with this server ({}); the chain was read through OpenSSL with Python's default ciphers, which can: Python connects as far as TLS settings go, but rustls-based clients (e.g. uv, Rust or Go tools with their own TLS) may not", first_line(&capture_message(&e))));
                            capture::Captured {
                                chain,
                                peer: std::net::SocketAddr::from(([0, 0, 0, 0], ep.port)),
                                proxy: None,
                            }
                        }
                        Err(why) => {
                            return Ok(Err(NoChain {
                                code: e.code(),
                                message: format!(
                                    "{}\nPython's default TLS settings (OpenSSL) cannot negotiate with it either: {}; the server's TLS configuration (versions, ciphers) is the problem, not a bundle",
                                    capture_message(&e),
                                    crate::cli::output::bounded(&why)
                                ),
                            }))
                        }
                    }
                }
                Err(e) => {
                    return Ok(Err(NoChain {
                        code: e.code(),
                        message: capture_message(&e),
                    }))
                }
            };
            let mut certs = Vec::new();
            for (i, der) in captured.chain.iter().enumerate() {
                match Cert::from_der(der) {
                    Ok(c) => certs.push(c),
                    Err(e) => {
                        return Ok(Err(NoChain {
                            code: "malformed-chain",
                            message: format!(
                                "{}: the server's certificate [{i}] cannot be read: {e}",
                                ep.authority()
                            ),
                        }))
                    }
                }
            }
            let addr = if captured.proxy.is_some() { None } else { addr };
            if let Some(n) = &capture_note {
                ctx.printer.note(escape(n));
            }
            Ok(Ok(Chain {
                certs,
                name: Some(ep.host.clone()),
                proxy: captured.proxy.map(|p| p.shown()),
                source: ep.authority(),
                endpoint: Some(ep),
                addr,
            }))
        }
        Origin::File { file, name } => {
            let input = match crate::x509::input::read(file) {
                Ok(i) => i,
                Err(e) => {
                    return Ok(Err(NoChain {
                        code: e.code(),
                        message: crate::cli::output::bounded(&e.to_string()).into_owned(),
                    }))
                }
            };
            if let Some(n) = name {
                if ServerName::try_from(n.to_string()).is_err() {
                    return Err(UsageError(format!(
                        "--name `{}` is not a host name or address",
                        escape(n)
                    ))
                    .into());
                }
            }
            Ok(Ok(Chain {
                certs: input.certs,
                endpoint: None,
                name: name.map(|n| n.to_string()),
                proxy: None,
                source: input.source,
                addr: None,
            }))
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn capture_message(e: &CaptureError) -> String {
    crate::cli::output::bounded(&e.to_string()).into_owned()
}

/// One certificate of the chain, as `--json` shows it.
#[derive(Serialize)]
pub struct ChainEntry {
    pub depth: usize,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
    pub ca: bool,
    pub self_signed: bool,
    pub names: Vec<String>,
    pub ca_issuers: Vec<String>,
}

pub fn chain_entries(chain: &[Cert]) -> Vec<ChainEntry> {
    chain
        .iter()
        .enumerate()
        .map(|(depth, c)| {
            let extra = judge::extra(c);
            let mut names = extra.dns_names;
            names.extend(extra.ip_names);
            ChainEntry {
                depth,
                subject: c.subject().to_string(),
                issuer: c.issuer().to_string(),
                not_before: rfc3339(c.not_before),
                not_after: rfc3339(c.not_after),
                sha256: c.sha256_hex(),
                ca: c.basic_constraints.is_some_and(|b| b.ca),
                self_signed: c.is_self_issued() && c.signed_by(c) == Ok(true),
                names,
                ca_issuers: extra.ca_issuers,
            }
        })
        .collect()
}

/// Shows the chain for a person.
pub fn show_chain(ctx: &Context, chain: &Chain, entries: &[ChainEntry], notes: &[String]) {
    let p = &ctx.printer;
    let via = chain
        .proxy
        .as_ref()
        .map(|x| format!(" through the proxy {x}"))
        .unwrap_or_default();
    let at = chain
        .addr
        .map(|a| format!(" at {a} (--resolve)"))
        .unwrap_or_default();
    let what = if chain.endpoint.is_some() {
        format!("server {}{at}{via} sent", escape(&chain.source))
    } else {
        format!("`{}` holds", escape(&chain.source))
    };
    p.line(format!("{what} {} certificate(s):", entries.len()));
    let (entries, more) = crate::cli::output::capped_lines(entries, "certificate(s)");
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
    if let Some(more) = more {
        p.line(format!("  {more}"));
    }
    let (notes, more) = crate::cli::output::capped_lines(notes, "notes");
    for n in notes {
        p.note(escape(n));
    }
    if let Some(more) = more {
        p.note(more);
    }
}

/// One cause in JSON: the cause's own fields plus its words.
#[derive(Serialize)]
pub struct CauseEntry {
    #[serde(flatten)]
    pub cause: Cause,
    pub message: String,
    pub advice: String,
    /// The root certifi removed that this chain ends at (or is issued by), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_root: Option<RemovedRootJson>,
}

/// A removed root in a cause's JSON.
#[derive(Serialize)]
pub struct RemovedRootJson {
    pub name: String,
    pub sha256: String,
    /// The last certifi release that had it.
    pub last_version: String,
    /// The first certifi release without it.
    pub removed_in: Option<String>,
    /// The index's intermediates between the certificate and the root (SHA-256).
    pub via: Vec<String>,
    pub reason: String,
    /// The actions that can work, most recommended first.
    pub actions: Vec<String>,
    pub note: &'static str,
}

/// The root certifi shipped and later removed that `cause` comes down to, for a chain
/// judged against `bundle`: a missing issuer that the offline index cannot place under a
/// root of the bundle but whose chain (as sent, plus the index) ends at a removed root,
/// or a sent root the bundle lacks that certifi removed.
pub fn removed_root(cause: &Cause, certs: &[Cert], bundle: &Bundle) -> Option<DeadEnd> {
    let roots = crate::pki::roots::Roots::embedded();
    match cause {
        Cause::MissingIssuer { depth, .. } => {
            let cert = certs.get(*depth)?;
            let c = crate::pki::complete(cert, bundle, crate::pki::index::active(), roots);
            if c.path.is_some() {
                return None;
            }
            c.dead_ends.into_iter().next()
        }
        Cause::RootNotInBundle { depth, .. } => {
            let cert = certs.get(*depth)?;
            let root = roots.get(&cert.sha256())?;
            if root.removed_in.is_none() || bundle.contains(cert) {
                return None;
            }
            Some(DeadEnd {
                via: Vec::new(),
                root: root.clone(),
            })
        }
        _ => None,
    }
}

/// A judgement's causes, each with the removed root it comes down to (if any).
pub struct Explained<'a> {
    pub judgement: &'a Judgement,
    pub removed: Vec<Option<DeadEnd>>,
}

/// Explains `j` (the judgement of `certs` against `bundle`).
pub fn explain<'a>(j: &'a Judgement, certs: &[Cert], bundle: &Bundle) -> Explained<'a> {
    Explained {
        judgement: j,
        removed: j
            .causes
            .iter()
            .map(|c| removed_root(c, certs, bundle))
            .collect(),
    }
}

fn removed_actions(end: &DeadEnd, certs: &[Cert], cause: &Cause) -> Vec<String> {
    let name = match cause {
        Cause::MissingIssuer { depth, .. } => certs.get(*depth).map(|c| c.name()),
        _ => end.via.first().map(|c| c.name()),
    }
    .unwrap_or_else(|| end.root.cert.name());
    advice::removed_root_actions(end, name, None)
}

pub fn cause_entries(e: &Explained, certs: &[Cert]) -> Vec<CauseEntry> {
    e.judgement
        .causes
        .iter()
        .zip(&e.removed)
        .map(|(c, end)| {
            let removed_root = end.as_ref().map(|end| {
                let actions = removed_actions(end, certs, c);
                RemovedRootJson {
                    name: end.root.cert.subject().to_string(),
                    sha256: end.root.cert.sha256_hex(),
                    last_version: end.root.last_with.clone(),
                    removed_in: end.root.removed_in.clone(),
                    via: end.via.iter().map(|v| v.sha256_hex()).collect(),
                    reason: advice::removed_root_reason(end),
                    actions,
                    note: advice::PARTIAL_CHAIN_NOTE,
                }
            });
            CauseEntry {
                cause: c.clone(),
                message: match &removed_root {
                    Some(r) => format!("{}; {}", c.message(), r.reason),
                    None => c.message(),
                },
                advice: match &removed_root {
                    Some(r) => r.actions.join("; "),
                    None => c.advice(),
                },
                removed_root,
            }
        })
        .collect()
}

/// Shows one bundle's verdict for a person.
/// `fixing`: called by `fix`, which is about to act, so advice that says "run `certpatch
/// fix`" is left out.
pub fn show_judgement(ctx: &Context, target: &Target, chain: &Chain, e: &Explained, fixing: bool) {
    let p = &ctx.printer;
    let j = e.judgement;
    let name = chain
        .name
        .as_deref()
        .map(|n| format!(" for `{}`", escape(n)))
        .unwrap_or_else(|| " (no name checked: give --name HOST)".to_string());
    let who = python_words(target, j);
    if j.verifies {
        p.line(format!(
            "{} {} verifies the chain{name}{who}",
            p.tone(Tone::Good, "ok:"),
            target.describe()
        ));
        for w in &j.warnings {
            p.warn(format!("  {}", escape(w)));
        }
        return;
    }
    // The second bundle of one environment failing for the same causes gets one line.
    let key = format!(
        "judge\u{0}{:?}\u{0}{}",
        target.environment,
        j.causes
            .iter()
            .map(|c| c.message())
            .collect::<Vec<_>>()
            .join("\u{0}")
    );
    if !ctx.verbose {
        if ctx.shown.borrow().contains(&key) {
            p.line(format!(
                "{} {} too, for the same reason(s)",
                p.tone(Tone::Bad, "fails:"),
                target.describe()
            ));
            return;
        }
        ctx.shown.borrow_mut().push(key);
    }
    p.line(format!(
        "{} {} does not verify the chain{name}{who}:",
        p.tone(Tone::Bad, "fails:"),
        target.describe()
    ));
    if j.versions_differ() {
        for v in &j.python {
            p.line(format!(
                "  {}: {}",
                v.rules.words(),
                if v.verifies {
                    "connects".to_string()
                } else {
                    format!("fails ({})", escape(&v.reason))
                }
            ));
        }
    }
    for w in &j.warnings {
        p.warn(format!("  {}", escape(w)));
    }
    for (c, end) in j.causes.iter().zip(&e.removed) {
        p.line(format!("  - {}", escape(&c.message())));
        let Some(end) = end else {
            if !(fixing && matches!(c, crate::net::judge::Cause::MissingIssuer { .. })) {
                p.line(format!("    what to do: {}", escape(&c.advice())));
            }
            continue;
        };
        p.line(format!(
            "    removed root: {}",
            escape(&advice::removed_root_reason(end))
        ));
        p.line("    what to do (never add the removed root back):");
        for (n, a) in removed_actions(end, &chain.certs, c).iter().enumerate() {
            p.line(format!("      {}. {}", n + 1, escape(a)));
        }
        p.line(format!("    note: {}", escape(advice::PARTIAL_CHAIN_NOTE)));
    }
}

/// Whose verdict it is: " (Python 3.12.1's rules)" when the target's interpreter is
/// known, " (any Python version)" when the verdict does not depend on it.
fn python_words(target: &Target, j: &Judgement) -> String {
    if j.python.is_empty() {
        return " (judged by webpki: OpenSSL is not built in)".into();
    }
    match (&target.python_version, target.python_3_13()) {
        (Some(v), Some(_)) => format!(" with Python {}'s rules", escape(v)),
        _ if j.versions_differ() => " (Python version unknown: it depends on it)".into(),
        _ => " (Python version unknown: any version)".into(),
    }
}

/// A bundle's entry in `--json`.
#[derive(Serialize)]
pub struct BundleEntry<'a> {
    pub target: crate::target::TargetJson<'a>,
    /// `verifies`, `fails`, or `error` (the bundle could not be read).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub causes: Vec<CauseEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webpki_error: Option<String>,
    /// OpenSSL's verdict under each Python version's rules that may apply to the target.
    pub python_rules: Vec<crate::net::pyssl::Verdict>,
    /// What Python's `ssl` accepts but common clients refuse.
    pub warnings: Vec<String>,
    /// What makes a client ignore this bundle (variables, pip.conf), as `status` says.
    pub clients: Vec<crate::discover::Finding>,
    /// The target's own Python asked to connect (live, when its interpreter is known).
    pub python: Option<super::fix::PythonCheck>,
}

/// `diagnose`'s own keys.
#[derive(Serialize)]
pub struct DiagnoseExtra {
    /// `HOST:PORT` connected to, or the `--chain` file's name.
    pub source: String,
    pub name: Option<String>,
    pub proxy: Option<String>,
    /// The address connected to by `--resolve` (null: the host was resolved).
    pub address: Option<String>,
    pub chain: Vec<ChainEntry>,
    pub chain_notes: Vec<String>,
    /// Variables that make Python ignore the bundles judged (as in `check`).
    pub overrides: Vec<crate::discover::Override>,
    pub notes: Vec<String>,
}

/// Says which clients ignore the bundle just judged (a variable, pip.conf): its verdict,
/// good or bad, is not what those clients see.
pub fn report_clients(ctx: &Context, clients: &[crate::discover::Finding], verifies: bool) {
    for f in clients {
        let setting = if f.setting.contains(' ') {
            escape(&f.setting).into_owned()
        } else {
            format!("{}={}", escape(&f.setting), escape(&f.value))
        };
        ctx.printer.warn(format!(
            "  {} does not read this bundle: {setting} is set ({}); {}{}",
            f.client,
            escape(&f.effect),
            escape(&f.fix),
            if verifies {
                ""
            } else {
                "; fixing this bundle alone will not fix that client"
            }
        ));
    }
}

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
                bundles.push(BundleEntry {
                    target: target.json(),
                    status: "error",
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
        let j = judge_target(ctx, &chain, &bundle, target, &os);
        let explained = explain(&j, &chain.certs, &bundle);
        show_judgement(ctx, target, &chain, &explained, false);
        let clients: Vec<crate::discover::Finding> = findings_for(ctx, &[target])
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        report_clients(ctx, &clients, j.verifies);
        let python = match (&target.interpreter, &chain.endpoint) {
            (Some(py), Some(ep)) => Some(super::fix::confirm_with_python(
                ctx,
                target,
                py,
                ep,
                &chain,
                Some(j.verifies),
            )),
            _ => None,
        };
        if !j.verifies {
            outcome = Outcome::Failure;
        }
        bundles.push(BundleEntry {
            target: target.json(),
            status: if j.verifies { "verifies" } else { "fails" },
            error: None,
            causes: cause_entries(&explained, &chain.certs),
            webpki_error: j.webpki_error.clone(),
            python_rules: j.python.clone(),
            warnings: j.warnings.clone(),
            clients,
            python,
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
            address: chain.addr.map(|a| a.to_string()),
            chain: entries,
            chain_notes,
            overrides: overrides_for(ctx, &targets.iter().collect::<Vec<_>>()),
            notes,
        },
    );
    Ok(outcome)
}

/// Judges the chain for one target as its Python will: the rules of its interpreter's
/// version (both when unknown), known-bad roots flagged by name.
pub fn judge_target(
    ctx: &Context,
    chain: &Chain,
    bundle: &Bundle,
    target: &Target,
    os: &OsRoots,
) -> Judgement {
    let mut j = judge::judge_for(
        &chain.certs,
        bundle,
        chain.server_name().as_ref(),
        ctx.at,
        os,
        &Rules::for_target(target.python_3_13()),
        &|c| {
            crate::accept::known_bad::lookup(c).map(|k| judge::Flagged {
                name: k.name.to_string(),
            })
        },
    );
    // A root found in the OS store that certifi itself shipped is a public root, not a
    // company proxy's: the chain's top then misses its issuer in the usual sense (and a
    // root certifi removed gets its own explanation).
    let roots = crate::pki::roots::Roots::embedded();
    for c in &mut j.causes {
        let Cause::RootNotInBundle {
            depth,
            sha256,
            sent: false,
            ..
        } = c
        else {
            continue;
        };
        let key: Option<[u8; 32]> = (0..32)
            .map(|i| u8::from_str_radix(sha256.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
            .and_then(|v| v.try_into().ok());
        let public = key.is_some_and(|k| roots.get(&k).is_some());
        let top = depth.checked_sub(1).and_then(|d| {
            let order = judge::path(&chain.certs);
            order.get(d).map(|&i| &chain.certs[i])
        });
        if let (true, Some(top)) = (public, top) {
            *c = Cause::MissingIssuer {
                depth: *depth - 1,
                subject: top.subject().to_string(),
                issuer: top.issuer().to_string(),
                ca_issuers: judge::extra(top).ca_issuers,
            };
        }
    }
    j
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
