//! Finding the missing issuers of a chain: an ordered list of sources (the offline index
//! of intermediates first when there is one, then AIA unless `--offline`), asked in turn
//! for the issuer of the chain's top certificate; each found certificate must sign the
//! certificate it was asked for, and the walk goes up again until the bundle anchors the
//! chain, a root is reached, or the sources or the budget run out.

use crate::bundle::Bundle;
use crate::net::aia::{Attempt, Fetcher};
use crate::net::judge::{anchored, extra, path, OsRoots};
use crate::x509::cert::Cert;

/// A place to look for a certificate's issuer.
pub trait Source {
    /// A short name for messages (`offline index`, `AIA`).
    fn name(&self) -> &'static str;
    /// Certificates that may issue `child`, each with where it came from (e.g. its URL).
    /// Needs not check them: the walk keeps only one that signs `child`.
    fn candidates(&mut self, child: &Cert) -> Vec<(Cert, String)>;
    /// What the source tried (fetches), for the report.
    fn attempts(&self) -> Vec<Attempt> {
        Vec::new()
    }
}

/// AIA "CA Issuers" URLs of the child, fetched with the run's limits.
#[derive(Default)]
pub struct Aia {
    pub fetcher: Fetcher,
}

impl Source for Aia {
    fn name(&self) -> &'static str {
        "AIA"
    }

    fn candidates(&mut self, child: &Cert) -> Vec<(Cert, String)> {
        let mut out = Vec::new();
        for url in extra(child).ca_issuers {
            if let Some(c) = self.fetcher.issuer_of(child, &url) {
                out.push((c, url));
                break;
            }
        }
        out
    }

    fn attempts(&self) -> Vec<Attempt> {
        self.fetcher.attempts.clone()
    }
}

/// The operating system's store (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured): where a
/// company proxy's root lives when the server sends only leaf and intermediate. What it
/// gives is a root, so the walk ends there and only `--allow-root` adds it.
#[derive(Default)]
pub struct OsStore {
    pub roots: OsRoots,
}

impl Source for OsStore {
    fn name(&self) -> &'static str {
        "operating system's store"
    }

    fn candidates(&mut self, child: &Cert) -> Vec<(Cert, String)> {
        self.roots
            .issuer_of(child)
            .map(|c| (c, "the operating system's trusted roots".to_string()))
            .into_iter()
            .collect()
    }
}

/// A found issuer.
#[derive(Clone, Debug)]
pub struct Found {
    pub cert: Cert,
    pub subject: String,
    pub sha256: String,
    /// `AIA`, `offline index`, …
    pub source: &'static str,
    /// The URL or entry it came from.
    pub origin: String,
    /// Whether it is a self-signed root (then only `--allow-root` adds it).
    pub root: bool,
}

/// How the walk ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// The chain plus the found certificates is anchored in the bundle.
    Anchored,
    /// It reached a self-signed root the bundle lacks (found, or sent by the server).
    Root,
    /// No source had the issuer of this subject.
    NotFound(String),
}

/// The most issuers one walk looks for (real chains have one or two intermediates).
pub const MAX_DEPTH: usize = 5;

/// Walks up from the top of `chain` (as sent, leaf first) until `bundle` anchors it.
pub fn walk(
    chain: &[Cert],
    bundle: &Bundle,
    sources: &mut [Box<dyn Source + '_>],
) -> (Vec<Found>, End) {
    let order = path(chain);
    let mut top = chain[*order.last().unwrap()].clone();
    let mut found: Vec<Found> = Vec::new();
    for _ in 0..=MAX_DEPTH {
        if anchored(&top, bundle) {
            return (found, End::Anchored);
        }
        if top.is_self_issued() && top.signed_by(&top) == Ok(true) {
            return (found, End::Root);
        }
        if found.len() == MAX_DEPTH {
            break;
        }
        let mut next = None;
        'sources: for s in sources.iter_mut() {
            for (c, origin) in s.candidates(&top) {
                let fresh = !found.iter().any(|f| f.cert.same_as(&c))
                    && !chain.iter().any(|x| x.same_as(&c));
                if fresh && top.issuer_candidate(&c) && top.signed_by(&c) == Ok(true) {
                    next = Some((c, s.name(), origin));
                    break 'sources;
                }
            }
        }
        let Some((c, source, origin)) = next else {
            return (found, End::NotFound(top.issuer().to_string()));
        };
        let root = c.is_self_issued() && c.signed_by(&c) == Ok(true);
        found.push(Found {
            subject: c.subject().to_string(),
            sha256: c.sha256_hex(),
            source,
            origin,
            root,
            cert: c.clone(),
        });
        top = c;
    }
    (found, End::NotFound(top.issuer().to_string()))
}
