//! Printing shared by several commands (the chain and a bundle's verdict for `diagnose`
//! and `fix`, …), so that the commands never import each other. Text for people only;
//! the JSON is in [`crate::cli::json`].

use std::path::Path;

use serde::Serialize;

use crate::accept::validate::{Code, Decision, Verdict};
use crate::cli::commands::Context;
use crate::cli::exit::Outcome;
use crate::cli::json::{self, failure, ChainEntry, Document, Failure};
use crate::cli::output::{bounded, escape, path_text, short, Tone, MAX_LISTED};
use crate::net::endpoint::Resolve;
use crate::target::Target;
use crate::usecase::diagnose::{Chain, Explained, NoChain, Obtaining, Origin};
use crate::usecase::fix::Step as FixStep;
use crate::x509::input::{self, Input, InputError};

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

/// Shows one bundle's verdict for a person. `fixing`: called by `fix`, which is about to
/// act, so advice that says "run `certpatch fix`" is left out.
pub fn show_judgement(ctx: &Context, target: &Target, chain: &Chain, e: &Explained, fixing: bool) {
    let p = &ctx.printer;
    let j = &e.judgement;
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
    for ((c, removed), advice) in j.causes.iter().zip(&e.removed).zip(&e.advice) {
        p.line(format!("  - {}", escape(&c.message())));
        let Some(r) = removed else {
            if !(fixing && matches!(c, crate::net::judge::Cause::MissingIssuer { .. })) {
                p.line(format!("    what to do: {}", escape(advice)));
            }
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

/// Whose verdict it is: " with Python 3.12.1's rules" when the target's interpreter is
/// known, " (Python version unknown: …)" when it is not.
fn python_words(target: &Target, j: &crate::net::judge::Judgement) -> String {
    if j.python.is_empty() {
        return " (judged by webpki: OpenSSL is not built in)".into();
    }
    match (&target.python_version, target.python_3_13()) {
        (Some(v), Some(_)) => format!(" with Python {}'s rules", escape(v)),
        _ if j.versions_differ() => " (Python version unknown: it depends on it)".into(),
        _ => " (Python version unknown: any version)".into(),
    }
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

/// Obtains the chain ([`crate::usecase::diagnose::obtain`]), saying on standard error
/// what it is doing (a handshake may take its whole limit).
pub fn obtain(ctx: &Context, origin: &Origin) -> anyhow::Result<Result<Chain, NoChain>> {
    let p = &ctx.printer;
    let say = |step: Obtaining| match step {
        Obtaining::Connecting {
            authority,
            addr,
            secs,
        } => p.progress(format!(
            "connecting to {}{} (at most {secs} s)…",
            escape(authority),
            addr.map(|a| format!(" at {a} (--resolve)"))
                .unwrap_or_default(),
        )),
        Obtaining::TryingOpenssl { authority } => p.progress(format!(
            "rustls found no common TLS settings with {}; trying OpenSSL with Python's settings…",
            escape(authority)
        )),
        Obtaining::Note(n) => p.note(escape(n)),
    };
    if let Origin::Server(text) = origin {
        warn_unused_resolves(ctx, text);
    }
    let mut obtained = crate::usecase::diagnose::obtain(origin, &ctx.resolve, &say)?;
    if let (Origin::File { .. }, Err(no)) = (origin, &mut obtained) {
        if no.code == "no-certificate" {
            no.message.push_str(CHAIN_WANTED);
        }
    }
    Ok(obtained)
}

/// Warns of each `--resolve` entry that does not name the server's host and port: curl
/// ignores such an entry silently, and the run then goes on to a DNS failure (or another
/// address) that does not say why the entry did nothing. A server that does not parse is
/// left to the usage error of [`crate::usecase::diagnose::obtain`].
fn warn_unused_resolves(ctx: &Context, server: &str) {
    let Ok(ep) = crate::net::endpoint::parse(server) else {
        return;
    };
    for r in Resolve::unused(&ctx.resolve, &ep) {
        let mut suggested = r.clone();
        suggested.host = ep.host.to_ascii_lowercase();
        suggested.port = ep.port;
        ctx.printer.warn(format!(
            "--resolve `{}` is not used: it is for {}:{}, and the server is {}; to connect to {} give `--resolve {}`",
            escape(&r.to_string()),
            escape(&r.host),
            r.port,
            escape(&ep.authority()),
            r.addr,
            escape(&suggested.to_string()),
        ));
    }
}

/// What `--chain` wants, after a file that holds no certificate.
const CHAIN_WANTED: &str = "\nhint: --chain wants the server's certificate chain as PEM, the server's own certificate first, then its intermediates (as `openssl s_client -connect HOST:443 -showcerts` prints them, or a browser exports the chain)";

/// Shows what asking the target's own Python says ([`crate::usecase::fix`]'s Python
/// steps); `false` for any other step.
pub fn show_python_step(ctx: &Context, step: &FixStep) -> bool {
    let p = &ctx.printer;
    match step {
        FixStep::PythonSkipped { detail } => p.note(detail),
        FixStep::PythonWithout { variables } => p.note(format!(
            "the Python check runs without {} (set here; they would make Python read another file than the bundle)",
            variables.join(", ")
        )),
        FixStep::AskingPython {
            python,
            authority,
            patched,
        } => p.progress(format!(
            "asking {python} to connect to {} with {} (at most 10 s)…",
            escape(authority),
            if *patched {
                "the patched bundle"
            } else {
                "this bundle"
            }
        )),
        FixStep::Python(check) => match check.verifies {
            Some(true) => p.line(format!(
                "  {} {}",
                p.tone(Tone::Good, "confirmed:"),
                escape(&check.detail)
            )),
            _ => p.warn(escape(&check.detail)),
        },
        FixStep::PythonBeside { check, agrees } => match agrees {
            Some(true) => p.line(format!(
                "  {} {}",
                p.tone(Tone::Good, "confirmed by Python:"),
                escape(&check.detail)
            )),
            Some(false) => p.warn(format!(
                "certpatch's judgement and Python's differ: {}; Python's own answer is the one your code gets",
                escape(&check.detail)
            )),
            None => p.warn(escape(&check.detail)),
        },
        _ => return false,
    }
    true
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

/// Reads FILE, printing a refusal of the whole input (and the JSON document) on failure.
pub fn read_input(ctx: &Context, command: &str, file: &Path) -> Result<Input, Outcome> {
    input::read(file).map_err(|err: InputError| {
        let mut message = bounded(&err.to_string()).into_owned();
        if err.holds_no_certificate() {
            message.push_str("\nhint: give a file holding the CA certificate (PEM, DER or PKCS#7)");
        }
        ctx.printer.error(&message);
        if command != "check" {
            ctx.printer.error_detail("nothing was written.");
        }
        ctx.printer
            .document(&json::failure(command, Failure::new(err.code(), message)));
        Outcome::Failure
    })
}

/// The per-certificate verdicts, for a person: refusals on stderr with every reason,
/// the rest on stdout, warnings on stderr. At most [`MAX_LISTED`] certificates are shown
/// one by one (an input may hold hundreds); the rest are counted, and `--json` has them all.
pub fn print_verdicts(ctx: &Context, target: &Target, input: &Input, verdicts: &[Verdict]) {
    let p = &ctx.printer;
    let refused = verdicts.iter().any(|v| v.decision == Decision::Refused);
    // A second bundle of the same environment with the same verdicts (certifi's and pip's
    // copy, as a rule) gets one line; `-v` shows it in full.
    let key = verdict_key(target, &input.source, verdicts);
    if !ctx.verbose {
        if ctx.shown.borrow().contains(&key) {
            if refused {
                p.error(format!(
                    "refused `{}` for {} too, for the same reasons",
                    escape(&input.source),
                    target.describe()
                ));
            } else {
                p.line(format!("{}: the same verdicts", target.describe()));
            }
            return;
        }
        ctx.shown.borrow_mut().push(key);
    }
    if refused {
        p.error(format!(
            "refused `{}` for {}",
            escape(&input.source),
            target.describe()
        ));
    } else {
        p.line(target.describe());
    }
    for v in verdicts.iter().take(MAX_LISTED) {
        let name = format!("{} (sha256 {})", v.cert.name(), short(&v.cert.sha256_hex()));
        match v.decision {
            Decision::Refused => {
                p.error_detail(format!("  {name}:"));
                // A server's own certificate: the one reason that matters, and the way
                // to its issuer. `-v` lists the consequences (no keyCertSign, …) too.
                let leaf = !ctx.verbose && v.reasons.iter().any(|r| r.code == Code::NotCa);
                let shown: Vec<_> = v
                    .reasons
                    .iter()
                    .filter(|r| !leaf || r.code == Code::NotCa)
                    .take(MAX_LISTED)
                    .collect();
                let hidden = v.reasons.len() - shown.len();
                for r in &shown {
                    let more = if leaf && hidden > 0 {
                        format!(" [{hidden} more reason(s): -v]")
                    } else {
                        String::new()
                    };
                    p.error_detail(format!("    - {}{more}", r.message));
                }
                if leaf {
                    p.error_detail(format!("    {}", leaf_next_step(v.cert)));
                }
                if v.reasons.len() > MAX_LISTED {
                    p.error_detail(format!(
                        "    - … and {} more reason(s) (all in --json)",
                        v.reasons.len() - MAX_LISTED
                    ));
                }
            }
            Decision::AlreadyPresent => {
                p.line(format!("  = {name}: already in the bundle, nothing to do"))
            }
            Decision::SkippedLeaf => p.line(format!(
                "  - {name}: {}",
                crate::accept::validate::LEAF_SKIPPED
            )),
            Decision::Add => p.line(format!(
                "  + {name}: passes every check; issued by `{}`, valid until {}",
                v.cert.issuer(),
                crate::x509::clock::rfc3339(v.cert.not_after)
            )),
        }
        for w in v
            .warnings
            .iter()
            .filter(|w| w.code != Code::LeafSkipped)
            .take(MAX_LISTED)
        {
            p.warn(format!("{}: {}", v.cert.name(), w.message));
        }
    }
    if let Some(rest) = verdicts.get(MAX_LISTED..).filter(|r| !r.is_empty()) {
        let count = |d: Decision| rest.iter().filter(|v| v.decision == d).count();
        let summary = format!(
            "  … and {} more certificate(s): {} refused, {} to add, {} already present (all in --json)",
            rest.len(),
            count(Decision::Refused),
            count(Decision::Add),
            count(Decision::AlreadyPresent)
        );
        if refused {
            p.error_detail(summary);
        } else {
            p.line(summary);
        }
    }
    if refused && verdicts.iter().any(|v| v.decision != Decision::Refused) {
        p.error_detail(
            "  (the input is refused as a whole: fix or drop the refused certificate(s))",
        );
    }
}

/// What identifies a verdict block: the environment, the input and each certificate's
/// decision and reasons.
fn verdict_key(target: &Target, source: &str, verdicts: &[Verdict]) -> String {
    let mut key = format!("{:?}\u{0}{source}", target.environment);
    for v in verdicts {
        key.push_str(&format!("\u{0}{}:{:?}", v.cert.sha256_hex(), v.decision));
        for r in &v.reasons {
            key.push_str(&format!(":{}={}", r.code.as_str(), r.message));
        }
    }
    key
}

/// For a server's own certificate given as FILE: where its issuer is. With a name and
/// an AIA URL, `certpatch fix NAME` fetches, checks and adds it; else the URL, or the
/// issuer's name.
pub fn leaf_next_step(cert: &crate::x509::cert::Cert) -> String {
    let extra = crate::net::judge::extra(cert);
    let host = extra
        .dns_names
        .iter()
        .find(|n| !n.starts_with('*'))
        .or(extra.ip_names.first());
    match (host, extra.ca_issuers.first()) {
        (Some(h), Some(url)) => format!(
            "it is a server's certificate: run `certpatch fix {}` to fetch its issuer from {} (AIA), check it and add it",
            escape(h),
            escape(url)
        ),
        (None, Some(url)) => format!(
            "it is a server's certificate: its issuer can be downloaded from {} (AIA); add that file",
            escape(url)
        ),
        (Some(h), None) => format!(
            "it is a server's certificate: `certpatch fix {}` finds its issuer if it is public; or add the file of `{}`",
            escape(h),
            escape(cert.issuer())
        ),
        (None, None) => format!("add its issuer, `{}`, instead", escape(cert.issuer())),
    }
}

/// Warns when a non-empty bundle holds no certificate certpatch (or Python) can read: a
/// UTF-16 file, old Mac line endings, a damaged copy. Every issuer would look missing.
pub fn warn_if_unreadable(ctx: &Context, target: &Target, bundle: &crate::bundle::Bundle) {
    if bundle.certs.is_empty() && !bundle.bytes.iter().all(u8::is_ascii_whitespace) {
        ctx.printer.warn(format!(
            "{} holds no readable certificate (UTF-16, CR-only line ends, or damaged?); Python cannot load it either",
            path_text(&target.path)
        ));
    }
}

/// The findings, each said once with every bundle it concerns (`-v`: once per bundle).
/// Two findings are the same when they name the same setting, value, client and effect.
pub fn grouped(
    findings: &[(std::path::PathBuf, crate::discover::Finding)],
    per_bundle: bool,
) -> Vec<(&crate::discover::Finding, Vec<&std::path::Path>)> {
    let mut out: Vec<(&crate::discover::Finding, Vec<&std::path::Path>)> = Vec::new();
    for (path, f) in findings {
        let same = |g: &crate::discover::Finding| {
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

/// Warns about each finding (once with every bundle it concerns): which client ignores
/// which bundle, and what to do.
pub fn report_findings(ctx: &Context, findings: &[(std::path::PathBuf, crate::discover::Finding)]) {
    for (f, paths) in grouped(findings, ctx.verbose) {
        let path = match paths.as_slice() {
            [one] => path_text(one),
            [first, rest @ ..] => format!("{} and {} more bundle(s)", path_text(first), rest.len()),
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
        // An application's own setting survives its upgrades, a patch does not: say so.
        if matches!(f.client, "gcloud" | "aws" | "az") {
            ctx.printer.hint(escape(&f.fix));
        }
    }
    if !findings.is_empty() {
        ctx.printer.hint(
            "unset these variables and settings (or point them at a patched bundle) for a patch to take effect with those clients; `certpatch status` lists them per bundle",
        );
    }
}

/// Warns about each variable that makes Python ignore the bundles certpatch patches.
pub fn report_overrides(ctx: &Context, overrides: &[crate::discover::Override]) {
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

/// The variables that turn clients away from the bundles listed, in one warning: each with
/// the clients it concerns (`concern`, from the bundles' findings), the value once when
/// they share it. Variables that concern none of the bundles listed are left out; `-v`
/// gives [`report_overrides`]'s line per variable.
pub fn report_overrides_briefly(
    ctx: &Context,
    overrides: &[crate::discover::Override],
    concern: &std::collections::BTreeMap<String, std::collections::BTreeSet<&'static str>>,
) {
    let relevant: Vec<(&crate::discover::Override, String)> = overrides
        .iter()
        .filter_map(|o| {
            let clients = concern.get(o.var)?;
            Some((o, clients.iter().copied().collect::<Vec<_>>().join(", ")))
        })
        .collect();
    if relevant.is_empty() {
        return;
    }
    // Grouped by value, in the order first met: `A (requests), B (pip) = /etc/ssl/x.pem`.
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for (o, clients) in &relevant {
        let item = format!("{} ({clients})", o.var);
        match groups.iter_mut().find(|(v, _)| *v == o.value) {
            Some((_, items)) => items.push(item),
            None => groups.push((&o.value, vec![item])),
        }
    }
    let text: Vec<String> = groups
        .iter()
        .map(|(value, items)| format!("{} = {}", items.join(", "), escape(value)))
        .collect();
    ctx.printer.warn(format!(
        "{} in your environment make{} these clients ignore the bundles listed, so a patch has no effect on them: {}",
        if relevant.len() == 1 { "a variable" } else { "variables" },
        if relevant.len() == 1 { "s" } else { "" },
        text.join("; ")
    ));
    ctx.printer.hint(format!(
        "unset {} (or point {} at a patched bundle) for a patch to take effect; `certpatch find -v` says how each is read",
        if relevant.len() == 1 { "it" } else { "them" },
        if relevant.len() == 1 { "it" } else { "them" },
    ));
}

/// `list`'s one line about lost patches, when there are any.
pub fn lost_line(lost: &[crate::store::ledger::Entry]) -> Option<String> {
    if lost.is_empty() {
        return None;
    }
    let names: Vec<String> = lost
        .iter()
        .take(3)
        .map(|e| format!("{} {}", short(&e.sha256), escape(&e.subject)))
        .collect();
    Some(format!(
        "{} recorded patch(es) no longer in this bundle ({}{}): `certpatch status` says what replaced it, `certpatch reapply` puts them back",
        lost.len(),
        names.join("; "),
        if lost.len() > 3 { "; …" } else { "" }
    ))
}

/// Says that each of `gone` is already gone, and (unless `dry_run`) drops it from the
/// ledger.
pub fn already_gone(
    ctx: &Context,
    gone: &[(std::path::PathBuf, crate::store::ledger::Entry)],
    dry_run: bool,
) {
    for (bundle, e) in gone {
        let message = format!(
            "already gone: {} {} is no longer in {} (an upgrade or reinstall removed it); {}",
            short(&e.sha256),
            escape(&e.subject),
            path_text(bundle),
            if dry_run {
                "it would be dropped from the ledger"
            } else {
                "dropped from the ledger, so `reapply` will not put it back"
            }
        );
        ctx.printer.line(&message);
    }
    if !dry_run && !gone.is_empty() {
        let result = ctx
            .home()
            .and_then(|home| crate::usecase::lost::forget(&home, gone));
        if let Err(e) = result {
            ctx.printer.warn(format!(
                "the ledger was not updated: {}",
                crate::cli::exit::chain(&e)
            ));
        }
    }
}
