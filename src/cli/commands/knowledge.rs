//! The offline knowledge `check` and `add` use (the `pki` layer): for every certificate
//! refused because its issuer is not in the bundle, the index's path to a bundle root
//! (offered in the refusal, or added with `--with-issuers`) or the root certifi removed
//! that its chain ends at (explained in words, with the actions that can work, instead
//! of "add that issuer first"). With `--with-issuers`, an issuer the index does not know
//! is then fetched from the certificate's AIA "CA Issuers" URL (the contract's "offline
//! index, then AIA"), with the net layer's limits; whatever is found only joins the input,
//! which `add` judges as usual.

use serde::Serialize;

use crate::accept::validate::Verdict;
use crate::bundle::Bundle;
use crate::cli::commands::Context;
use crate::cli::output::short;
use crate::net::aia::Attempt;
use crate::net::issuers::{walk, Aia, End, Source};
use crate::pki::chain::Completion;
use crate::pki::roots::Roots;
use crate::pki::{advice, complete, index};
use crate::x509::cert::Cert;
use crate::x509::input::Input;
use crate::x509::text::escape;

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

/// The JSON of what certpatch knows offline, per bundle (`offline` in `check`/`add`).
#[derive(Serialize, Default)]
pub struct OfflineJson {
    /// Issuers found in the index (added with `--with-issuers`, else offered).
    pub issuers: Vec<IssuerJson>,
    /// Chains that end at a root certifi removed.
    pub removed_roots: Vec<RemovedJson>,
    /// AIA fetches made with `--with-issuers` for issuers the index does not know.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetches: Vec<Attempt>,
}

#[derive(Serialize)]
pub struct IssuerJson {
    pub sha256: String,
    pub subject: String,
    /// The certificate it issued.
    pub issues: String,
}

#[derive(Serialize)]
pub struct RemovedJson {
    /// The input certificate whose chain ends there.
    pub certificate: String,
    pub root: String,
    pub sha256: String,
    pub last_certifi_with_it: String,
    pub removed_in_certifi: Option<String>,
    pub actions: Vec<String>,
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
pub fn prepare(ctx: &Context, input: &Input, bundle: &Bundle, with_issuers: bool) -> Prepared {
    load_refreshed(ctx);
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
            completion: complete(cert, bundle, index::active(), Roots::embedded()),
        });
    }
    // A stale index matters only when it was asked and did not know the issuer: a newer
    // one might have.
    if known.iter().any(|k| k.completion.path.is_none()) {
        note_stale(ctx);
    }
    let mut issuers: Vec<(Cert, String)> = Vec::new();
    let mut fetches = Vec::new();
    if with_issuers {
        let date = &index::active().date;
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
        fetches = from_aia(input, bundle, &known, &mut issuers);
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

/// The AIA fetcher of the run, shared by every bundle (each URL fetched once, five
/// fetches in all).
static AIA: std::sync::LazyLock<std::sync::Mutex<Aia>> = std::sync::LazyLock::new(Default::default);

/// [`AIA`] as a source of the walk.
struct RunAia;

impl Source for RunAia {
    fn name(&self) -> &'static str {
        "AIA"
    }

    fn candidates(&mut self, child: &Cert) -> Vec<(Cert, String)> {
        AIA.lock()
            .unwrap_or_else(|e| e.into_inner())
            .candidates(child)
    }

    fn attempts(&self) -> Vec<Attempt> {
        AIA.lock().unwrap_or_else(|e| e.into_inner()).attempts()
    }
}

/// For each looked-up certificate the index has no path for (and whose chain does not
/// end at a removed root), walks up through AIA; the issuers found join `issuers`
/// (leaf side first) when they complete the chain to a root of `bundle`. Returns the
/// fetches made for this input.
fn from_aia(
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
    let before = RunAia.attempts().len();
    let mut sources: Vec<Box<dyn Source>> = vec![Box::new(RunAia)];
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
    let attempts = RunAia.attempts();
    attempts[before.min(attempts.len())..].to_vec()
}

