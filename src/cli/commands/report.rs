//! Showing what the acceptance rules decided: the input, and each certificate's verdict
//! against each bundle, as text for a person or as JSON. Shared by `check` and `add`.

use std::path::Path;

use serde::Serialize;

use super::{cert_json, CertJson, Context};
use crate::accept::validate::{Decision, Finding, Verdict};
use crate::cli::exit::Outcome;
use crate::cli::json::{self, Failure};
use crate::cli::output::{bounded, escape, path_text, short, MAX_LISTED};
use crate::target::Target;
use crate::x509::input::{self, Input, InputError};

/// Reads FILE, printing a refusal of the whole input (and the JSON document) on failure.
pub fn read_input(ctx: &Context, command: &str, file: &Path) -> Result<Input, Outcome> {
    input::read(file).map_err(|err: InputError| {
        let message = bounded(&err.to_string()).into_owned();
        ctx.printer.error(&message);
        if command != "check" {
            ctx.printer.error_detail("nothing was written.");
        }
        ctx.printer
            .document(&json::failure(command, Failure::new(err.code(), message)));
        Outcome::Failure
    })
}

pub fn input_json(input: &Input) -> InputJson {
    InputJson {
        certificates: input.certs.iter().map(cert_json).collect(),
        source: input.source.clone(),
    }
}

/// The certificates read from FILE (`input` in `check`'s and `add`'s documents).
#[derive(Serialize)]
pub struct InputJson {
    pub certificates: Vec<CertJson>,
    /// FILE's name.
    pub source: String,
}

pub fn verdicts_json(verdicts: &[Verdict]) -> Vec<VerdictJson> {
    verdicts
        .iter()
        .map(|v| {
            let c = cert_json(v.cert);
            VerdictJson {
                decision: v.decision,
                issuer: c.issuer,
                key: c.key,
                label: c.label,
                not_after: c.not_after,
                not_before: c.not_before,
                reasons: v.reasons.clone(),
                serial: c.serial,
                sha256: c.sha256,
                signature: c.signature,
                subject: c.subject,
                warnings: v.warnings.clone(),
            }
        })
        .collect()
}

/// What the rules decided about one certificate of FILE for one bundle: the keys of
/// [`CertJson`] plus `decision`, `reasons` and `warnings`, spelled out to keep the
/// alphabetical order the JSON has always had.
#[derive(Serialize)]
pub struct VerdictJson {
    pub decision: Decision,
    pub issuer: String,
    pub key: String,
    pub label: String,
    pub not_after: String,
    pub not_before: String,
    pub reasons: Vec<Finding>,
    pub serial: String,
    pub sha256: String,
    pub signature: String,
    pub subject: String,
    pub warnings: Vec<Finding>,
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
                let leaf = !ctx.verbose && v.reasons.iter().any(|r| r.code == "not-ca");
                let shown: Vec<_> = v
                    .reasons
                    .iter()
                    .filter(|r| !leaf || r.code == "not-ca")
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
            .filter(|w| w.code != "leaf-skipped")
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
            key.push_str(&format!(":{}={}", r.code, r.message));
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
