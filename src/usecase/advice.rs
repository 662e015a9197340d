//! Offline advice for `check` and `add` (and `reapply`, `fix` through `add`): for every
//! certificate refused because its issuer is not in the bundle, the index's path to a
//! bundle root (offered in the refusal, or added with `--with-issuers`) or the root
//! certifi removed that its chain ends at (explained in words, with the actions that can
//! work, instead of "add that issuer first"). With `--with-issuers`, an issuer the index
//! does not know is then fetched from the certificate's AIA "CA Issuers" URL (the
//! contract's "offline index, then AIA"), with the net layer's limits and the run's one
//! fetcher ([`Knowledge::aia`]); whatever is found only joins the input, which `add`
//! judges as usual.

use crate::accept::validate::{Code, Verdict};
use crate::bundle::Bundle;
use crate::net::aia::Attempt;
use crate::net::issuers::{walk, End, Source};
use crate::pki::advice::RemovedRoot;
use crate::pki::chain::Completion;
use crate::pki::complete;
use crate::usecase::knowledge::Knowledge;
use crate::x509::cert::Cert;
use crate::x509::input::Input;
use crate::x509::text::{escape, short};

/// What the index and the root history say about one certificate of the input.
pub struct Known {
    pub sha256: [u8; 32],
    pub completion: Completion,
}

/// The input to judge for one bundle: the user's certificates, preceded (with
/// `--with-issuers`) by the issuers found in the index, each with its patch source.
pub struct Prepared {
    pub input: Input,
    pub sources: Vec<String>,
    /// How many issuers from the index (or AIA) precede the user's certificates.
    pub from_index: usize,
    pub known: Vec<Known>,
    /// The AIA fetches made for this input (with `--with-issuers`).
    pub fetches: Vec<Attempt>,
}

/// What certpatch knows offline about one bundle's missing issuers.
#[derive(Default)]
pub struct Offline {
    /// Issuers found in the index (added with `--with-issuers`, else offered).
    pub issuers: Vec<Issuer>,
    /// Chains that end at a root certifi removed.
    pub removed_roots: Vec<Removed>,
    /// AIA fetches made with `--with-issuers` for issuers the index does not know.
    pub fetches: Vec<Attempt>,
}

/// An issuer the index has.
pub struct Issuer {
    pub sha256: String,
    pub subject: String,
    /// The certificate it issued (its subject, or the patch source of an added issuer).
    pub issues: String,
}

/// A certificate of the input whose chain ends at a root certifi removed.
pub struct Removed {
    /// The certificate's SHA-256 and name.
    pub certificate: String,
    pub certificate_name: String,
    pub root: RemovedRoot,
}

impl Prepared {
    /// The input as given, with nothing known (when the bundle cannot be read).
    pub fn plain(input: &Input) -> Prepared {
        Prepared {
            input: Input {
                certs: input.certs.clone(),
                source: input.source.clone(),
            },
            sources: input.certs.iter().map(|_| input.source.clone()).collect(),
            from_index: 0,
            known: Vec::new(),
            fetches: Vec::new(),
        }
    }
}

/// The most certificates of one input whose issuers are looked up (real inputs hold one
/// to a handful; an input of many same-named certificates must not multiply the work).
pub const MAX_LOOKED_UP: usize = 8;

/// Looks the missing issuers of `input` up against `bundle` and, with `with_issuers`,
/// puts the issuers found in front of the input.
pub fn prepare(
    knowledge: &Knowledge,
    input: &Input,
    bundle: &Bundle,
    with_issuers: bool,
) -> Prepared {
    let index = knowledge.index();
    // No judgement here (`add` judges once, under its signature budget): a certificate is
    // looked up when no certificate of the bundle or of the input has its issuer's name.
    // At most MAX_LOOKED_UP of them, each with completion's own bounded search.
    let mut known = Vec::new();
    for cert in &input.certs {
        if known.len() >= MAX_LOOKED_UP {
            break;
        }
        let named = |c: &Cert| !c.same_as(cert) && cert.issuer_candidate(c);
        if cert.is_self_issued()
            || bundle.contains(cert)
            || bundle.certs.iter().any(named)
            || input.certs.iter().any(named)
        {
            continue;
        }
        known.push(Known {
            sha256: cert.sha256(),
            completion: complete(cert, bundle, index, knowledge.roots()),
        });
    }
    let mut issuers: Vec<(Cert, String)> = Vec::new();
    let mut fetches = Vec::new();
    if with_issuers {
        let date = &index.date;
        for k in &known {
            let Some(path) = &k.completion.path else {
                continue;
            };
            let cert = input.certs.iter().find(|c| c.sha256() == k.sha256).unwrap();
            for (n, issuer) in path.iter().enumerate() {
                let below = if n == 0 { cert } else { &path[n - 1] };
                let dup = issuers.iter().any(|(c, _)| c.same_as(issuer))
                    || input.certs.iter().any(|c| c.same_as(issuer));
                if !dup {
                    issuers.push((
                        issuer.clone(),
                        format!(
                            "issuer of {} (certpatch offline index {date}) for {}",
                            below.name(),
                            input.source
                        ),
                    ));
                }
            }
        }
        fetches = from_aia(knowledge, input, bundle, &known, &mut issuers);
        // Nearest the root first, as a chain is read top-down in a bundle.
        issuers.reverse();
    }
    let from_index = issuers.len();
    let mut sources: Vec<String> = issuers.iter().map(|(_, s)| s.clone()).collect();
    sources.extend(input.certs.iter().map(|_| input.source.clone()));
    let mut certs: Vec<Cert> = issuers.into_iter().map(|(c, _)| c).collect();
    certs.extend(input.certs.iter().cloned());
    Prepared {
        input: Input {
            certs,
            source: input.source.clone(),
        },
        sources,
        from_index,
        known,
        fetches,
    }
}

