//! `status`: for each target bundle its health ([`crate::health::status`]), whether
//! anything needs the user, and what to run next — as typed steps the command line
//! writes out.

use std::path::PathBuf;

use time::OffsetDateTime;

use crate::discover::Host;
use crate::health::adopt::{self, Found};
use crate::health::{self, BundleStatus, State};
use crate::store::home::Home;
use crate::store::ledger;
use crate::target::Target;
use crate::usecase::knowledge::Knowledge;
use crate::x509::text::chain;

/// What `status` needs.
pub struct Request<'a> {
    pub targets: &'a [Target],
    pub host: &'a Host,
    pub home: Option<&'a Home>,
    pub at: OffsetDateTime,
    pub warning_days: u32,
    pub knowledge: &'a Knowledge,
}

/// What `status` found.
pub struct Report<'a> {
    /// Each target with its health, in the targets' order.
    pub bundles: Vec<(&'a Target, BundleStatus)>,
    /// The ledger's path (`None` without a home folder).
    pub ledger_path: Option<PathBuf>,
    /// Why the ledger could not be read.
    pub ledger_error: Option<String>,
    /// What to run next, without repeats, in the order found (empty: all is well).
    pub next: Vec<Next>,
    /// Whether anything needs the user (exit 1).
    pub attention: bool,
}

/// One thing to run next, for the bundle at `bundle`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// `certpatch reapply` for a bundle that lost patches `reapply` can put back.
    Reapply { bundle: PathBuf },
    /// Certificates pasted by hand after the package's own file (`certs` of them, a root
    /// among them when `root`): adopt them as tracked patches (a reinstall would drop
    /// them, and every patch they issue).
    Adopt {
        bundle: PathBuf,
        certs: usize,
        root: bool,
    },
    /// Reinstall the owning package (its command, when known), then `reapply`.
    Reinstall {
        bundle: PathBuf,
        command: Option<String>,
    },
    /// Add a new certificate and remove the expiring one.
    Replace {
        bundle: PathBuf,
        sha256: String,
        subject: String,
        not_after: String,
    },
    /// What a client's setting needs (the finding's own words).
    Client { fix: String },
    /// The ledger cannot be read: fix or move it aside.
    FixLedger { path: Option<PathBuf> },
}

pub fn run<'a>(req: &Request<'a>) -> Report<'a> {
    let (ledger, ledger_error) = match req.home.map(ledger::read) {
        Some(Ok(l)) => (Some(l), None),
        Some(Err(e)) => (None, Some(chain(&e))),
        None => (None, None),
    };
    let inputs = health::Inputs {
        host: req.host,
        home: req.home,
        ledger: ledger.as_ref(),
        at: req.at,
        warning_days: req.warning_days,
        index: req.knowledge.index(),
    };
    let mut next: Vec<Next> = Vec::new();
    let mut push = |n: Next| {
        if !next.contains(&n) {
            next.push(n);
        }
    };
    let mut attention = ledger_error.is_some();
    let mut bundles = Vec::new();
    for target in req.targets {
        let s = health::status(target, &inputs);
        attention |= s.needs_attention();
        // `reapply` cannot put back a patch whose root certifi removed: not a next step
        // when every lost patch is one.
        if s.lost.iter().any(|l| l.removed_root.is_none()) {
            push(Next::Reapply {
                bundle: target.path.clone(),
            });
        }
        if let State::Edited { .. } = &s.state {
            push(edited_next(target, &s));
        }
        for e in &s.expiring {
            push(Next::Replace {
                bundle: target.path.clone(),
                sha256: e.sha256.clone(),
                subject: e.subject.clone(),
                not_after: e.not_after.clone(),
            });
        }
        for f in &s.clients {
            push(Next::Client { fix: f.fix.clone() });
        }
        bundles.push((target, s));
    }
    let ledger_path = req.home.map(|h| h.ledger_path());
    if ledger_error.is_some() {
        push(Next::FixLedger {
            path: ledger_path.clone(),
        });
    }
    Report {
        bundles,
        ledger_path,
        ledger_error,
        next,
        attention,
    }
}

/// What to do about a bundle something else edited. Certificates pasted after the
/// package's own file (the manual recipe) are adopted, never reinstalled away: a reinstall
/// would drop them, and with them every patch they issue. Otherwise the reinstall.
fn edited_next(target: &Target, s: &BundleStatus) -> Next {
    let found = target.read().ok().map(|bytes| {
        let bundle = crate::bundle::Bundle::parse(bytes.clone());
        adopt::find(
            &bytes,
            &bundle,
            s.record.as_ref().map(|r| r.sha256.as_str()),
        )
    });
    if let Some(Found::Edit(edit)) = found {
        return Next::Adopt {
            bundle: target.path.clone(),
            certs: edit.certs.len(),
            root: edit.certs.iter().any(|c| c.is_self_signed()),
        };
    }
    Next::Reinstall {
        bundle: target.path.clone(),
        command: s.package.as_ref().map(|p| p.reinstall_command()),
    }
}