/// Rewrites the "issuer not in the bundle" reasons the index can say more about, and
/// returns the lines to show after the verdicts and the JSON.
pub fn explain(verdicts: &mut [Verdict], prepared: &Prepared) -> (Vec<String>, OfflineJson) {
    let mut lines = Vec::new();
    let mut json = OfflineJson {
        fetches: prepared.fetches.clone(),
        ..Default::default()
    };
    for f in prepared.fetches.iter().filter(|f| f.outcome != "ok") {
        lines.push(format!(
            "AIA {}: {} ({})",
            escape(&f.url),
            f.outcome,
            escape(&f.detail)
        ));
    }
    for i in 0..prepared.from_index {
        let c = &prepared.input.certs[i];
        json.issuers.push(IssuerJson {
            sha256: c.sha256_hex(),
            subject: c.subject().to_string(),
            issues: prepared.sources[i].clone(),
        });
    }
    for v in verdicts.iter_mut() {
        let Some(k) = prepared.known.iter().find(|k| k.sha256 == v.cert.sha256()) else {
            continue;
        };
        let Some(reason) = v.reasons.iter_mut().find(|r| r.code == "issuer-missing") else {
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
                    index::active().date
                );
                if !prepared.input.certs[..prepared.from_index].is_empty() {
                    continue;
                }
                for i in path {
                    json.issuers.push(IssuerJson {
                        sha256: i.sha256_hex(),
                        subject: i.subject().to_string(),
                        issues: v.cert.subject().to_string(),
                    });
                }
            }
            (_, Some(end)) => {
                reason.code = "root-removed";
                reason.message = advice::removed_root_reason(end);
                let actions = advice::removed_root_actions(end, v.cert.name(), None);
                lines.push(format!("{}: what can work instead:", v.cert.name()));
                for (n, a) in actions.iter().enumerate() {
                    lines.push(format!("  {}. {a}", n + 1));
                }
                lines.push(format!("  note: {}", advice::PARTIAL_CHAIN_NOTE));
                json.removed_roots.push(RemovedJson {
                    certificate: v.cert.sha256_hex(),
                    root: end.root.cert.subject().to_string(),
                    sha256: end.root.cert.sha256_hex(),
                    last_certifi_with_it: end.root.last_with.clone(),
                    removed_in_certifi: end.root.removed_in.clone(),
                    actions,
                });
            }
            _ => {}
        }
    }
    (lines, json)
}

/// Prints the lines [`explain`] returned, as hints.
pub fn print(ctx: &Context, lines: &[String]) {
    for l in lines {
        ctx.printer.hint(l);
    }
}

/// Where `certpatch index refresh` saves its index: `CERTPATCH_HOME/index/intermediates.bin`.
pub fn refreshed_file(home: &crate::store::home::Home) -> std::path::PathBuf {
    home.root.join("index").join("intermediates.bin")
}

static REFRESHED: std::sync::OnceLock<Option<(std::path::PathBuf, usize)>> =
    std::sync::OnceLock::new();

/// The refreshed index in use and its size, if one was loaded ([`load_refreshed`]).
pub fn refreshed_path() -> Option<(std::path::PathBuf, usize)> {
    REFRESHED.get().cloned().flatten()
}

/// Uses the index saved by `index refresh`, when there is one and it reads; else the
/// embedded snapshot (a damaged file is named once, as a warning).
pub fn load_refreshed(ctx: &Context) {
    REFRESHED.get_or_init(|| {
        let home = ctx.home().ok()?;
        let path = refreshed_file(&home);
        if !path.exists() {
            return None;
        }
        let loaded = crate::store::home::check(&path)
            .and_then(|()| crate::store::write::read(&path))
            .and_then(|bytes| {
                let n = bytes.len();
                index::Index::decode(&bytes)
                    .map(|i| (i, n))
                    .map_err(anyhow::Error::from)
            });
        match loaded {
            Ok((i, n)) => {
                index::use_index(i);
                Some((path, n))
            }
            Err(e) => {
                ctx.printer.warn(format!(
                    "cannot use the refreshed index {}: {}; using the snapshot built into certpatch (run `certpatch index refresh FILE` again, or `certpatch index reset`)",
                    crate::cli::output::path_text(&path),
                    crate::x509::text::chain(&e)
                ));
                None
            }
        }
    });
}

/// Whether the index is more than a year older than `at`.
pub fn is_stale(i: &index::Index, at: time::OffsetDateTime) -> bool {
    let Ok(date) = time::Date::parse(
        &i.date,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) else {
        return false;
    };
    at.date() - date > time::Duration::days(365)
}

/// Where Mozilla publishes the CCADB report `certpatch index refresh` reads
/// (`PublicAllIntermediateCertsWithPEMCSV`).
pub const CCADB_CSV_URL: &str =
    "https://ccadb.my.salesforce-sites.com/mozilla/PublicAllIntermediateCertsWithPEMCSV";

/// Mentions a stale index, as part of this command's output. It is said every time an
/// issuer is looked up in it: a note remembered in a file would make `check` (which
/// writes nothing) write under `CERTPATCH_HOME`.
pub fn note_stale(ctx: &Context) {
    let i = index::active();
    if !is_stale(i, ctx.at) {
        return;
    }
    ctx.printer.note(format!(
        "certpatch's offline index of intermediates is from {}, more than a year old, and did not know this issuer; a newer one might: download Mozilla's CCADB report of intermediates ({CCADB_CSV_URL}) and run `certpatch index refresh FILE` on it",
        i.date
    ));
}