/// The run's AIA fetcher ([`Knowledge::aia`]) as a source of the walk.
struct RunAia<'k>(&'k Knowledge);

impl Source for RunAia<'_> {
    fn name(&self) -> &'static str {
        "AIA"
    }

    fn candidates(&mut self, child: &Cert) -> Vec<(Cert, String)> {
        self.0.aia.borrow_mut().candidates(child)
    }

    fn attempts(&self) -> Vec<Attempt> {
        self.0.aia.borrow().attempts()
    }
}

/// For each looked-up certificate the index has no path for (and whose chain does not
/// end at a removed root), walks up through AIA; the issuers found join `issuers`
/// (leaf side first) when they complete the chain to a root of `bundle`. Returns the
/// fetches made for this input.
fn from_aia(
    knowledge: &Knowledge,
    input: &Input,
    bundle: &Bundle,
    known: &[Known],
    issuers: &mut Vec<(Cert, String)>,
) -> Vec<Attempt> {
    let wanted: Vec<&Cert> = known
        .iter()
        .filter(|k| k.completion.path.is_none() && k.completion.dead_ends.is_empty())
        .filter_map(|k| input.certs.iter().find(|c| c.sha256() == k.sha256))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let before = RunAia(knowledge).attempts().len();
    let mut sources: Vec<Box<dyn Source>> = vec![Box::new(RunAia(knowledge))];
    for cert in wanted {
        let (found, end) = walk(std::slice::from_ref(cert), bundle, &mut sources);
        if end != End::Anchored {
            continue;
        }
        let mut below = cert;
        for f in &found {
            let dup = issuers.iter().any(|(c, _)| c.sha256() == f.cert.sha256())
                || input.certs.iter().any(|c| c.sha256() == f.cert.sha256());
            if !dup {
                issuers.push((
                    f.cert.clone(),
                    format!(
                        "issuer of {} (AIA {}) for {}",
                        below.name(),
                        f.origin,
                        input.source
                    ),
                ));
            }
            below = &f.cert;
        }
    }
    let attempts = RunAia(knowledge).attempts();
    attempts[before.min(attempts.len())..].to_vec()
}

/// Rewrites the "issuer not in the bundle" reasons the index can say more about (an
/// `issuer-missing` whose chain ends at a removed root becomes `root-removed`), and
/// returns what is known offline.
pub fn explain(knowledge: &Knowledge, verdicts: &mut [Verdict], prepared: &Prepared) -> Offline {
    let mut offline = Offline {
        fetches: prepared.fetches.clone(),
        ..Offline::default()
    };
    for i in 0..prepared.from_index {
        let c = &prepared.input.certs[i];
        offline.issuers.push(Issuer {
            sha256: c.sha256_hex(),
            subject: c.subject().to_string(),
            issues: prepared.sources[i].clone(),
        });
    }
    for v in verdicts.iter_mut() {
        let Some(k) = prepared.known.iter().find(|k| k.sha256 == v.cert.sha256()) else {
            continue;
        };
        let Some(reason) = v.reasons.iter_mut().find(|r| r.code == Code::IssuerMissing) else {
            continue;
        };
        let c = &k.completion;
        match (&c.path, c.dead_ends.first()) {
            (Some(path), end) if !path.is_empty() => {
                let names = path
                    .iter()
                    .map(|i| format!("`{}` (sha256 {})", i.name(), short(&i.sha256_hex())))
                    .collect::<Vec<_>>()
                    .join(", then ");
                let removed = end
                    .map(|e| {
                        format!(
                            "`{}` was removed from certifi in {}, but ",
                            escape(e.root.cert.name()),
                            e.root.removed_in.as_deref().unwrap_or("a later release")
                        )
                    })
                    .unwrap_or_default();
                reason.message = format!(
                    "its issuer `{}` is not in the bundle; {removed}certpatch knows the issuer: {names} (offline index {}) — add it too with `--with-issuers`",
                    v.cert.issuer(),
                    knowledge.index().date
                );
                if !prepared.input.certs[..prepared.from_index].is_empty() {
                    continue;
                }
                for i in path {
                    offline.issuers.push(Issuer {
                        sha256: i.sha256_hex(),
                        subject: i.subject().to_string(),
                        issues: v.cert.subject().to_string(),
                    });
                }
            }
            (_, Some(end)) => {
                let root = RemovedRoot::new(end, v.cert.name());
                reason.code = Code::RootRemoved;
                reason.message.clone_from(&root.reason);
                offline.removed_roots.push(Removed {
                    certificate: v.cert.sha256_hex(),
                    certificate_name: v.cert.name().to_string(),
                    root,
                });
            }
            _ => {}
        }
    }
    offline
}
