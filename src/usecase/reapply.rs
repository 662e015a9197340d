//! `reapply`: put back the recorded patches a bundle lost (an upgrade, a reinstall, a
//! replaced file) and the configuration's `keep` certificates it lacks. Each certificate
//! is judged again with `add`'s rules against the bundle as it is now — it may have
//! expired, or its issuer may have left the new certifi: the refusal says which — and
//! the ones that pass go through `add` itself (the caller's `add_one`: lock, backup, load
//! check, ledger).

use anyhow::Result;

use crate::accept::validate::{judge, Code, Decision, Rules};
use crate::bundle::Bundle;
use crate::store::config::{Kept, Loaded};
use crate::store::ledger::Ledger;
use crate::target::Target;
use crate::x509::cert::Cert;
use crate::x509::input::{self, Input};
use crate::x509::text::{chain, escape};

/// Why a certificate is wanted back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The ledger records it for this bundle.
    Lost,
    /// The configuration's `keep` names it.
    Kept,
}

/// What became of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Reapplied,
    WouldReapply,
    Refused,
    Failed,
}

/// One certificate `reapply` considered for one bundle.
pub struct Considered {
    pub sha256: String,
    pub subject: String,
    pub why: Why,
    pub status: Status,
    /// Why it was refused: reason codes and messages of `add`'s rules.
    pub reasons: Vec<String>,
}

/// The certificates considered for one bundle, or why it could not be read.
pub struct BundleReapply {
    pub certificates: Vec<Considered>,
    pub error: Option<String>,
}

/// A `keep` entry that gives no certificate.
pub enum KeepProblem {
    /// The file cannot be read as certificates.
    Unreadable { message: String },
    /// A fingerprint the ledger has no copy of.
    NotInLedger { sha256: String },
}

/// The `keep` certificates, read once: files as `add` reads them, fingerprints from the
/// PEM the ledger holds; and the entries that gave none.
pub fn kept(config: &Loaded, ledger: &Ledger) -> (Vec<(Cert, String)>, Vec<KeepProblem>) {
    let mut kept = Vec::new();
    let mut problems = Vec::new();
    for k in config.kept() {
        match k {
            Kept::File(path) => match input::read(&path) {
                Ok(i) => kept.extend(i.certs.into_iter().map(|c| (c, i.source.clone()))),
                Err(e) => problems.push(KeepProblem::Unreadable {
                    message: format!(
                        "keep: {}: {e}",
                        crate::x509::text::path_text(config.path.as_deref().unwrap_or(&path))
                    ),
                }),
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
                    None => problems.push(KeepProblem::NotInLedger { sha256: sha }),
                }
            }
        }
    }
    (kept, problems)
}

/// What `reapply` says about one certificate while it works.
pub enum Step<'s> {
    /// The ledger's PEM does not decode to the recorded certificate.
    DamagedCopy { sha256: &'s str, subject: &'s str },
    /// Refused by `add`'s rules, with the reasons.
    Refused {
        sha256: &'s str,
        subject: &'s str,
        why: Why,
        reasons: &'s [String],
    },
    /// A dry run: it would be put back.
    WouldReapply {
        sha256: &'s str,
        subject: &'s str,
        why: Why,
    },
    /// `add` failed.
    Failed { error: &'s anyhow::Error },
}

/// A certificate to put back into one bundle.
struct Wanted {
    cert: Cert,
    source: String,
    why: Why,
    /// Whether it was added with `--allow-root` (the rules it is checked again under).
    allow_root: bool,
}

/// Reapplies to one bundle. `add_one(input, allow_root)` adds through `add` and says
/// whether it succeeded.
#[allow(clippy::too_many_arguments)]
pub fn one(
    target: &Target,
    ledger: &Ledger,
    index: &crate::pki::Index,
    kept: &[(Cert, String)],
    rules: Rules,
    dry_run: bool,
    say: &dyn Fn(Step),
    add_one: &mut dyn FnMut(&Input, bool) -> Result<bool>,
) -> BundleReapply {
    let mut report = BundleReapply {
        certificates: Vec::new(),
        error: None,
    };
    let bundle = match target.read() {
        Ok(b) => Bundle::parse(b),
        Err(e) => {
            report.error = Some(chain(&e));
            return report;
        }
    };
    // What this bundle should hold and does not: its lost patches (in the order they were
    // recorded, so a root comes back before the intermediate it issued), then the kept ones.
    let mut wanted: Vec<Wanted> = Vec::new();
    for e in crate::health::lost_entries(ledger, &target.path, &bundle) {
        match input::parse(e.pem.as_bytes(), &e.source)
            .ok()
            .and_then(|mut c| c.pop())
            .filter(|c| c.sha256_hex() == e.sha256)
        {
            Some(c) => wanted.push(Wanted {
                cert: c,
                source: e.source.clone(),
                why: Why::Lost,
                allow_root: e.allow_root,
            }),
            None => {
                say(Step::DamagedCopy {
                    sha256: &e.sha256,
                    subject: &e.subject,
                });
                report.certificates.push(Considered {
                    sha256: e.sha256.clone(),
                    subject: e.subject.clone(),
                    why: Why::Lost,
                    status: Status::Failed,
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
                why: Why::Kept,
                allow_root: false,
            });
        }
    }
    if wanted.is_empty() {
        return report;
    }
    let package = crate::store::provenance::of(&target.path);
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
                    Code::IssuerMissing
                        if crate::health::removed_root(&w.cert, &current, index).is_none() =>
                    {
                        format!(
                            "issuer-missing: its issuer {} is not in this bundle{}: either it left certifi, or it was never part of certifi (pasted by hand; `certpatch adopt` tracks pasted certificates so that reapply puts them back too); add the issuer again (`certpatch add ISSUER.pem`, `--allow-root` for a root), then reapply",
                            escape(w.cert.issuer()),
                            package
                                .as_ref()
                                .map(|p| format!(" ({})", escape(&p.to_string())))
                                .unwrap_or_default()
                        )
                    }
                    Code::IssuerMissing => format!(
                        "issuer-missing: its issuer {} is no longer in this bundle{}; it left certifi, so this intermediate cannot be used with it",
                        escape(w.cert.issuer()),
                        package
                            .as_ref()
                            .map(|p| format!(" ({})", escape(&p.to_string())))
                            .unwrap_or_default()
                    ),
                    code => format!("{}: {}", code.as_str(), escape(&f.message)),
                })
                .collect();
            say(Step::Refused {
                sha256: &sha,
                subject: &subject,
                why: w.why,
                reasons: &reasons,
            });
            report.certificates.push(Considered {
                sha256: sha,
                subject,
                why: w.why,
                status: Status::Refused,
                reasons,
            });
            continue;
        }
        if dry_run {
            say(Step::WouldReapply {
                sha256: &sha,
                subject: &subject,
                why: w.why,
            });
            report.certificates.push(Considered {
                sha256: sha,
                subject,
                why: w.why,
                status: Status::WouldReapply,
                reasons: Vec::new(),
            });
            continue;
        }
        let input = Input {
            certs: vec![w.cert.clone()],
            source: w.source.clone(),
        };
        let status = match add_one(&input, w.allow_root) {
            Ok(true) => Status::Reapplied,
            Ok(false) => Status::Refused,
            Err(error) => {
                say(Step::Failed { error: &error });
                Status::Failed
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
