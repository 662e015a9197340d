//! `certpatch reapply [targets] [--dry-run]`: puts back the recorded patches a bundle lost
//! (an upgrade, a reinstall, a replaced file) and the configuration's `keep` certificates
//! it lacks. Each certificate is judged again with `add`'s rules at `--at` (or now)
//! against the bundle as it is now — it may have expired, or its issuer may have left the
//! new certifi: the refusal says which — and the ones that pass go through `add` itself
//! (lock, backup, load check, ledger). Running it twice changes nothing the second time.

use anyhow::Result;
use serde::Serialize;

use super::add::{add_to, AddArgs};
use super::Context;
use crate::accept::validate::{judge, Decision, Rules};
use crate::bundle::Bundle;
use crate::cli::exit::Outcome;
use crate::cli::json::Document;
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::Targets;
use crate::health;
use crate::store::config::{self, Kept};
use crate::store::ledger::{self, Ledger};
use crate::target::Target;
use crate::x509::cert::Cert;
use crate::x509::clock::now_rfc3339;
use crate::x509::input::{self, Input};

/// One certificate `reapply` considered for one bundle.
#[derive(Serialize)]
pub struct Considered {
    pub sha256: String,
    pub subject: String,
    /// `lost` (the ledger records it) or `kept` (config.toml's `keep`).
    pub why: &'static str,
    /// `reapplied`, `would-reapply`, `refused`, `failed`.
    pub status: &'static str,
    /// Why it was refused: reason codes and messages of `add`'s rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

#[derive(Serialize)]
pub struct BundleReapply<'a> {
    pub target: crate::target::TargetJson<'a>,
    pub certificates: Vec<Considered>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `reapply --json`'s own keys.
#[derive(Serialize)]
pub struct ReapplyExtra<'a> {
    pub dry_run: bool,
    /// Why the ledger could not be read (then only `keep` certificates are considered).
    pub ledger_error: Option<String>,
    pub notes: &'a [String],
}

pub fn run(ctx: &Context, targets: &Targets, dry_run: bool) -> Result<Outcome> {
    let p = &ctx.printer;
    let config = config::load()?;
    let all = targets.all;
    let (targets, notes) = ctx.targets_with(targets, &config)?;
    let home = ctx.home()?;
    let (ledger, ledger_error) = match ledger::read(&home) {
        Ok(l) => (l, None),
        Err(e) => {
            let message = crate::cli::exit::chain(&e);
            p.error(&message);
            (Ledger::default(), Some(message))
        }
    };
    let mut outcome = Outcome::from_ok(ledger_error.is_none());
    // The `keep` certificates, read once: files as `add` reads them, fingerprints from the
    // PEM the ledger holds.
    let mut kept: Vec<(Cert, String)> = Vec::new();
    for k in config.kept() {
        match k {
            Kept::File(path) => match input::read(&path) {
                Ok(i) => kept.extend(i.certs.into_iter().map(|c| (c, i.source.clone()))),
                Err(e) => {
                    p.error(format!(
                        "keep: {}: {e}",
                        path_text(config.path.as_deref().unwrap_or(&path))
                    ));
                    outcome = Outcome::Failure;
                }
            },
            Kept::Fingerprint(sha) => {
                let from_ledger = ledger
                    .patches
                    .iter()
                    .find(|e| e.sha256 == sha)
                    .and_then(|e| {
                        input::parse(e.pem.as_bytes(), &e.source)
                            .ok()
                            .and_then(|mut c| c.pop())
                            .map(|c| (c, e.source.clone()))
                    });
                match from_ledger {
                    Some(c) => kept.push(c),
                    None => {
                        p.error(format!(
                            "keep: {sha} is not in the ledger, so certpatch has no copy of it; name its file in `keep` instead"
                        ));
                        outcome = Outcome::Failure;
                    }
                }
            }
        }
    }
    if !dry_run {
        // Only the bundles reapply could write to: those the ledger (or `keep`) names.
        let writable: Vec<Target> = targets
            .iter()
            .filter(|t| {
                !kept.is_empty()
                    || ledger
                        .patches
                        .iter()
                        .any(|e| e.bundle == t.path.to_string_lossy())
            })
            .cloned()
            .collect();
        ctx.confirm_write(all, &writable)?;
    }
    let rules = Rules {
        at: ctx.at,
        allow_root: false,
        python_3_13: None,
    };
    let mut reports = Vec::new();
    for target in &targets {
        let report = one(ctx, target, &ledger, &kept, rules, dry_run);
        if report.error.is_some()
            || report
                .certificates
                .iter()
                .any(|c| matches!(c.status, "refused" | "failed"))
        {
            outcome = Outcome::Failure;
        }
        reports.push(report);
    }
    let total: usize = reports
        .iter()
        .map(|r| {
            r.certificates
                .iter()
                .filter(|c| matches!(c.status, "reapplied" | "would-reapply"))
                .count()
        })
        .sum();
    if reports.iter().all(|r| r.certificates.is_empty()) && ledger_error.is_none() {
        p.line("nothing to reapply: every recorded patch is present");
    } else if total > 0 {
        p.line(format!(
            "{} {} certificate(s){}; `certpatch status` shows the result",
            p.tone(
                Tone::Good,
                if dry_run {
                    "would reapply"
                } else {
                    "reapplied"
                }
            ),
            total,
            if dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        ));
    }
    p.document(&Document {
        command: "reapply",
        ok: outcome == Outcome::Success,
        error: None,
        bundles: reports,
        extra: ReapplyExtra {
            dry_run,
            ledger_error,
            notes: &notes,
        },
    });
    Ok(outcome)
}

