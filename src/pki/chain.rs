//! Chain completion: from a certificate whose issuer a bundle lacks, up through the
//! index's intermediates to a root of the bundle (bounded depth, no certificate twice),
//! and, where the chain ends instead at a root certifi shipped but this bundle lacks
//! (certifi removed it), that dead end with the root's history.
//!
//! Every link is a verified signature, not only a matching name; the certificates found
//! are still only candidates for the acceptance rules.

use crate::bundle::Bundle;
use crate::pki::index::Index;
use crate::pki::roots::{RootHistory, Roots};
use crate::x509::cert::Cert;

/// The most intermediates between a certificate and a root that completion adds.
pub const MAX_DEPTH: usize = 5;

/// The most signature checks one completion makes.
pub const MAX_SIGNATURE_CHECKS: usize = 400;

/// A chain that ends at a root this bundle lacks but certifi shipped.
#[derive(Clone, Debug)]
pub struct DeadEnd {
    /// The index's intermediates between the certificate and the root, nearest first.
    pub via: Vec<Cert>,
    pub root: RootHistory,
}

/// What completion found for one certificate against one bundle.
#[derive(Clone, Debug, Default)]
pub struct Completion {
    /// The issuers to add so the certificate chains to a root of the bundle, nearest
    /// first (empty when the bundle already has the issuer); `None` when the index has no
    /// such path.
    pub path: Option<Vec<Cert>>,
    /// Chains that end at a root certifi shipped that the bundle lacks.
    pub dead_ends: Vec<DeadEnd>,
    /// Whether the search stopped at its budget of signature checks.
    pub exhausted: bool,
}

struct Search<'a> {
    bundle: &'a Bundle,
    index: &'a Index,
    roots: &'a Roots,
    checks: usize,
    best: Option<Vec<Cert>>,
    dead_ends: Vec<DeadEnd>,
    exhausted: bool,
}

impl Search<'_> {
    fn signs(&mut self, child: &Cert, issuer: &Cert) -> bool {
        if self.checks >= MAX_SIGNATURE_CHECKS {
            self.exhausted = true;
            return false;
        }
        self.checks += 1;
        child.signed_by(issuer) == Ok(true)
    }

    fn walk(&mut self, cert: &Cert, via: &mut Vec<Cert>) {
        let in_bundle: Vec<Cert> = self
            .bundle
            .certs
            .iter()
            .filter(|b| cert.issuer_candidate(b))
            .cloned()
            .collect();
        for b in in_bundle {
            if self.signs(cert, &b) {
                if self.best.as_ref().is_none_or(|p| p.len() > via.len()) {
                    self.best = Some(via.clone());
                }
                return;
            }
        }
        let roots: Vec<RootHistory> = self
            .roots
            .issuer_candidates(cert)
            .filter(|r| !self.bundle.contains(&r.cert))
            .cloned()
            .collect();
        for root in roots {
            if self.signs(cert, &root.cert)
                && !self
                    .dead_ends
                    .iter()
                    .any(|d| d.root.cert.sha256() == root.cert.sha256() && d.via.len() <= via.len())
            {
                self.dead_ends.push(DeadEnd {
                    via: via.clone(),
                    root,
                });
            }
        }
        if via.len() >= MAX_DEPTH || self.best.as_ref().is_some_and(|p| p.len() <= via.len() + 1) {
            return;
        }
        for next in self.index.issuer_candidates(cert) {
            let seen =
                next.sha256() == cert.sha256() || via.iter().any(|v| v.sha256() == next.sha256());
            // A self-signed certificate ends a chain; it is no intermediate to add.
            if seen || next.is_self_issued() || !self.signs(cert, &next) {
                continue;
            }
            via.push(next.clone());
            self.walk(&next, via);
            via.pop();
        }
    }
}

/// Completes `cert`'s chain against `bundle` through `index`, and finds where it ends at a
/// root certifi removed (from `roots`).
pub fn complete(cert: &Cert, bundle: &Bundle, index: &Index, roots: &Roots) -> Completion {
    let mut s = Search {
        bundle,
        index,
        roots,
        checks: 0,
        best: None,
        dead_ends: Vec::new(),
        exhausted: false,
    };
    s.walk(cert, &mut Vec::new());
    // Only the bundle's absence of a root makes a dead end; keep the shortest per root.
    s.dead_ends.sort_by_key(|d| d.via.len());
    Completion {
        path: s.best,
        dead_ends: s.dead_ends,
        exhausted: s.exhausted,
    }
}