/// A certificate to put back into one bundle.
struct Wanted {
    cert: Cert,
    source: String,
    why: &'static str,
    /// Whether it was added with `--allow-root` (the rules it is checked again under).
    allow_root: bool,
}

fn one<'a>(
    ctx: &Context,
    target: &'a Target,
    ledger: &Ledger,
    kept: &[(Cert, String)],
    rules: Rules,
    dry_run: bool,
) -> BundleReapply<'a> {
    let p = &ctx.printer;
    let mut report = BundleReapply {
        target: target.json(),
        certificates: Vec::new(),
        error: None,
    };
    let bundle = match target.read() {
        Ok(b) => Bundle::parse(b),
        Err(e) => {
            let message = crate::cli::exit::chain(&e);
            p.error(format!("{}: {message}", path_text(&target.path)));
            report.error = Some(message);
            return report;
        }
    };
    // What this bundle should hold and does not: its lost patches (in the order they were
    // recorded, so a root comes back before the intermediate it issued), then the kept ones.
    let mut wanted: Vec<Wanted> = Vec::new();
    for e in health::lost_entries(ledger, &target.path, &bundle) {
        match input::parse(e.pem.as_bytes(), &e.source)
            .ok()
            .and_then(|mut c| c.pop())
            .filter(|c| c.sha256_hex() == e.sha256)
        {
            Some(c) => wanted.push(Wanted {
                cert: c,
                source: e.source.clone(),
                why: "lost",
                allow_root: e.allow_root,
            }),
            None => {
                p.error(format!(
                    "{}: the ledger's copy of {} ({}) does not decode to that certificate; add it again from its file",
                    path_text(&target.path),
                    short(&e.sha256),
                    escape(&e.subject)
                ));
                report.certificates.push(Considered {
                    sha256: e.sha256.clone(),
                    subject: e.subject.clone(),
                    why: "lost",
                    status: "failed",
                    reasons: vec!["the ledger's PEM is damaged".into()],
                });
            }
        }
    }
    for (c, source) in kept {
        let have = bundle.contains(c) || wanted.iter().any(|w| w.cert.sha256() == c.sha256());
        if !have {
            wanted.push(Wanted {
                cert: c.clone(),
                source: source.clone(),
                why: "kept",
                allow_root: false,
            });
        }
    }
    if wanted.is_empty() {
        return report;
    }
    let package = crate::store::provenance::of(&target.path);
    let when = now_rfc3339();
    let mut current = bundle;
    for i in 0..wanted.len() {
        let w = &wanted[i];
        let sha = w.cert.sha256_hex();
        let subject = w.cert.subject().to_string();
        let rules = Rules {
            allow_root: w.allow_root,
            ..rules
        };
        // Judged with the certificates still to come (an issuer among them counts, as
        // in a chain file given to `add`), against the bundle as it is now.
        let rest: Vec<Cert> = wanted[i..].iter().map(|w| w.cert.clone()).collect();
        let verdicts = judge(&rest, &current, rules);
        let verdict = &verdicts[0];
        if verdict.decision == Decision::Refused {
            let reasons: Vec<String> = verdict
                .reasons
                .iter()
                .map(|f| match f.code {
                    // Only for a root certifi's history shows removed is "it left certifi"
                    // certain; an issuer pasted by hand was never part of the package.
                    "issuer-missing" if health::removed_root(&w.cert, &current).is_none() => format!(
                        "issuer-missing: its issuer {} is not in this bundle{}: either it left certifi, or it was never part of certifi (pasted by hand; `certpatch adopt` tracks pasted certificates so that reapply puts them back too); add the issuer again (`certpatch add ISSUER.pem`, `--allow-root` for a root), then reapply",
                        escape(w.cert.issuer()),
                        package
                            .as_ref()
                            .map(|p| format!(" ({})", escape(&p.to_string())))
                            .unwrap_or_default()
                    ),
                    "issuer-missing" => format!(
                        "issuer-missing: its issuer {} is no longer in this bundle{}; it left certifi, so this intermediate cannot be used with it",
                        escape(w.cert.issuer()),
                        package
                            .as_ref()
                            .map(|p| format!(" ({})", escape(&p.to_string())))
                            .unwrap_or_default()
                    ),
                    code => format!("{code}: {}", escape(&f.message)),
                })
                .collect();
            p.error(format!(
                "{}: not reapplied: {}  {} ({}):",
                path_text(&target.path),
                short(&sha),
                escape(&subject),
                w.why
            ));
            for r in &reasons {
                p.error_detail(format!("    {r}"));
            }
            report.certificates.push(Considered {
                sha256: sha,
                subject,
                why: w.why,
                status: "refused",
                reasons,
            });
            continue;
        }
        if dry_run {
            p.line(format!(
                "{}: would reapply {}  {} ({})",
                path_text(&target.path),
                short(&sha),
                escape(&subject),
                w.why
            ));
            report.certificates.push(Considered {
                sha256: sha,
                subject,
                why: w.why,
                status: "would-reapply",
                reasons: Vec::new(),
            });
            continue;
        }
        let input = Input {
            certs: vec![w.cert.clone()],
            source: w.source.clone(),
        };
        let args = AddArgs {
            file: std::path::Path::new("-"),
            targets: &Targets::default(),
            dry_run: false,
            allow_root: w.allow_root,
            output: None,
            with_issuers: false,
        };
        let status = match add_to(ctx, &input, target, &args, rules, &when) {
            Ok(r) if r.outcome == Outcome::Success => "reapplied",
            Ok(_) => "refused",
            Err(e) => {
                p.error(format!(
                    "{}: {}",
                    path_text(&target.path),
                    crate::cli::exit::chain(&e)
                ));
                "failed"
            }
        };
        report.certificates.push(Considered {
            sha256: sha,
            subject,
            why: w.why,
            status,
            reasons: Vec::new(),
        });
        if let Ok(bytes) = target.read() {
            current = Bundle::parse(bytes);
        }
    }
    report
}
