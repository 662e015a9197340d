//! The acceptance rules: may these certificates be added to this bundle?
//!
//! Every rule is a named check with a stable code and a sentence that says what is wrong,
//! so `check` and `add` can report every failing reason at once rather than the first.
//! The input is judged as a whole: one refused certificate refuses all of it, because a
//! half-applied input is harder to reason about during an outage than a clear "no".

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::accept::{constraints, known_bad};
use crate::bundle::Bundle;
use crate::x509::cert::{Cert, NameKey, SigHash};

/// How close to expiry a certificate draws a warning.
pub const EXPIRY_WARNING: Duration = Duration::days(30);
const MIN_RSA_BITS: usize = 2048;

/// The stable code of a rule's finding (`reasons[].code`, `warnings[].code` in JSON: the
/// variant's name in kebab-case, [`Code::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    BadSignature,
    Expired,
    ExpiresSoon,
    IssuerExpired,
    IssuerMissing,
    KnownBadRoot,
    LeafSkipped,
    NameConstraints,
    NoKeyCertSign,
    NoServerAuth,
    NotCa,
    NotYetValid,
    PathLength,
    Python313Strict,
    Redundant,
    RootRemoved,
    SelfSignedRoot,
    SignatureUnverifiable,
    TooManySignatures,
    UnknownCriticalExtension,
    WeakKey,
    WeakSignature,
}

impl Code {
    /// Every code, for tests and documentation.
    pub const ALL: [Code; 22] = [
        Code::BadSignature,
        Code::Expired,
        Code::ExpiresSoon,
        Code::IssuerExpired,
        Code::IssuerMissing,
        Code::KnownBadRoot,
        Code::LeafSkipped,
        Code::NameConstraints,
        Code::NoKeyCertSign,
        Code::NoServerAuth,
        Code::NotCa,
        Code::NotYetValid,
        Code::PathLength,
        Code::Python313Strict,
        Code::Redundant,
        Code::RootRemoved,
        Code::SelfSignedRoot,
        Code::SignatureUnverifiable,
        Code::TooManySignatures,
        Code::UnknownCriticalExtension,
        Code::WeakKey,
        Code::WeakSignature,
    ];

    /// The code as JSON and messages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadSignature => "bad-signature",
            Code::Expired => "expired",
            Code::ExpiresSoon => "expires-soon",
            Code::IssuerExpired => "issuer-expired",
            Code::IssuerMissing => "issuer-missing",
            Code::KnownBadRoot => "known-bad-root",
            Code::LeafSkipped => "leaf-skipped",
            Code::NameConstraints => "name-constraints",
            Code::NoKeyCertSign => "no-key-cert-sign",
            Code::NoServerAuth => "no-server-auth",
            Code::NotCa => "not-ca",
            Code::NotYetValid => "not-yet-valid",
            Code::PathLength => "path-length",
            Code::Python313Strict => "python313-strict",
            Code::Redundant => "redundant",
            Code::RootRemoved => "root-removed",
            Code::SelfSignedRoot => "self-signed-root",
            Code::SignatureUnverifiable => "signature-unverifiable",
            Code::TooManySignatures => "too-many-signatures",
            Code::UnknownCriticalExtension => "unknown-critical-extension",
            Code::WeakKey => "weak-key",
            Code::WeakSignature => "weak-signature",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub code: Code,
    pub message: String,
}

fn finding(code: Code, message: impl Into<String>) -> Finding {
    Finding {
        code,
        message: message.into(),
    }
}

/// What would happen to one certificate of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Would be appended.
    Add,
    /// Already in the bundle, byte for byte: nothing to do.
    AlreadyPresent,
    /// Fails at least one rule.
    Refused,
    /// The server's own certificate (a leaf) in a chain export: not added, not refused;
    /// its CA certificates are judged as usual (the note says so).
    SkippedLeaf,
}

/// The verdict on one certificate against one bundle.
#[derive(Debug)]
pub struct Verdict<'a> {
    pub cert: &'a Cert,
    pub decision: Decision,
    pub reasons: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

/// Options that change the rules.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub at: OffsetDateTime,
    pub allow_root: bool,
    /// Whether the target's Python is 3.13 or newer (`None`: not known). 3.13+ refuses
    /// what `VERIFY_X509_STRICT` rejects; unknown flags it.
    pub python_3_13: Option<bool>,
}

/// The most signatures one judgement verifies. Real inputs need a few per certificate
/// (each certificate against the one or two bundle or input certificates with its issuer's
/// name and key identifier); an input crafted to make certpatch check every pair of many
/// same-named certificates stops here, and its unjudged certificates are refused.
pub const MAX_SIGNATURE_CHECKS: usize = 2000;

/// Results of signature checks, for the whole run: keyed by (the signed certificate's
/// SHA-256, the SHA-256 of the issuer's SubjectPublicKeyInfo), since the outcome depends
/// on nothing else. Each pair is verified at most once per run, across bundles.
type SignatureCache = HashMap<([u8; 32], [u8; 32]), Result<bool, String>>;
static VERIFIED: LazyLock<Mutex<SignatureCache>> = LazyLock::new(Default::default);

/// Signature checks of one judgement, with a budget.
struct Verifier {
    budget: usize,
    used: Cell<usize>,
    exhausted: Cell<bool>,
    spki_hash: RefCell<HashMap<[u8; 32], [u8; 32]>>,
}

impl Verifier {
    fn new(budget: usize) -> Verifier {
        Verifier {
            budget,
            used: Cell::new(0),
            exhausted: Cell::new(false),
            spki_hash: Default::default(),
        }
    }

    /// Whether `issuer`'s key made `child`'s signature; `None` once the budget is spent.
    fn check(&self, child: &Cert, issuer: &Cert) -> Option<Result<bool, String>> {
        let key_hash = *self
            .spki_hash
            .borrow_mut()
            .entry(issuer.sha256())
            .or_insert_with(|| Sha256::digest(&issuer.spki_raw).into());
        let key = (child.sha256(), key_hash);
        if let Some(done) = VERIFIED.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Some(done.clone());
        }
        if self.used.get() >= self.budget {
            self.exhausted.set(true);
            return None;
        }
        self.used.set(self.used.get() + 1);
        let result = child.signed_by(issuer);
        VERIFIED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, result.clone());
        Some(result)
    }

    fn signs(&self, child: &Cert, issuer: &Cert) -> bool {
        self.check(child, issuer) == Some(Ok(true))
    }

    fn self_signed(&self, cert: &Cert) -> bool {
        cert.is_self_issued() && self.signs(cert, cert)
    }
}

/// Certificates by canonical subject name.
fn index(certs: &[Cert]) -> HashMap<&NameKey, Vec<usize>> {
    let mut map: HashMap<&NameKey, Vec<usize>> = HashMap::new();
    for (i, c) in certs.iter().enumerate() {
        map.entry(c.subject_key()).or_default().push(i);
    }
    map
}

/// Issuer candidates of `cert` among `certs`: same canonical name (or same raw name) and
/// matching key identifiers when both are present.
fn candidates(cert: &Cert, certs: &[Cert], by_name: &HashMap<&NameKey, Vec<usize>>) -> Vec<usize> {
    by_name
        .get(&cert.issuer_key())
        .map(|v| {
            v.iter()
                .copied()
                .filter(|&j| cert.issuer_candidate(&certs[j]))
                .collect()
        })
        .unwrap_or_default()
}

/// Judges every certificate of the input against the bundle.
pub fn judge<'a>(input: &'a [Cert], bundle: &Bundle, rules: Rules) -> Vec<Verdict<'a>> {
    judge_with_budget(input, bundle, rules, MAX_SIGNATURE_CHECKS)
}

/// [`judge`] with a given budget of signature checks.
pub fn judge_with_budget<'a>(
    input: &'a [Cert],
    bundle: &Bundle,
    rules: Rules,
    budget: usize,
) -> Vec<Verdict<'a>> {
    let v = Verifier::new(budget);
    let chains = chain_status(input, bundle, &v);
    let paths: Vec<Result<(), Finding>> = (0..input.len())
        .map(|i| path_rules(i, input, bundle, &chains))
        .collect();
    input
        .iter()
        .enumerate()
        .zip(chains.iter().zip(paths))
        .map(|((i, cert), (chain, path))| {
            if export_leaf(i, input, &chains, &v) && !bundle.contains(cert) {
                return Verdict {
                    cert,
                    decision: Decision::SkippedLeaf,
                    reasons: Vec::new(),
                    warnings: vec![finding(Code::LeafSkipped, LEAF_SKIPPED)],
                };
            }
            if bundle.contains(cert) {
                return Verdict {
                    cert,
                    decision: Decision::AlreadyPresent,
                    reasons: Vec::new(),
                    warnings: Vec::new(),
                };
            }
            let mut reasons = intrinsic_reasons(cert, rules, &v);
            if let Some(bad) =
                known_bad::issued_by(cert, input.iter().chain(bundle.certs.iter()))
            {
                reasons.push(finding(
                    Code::KnownBadRoot,
                    if known_bad::lookup(cert).is_some() {
                        format!("it is the {}: anyone can impersonate any site with it; refused even with --allow-root", bad.name)
                    } else {
                        format!("it is issued by the {}: anyone can impersonate any site with it; refused even with --allow-root", bad.name)
                    },
                ));
            }
            if let Err(reason) = chain {
                reasons.push(reason.clone());
            }
            if let Err(reason) = path {
                reasons.push(reason);
            }
            let mut warnings = warnings(cert, bundle, rules, &v);
            if rules.python_3_13 == Some(true) {
                // The target's Python rejects chains through it: refuse, not warn.
                if let Some(i) = warnings.iter().position(|w| w.code == Code::Python313Strict) {
                    let w = warnings.remove(i);
                    reasons.push(finding(
                        Code::Python313Strict,
                        format!("{}; this target's Python is 3.13+, so adding it cannot help: {STRICT_WHAT_WORKS}", w.message),
                    ));
                }
            }
            Verdict {
                cert,
                decision: if reasons.is_empty() {
                    Decision::Add
                } else {
                    Decision::Refused
                },
                reasons,
                warnings,
            }
        })
        .collect()
}

/// The note on a skipped leaf of a chain export.
pub const LEAF_SKIPPED: &str = "skipped: this is the server's own certificate (not a CA) of a chain export; only its CA certificates go into a bundle";

/// Whether a certificate that says it is no CA (basicConstraints CA:FALSE or absent).
fn is_leaf(cert: &Cert) -> bool {
    !cert.basic_constraints_unreadable && cert.basic_constraints.is_none_or(|bc| !bc.ca)
}

/// Whether `input[i]` is the leaf of a chain export, skipped rather than refused: it is
/// no CA, a CA certificate of the same input signs it, and no input certificate chains
/// through it (a non-CA never vouches for anything here). A file holding only a leaf,
/// or a leaf beside unrelated CAs, is judged (and refused) as before.
fn export_leaf(i: usize, input: &[Cert], chains: &[Result<Link, Finding>], v: &Verifier) -> bool {
    let cert = &input[i];
    is_leaf(cert)
        && input.iter().enumerate().any(|(j, ca)| {
            j != i
                && ca.basic_constraints.is_some_and(|bc| bc.ca)
                && cert.issuer_candidate(ca)
                && v.signs(cert, ca)
        })
        && !chains
            .iter()
            .any(|c| matches!(c, Ok(Link::Input(k)) if *k == i))
}

/// Rules about the certificate alone.
fn intrinsic_reasons(cert: &Cert, rules: Rules, v: &Verifier) -> Vec<Finding> {
    let mut reasons = Vec::new();
    match cert.basic_constraints {
        None if cert.basic_constraints_unreadable => reasons.push(finding(
            Code::NotCa,
            "its basicConstraints extension cannot be read (malformed, or a path length out of range), so it is not known to be a CA",
        )),
        None => reasons.push(finding(
            Code::NotCa,
            "not a CA certificate: it has no basicConstraints extension (is this the server's own certificate? add its issuer instead)",
        )),
        Some(bc) if !bc.ca => reasons.push(finding(
            Code::NotCa,
            "not a CA certificate: basicConstraints says CA:FALSE (is this the server's own certificate? add its issuer instead)",
        )),
        Some(_) => {}
    }
    match cert.key_usage {
        Some(ku) if ku.key_cert_sign => {}
        Some(_) => reasons.push(finding(
            Code::NoKeyCertSign,
            "its keyUsage lacks keyCertSign: it may not sign certificates",
        )),
        None if cert.key_usage_unreadable => reasons.push(finding(
            Code::NoKeyCertSign,
            "its keyUsage extension cannot be read (malformed), so it does not declare keyCertSign",
        )),
        None => reasons.push(finding(
            Code::NoKeyCertSign,
            "it has no keyUsage extension, so it does not declare keyCertSign",
        )),
    }
    if rules.at > cert.not_after {
        reasons.push(finding(
            Code::Expired,
            format!("expired on {}", day(cert.not_after)),
        ));
    }
    if rules.at < cert.not_before {
        reasons.push(finding(
            Code::NotYetValid,
            format!("not valid before {}", day(cert.not_before)),
        ));
    }
    match cert.sig_hash {
        SigHash::Md5 | SigHash::Md2 => reasons.push(finding(
            Code::WeakSignature,
            format!("signed with {} (MD5/MD2 is broken)", cert.sig_alg_name),
        )),
        SigHash::Sha1 => reasons.push(finding(
            Code::WeakSignature,
            format!(
                "signed with {} (SHA-1 is no longer trusted)",
                cert.sig_alg_name
            ),
        )),
        SigHash::Strong => {}
    }
    if cert.rsa_bits == Some(0) {
        reasons.push(finding(
            Code::WeakKey,
            "its RSA public key cannot be read (malformed modulus), so its size cannot be checked",
        ));
    } else if let Some(bits) = cert.rsa_bits {
        if bits < MIN_RSA_BITS {
            reasons.push(finding(
                Code::WeakKey,
                format!("its RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"),
            ));
        }
    }
    if let Some(problem) = &cert.key_problem {
        reasons.push(finding(Code::WeakKey, problem.clone()));
    }
    if let Err(e) = &cert.name_constraints {
        reasons.push(finding(
            Code::NameConstraints,
            format!("{e}, so what it may sign is unknown"),
        ));
    }
    if v.self_signed(cert) && !rules.allow_root {
        reasons.push(finding(
            Code::SelfSignedRoot,
            "it is a self-signed root, not an intermediate; adding a new root changes whom Python trusts (pass --allow-root if that is what you mean)",
        ));
    }
    reasons
}

/// Where an input certificate's chain goes next.
#[derive(Clone, Copy, Debug)]
enum Link {
    /// Already in the bundle, or a self-signed root: the chain ends here.
    End,
    /// Signed by this bundle certificate.
    Bundle(usize),
    /// Signed by this (chained) input certificate.
    Input(usize),
}

/// For each input certificate: its issuer when its signature is made by a certificate in
/// the bundle, or by another input certificate that itself chains; otherwise the reason.
/// Issuers are looked up by canonical name and key identifier, never by scanning.
fn chain_status(input: &[Cert], bundle: &Bundle, v: &Verifier) -> Vec<Result<Link, Finding>> {
    let n = input.len();
    let bundle_names = index(&bundle.certs);
    let input_names = index(input);
    let mut chained: Vec<Option<Link>> = vec![None; n];
    for (i, cert) in input.iter().enumerate() {
        // A self-signed root has no issuer to find: the root rule alone decides it.
        chained[i] = if bundle.contains(cert) || v.self_signed(cert) {
            Some(Link::End)
        } else {
            candidates(cert, &bundle.certs, &bundle_names)
                .into_iter()
                .find(|&b| v.signs(cert, &bundle.certs[b]))
                .map(Link::Bundle)
        };
    }
    // Follow chains through the input itself, as far as they go.
    let input_candidates: Vec<Vec<usize>> = input
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = candidates(c, input, &input_names);
            c.retain(|&j| j != i);
            c
        })
        .collect();
    loop {
        let mut progressed = false;
        for i in 0..n {
            if chained[i].is_some() {
                continue;
            }
            if let Some(&j) = input_candidates[i]
                .iter()
                .find(|&&j| chained[j].is_some() && v.signs(&input[i], &input[j]))
            {
                chained[i] = Some(Link::Input(j));
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    let done: Vec<bool> = chained.iter().map(Option::is_some).collect();
    (0..n)
        .map(|i| match chained[i] {
            Some(link) => Ok(link),
            None if v.exhausted.get() => Err(finding(
                Code::TooManySignatures,
                format!(
                    "certpatch stopped after {} signature checks for this input (many certificates with the same issuer name, as in a denial-of-service file); this one was not judged. Give only the certificates you need, in a file of their own",
                    v.budget
                ),
            )),
            None => Err(why_unchained(&input[i], input, &done, bundle, v)),
        })
        .collect()
}

/// The pathLenConstraint and nameConstraints of the path from input certificate `i` up to
/// the bundle certificate that signs it (through input certificates): with every bundle
/// certificate a trust anchor in Python 3.13, a CA that breaks them would be trusted
/// without the limits its issuers set.
fn path_rules(
    i: usize,
    input: &[Cert],
    bundle: &Bundle,
    chains: &[Result<Link, Finding>],
) -> Result<(), Finding> {
    let cert = &input[i];
    let mut path: Vec<&Cert> = Vec::new();
    let mut at = i;
    let mut seen = vec![false; input.len()];
    loop {
        if seen[at] {
            break;
        }
        seen[at] = true;
        match chains[at] {
            Ok(Link::Input(j)) => {
                path.push(&input[j]);
                at = j;
            }
            Ok(Link::Bundle(b)) => {
                path.push(&bundle.certs[b]);
                break;
            }
            Ok(Link::End) | Err(_) => break,
        }
    }
    // How many non-self-issued CAs follow each issuer: the certificate itself and the
    // path below that issuer (a CA always has certificates below it, so it counts).
    let mut below = usize::from(!cert.is_self_issued());
    for issuer in &path {
        if let Some(limit) = issuer.basic_constraints.and_then(|bc| bc.path_len) {
            if below > limit as usize {
                return Err(finding(
                    Code::PathLength,
                    format!(
                        "its issuer `{}` has pathLenConstraint {limit}, which allows {limit} CA(s) below it, but this path puts {below} there; Python 3.13 (every bundle certificate a trust anchor) would trust this CA in spite of that limit",
                        issuer.name()
                    ),
                ));
            }
        }
        below += usize::from(!issuer.is_self_issued());
    }
    let own = match &cert.name_constraints {
        Ok(nc) => nc.as_ref(),
        Err(_) => return Ok(()), // refused on its own
    };
    for issuer in &path {
        match &issuer.name_constraints {
            Ok(None) => {}
            Err(e) => {
                return Err(finding(
                    Code::NameConstraints,
                    format!(
                    "its issuer `{}`: {e}; certpatch cannot tell whether this CA stays within it",
                    issuer.name()
                ),
                ))
            }
            Ok(Some(parent)) => {
                if let Err(why) = constraints::at_least_as_narrow(own, parent) {
                    return Err(finding(
                        Code::NameConstraints,
                        format!(
                            "its issuer `{}` is name-constrained and this CA's own nameConstraints are not as narrow ({why}): Python 3.13 (every bundle certificate a trust anchor) would trust it unconstrained",
                            issuer.name()
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn why_unchained(
    cert: &Cert,
    input: &[Cert],
    chained: &[bool],
    bundle: &Bundle,
    v: &Verifier,
) -> Finding {
    if cert.is_self_issued() {
        if let Some(Err(err)) = v.check(cert, cert) {
            return finding(
                Code::SignatureUnverifiable,
                format!(
                    "its self-signature ({}) could not be checked: {err}",
                    cert.sig_alg_name
                ),
            );
        }
    }
    let named_in_bundle: Vec<&Cert> = bundle
        .certs
        .iter()
        .filter(|b| cert.issuer_candidate(b))
        .collect();
    let named_in_input: Vec<usize> = (0..input.len())
        .filter(|&j| !input[j].same_as(cert) && cert.issuer_candidate(&input[j]))
        .collect();
    let weak = matches!(cert.sig_hash, SigHash::Md5 | SigHash::Md2);
    let issuers_exist = !named_in_bundle.is_empty() || !named_in_input.is_empty();
    if issuers_exist && weak {
        return finding(
            Code::SignatureUnverifiable,
            format!(
                "its {} signature cannot be checked against `{}`",
                cert.sig_alg_name,
                cert.issuer()
            ),
        );
    }
    let candidates = named_in_bundle
        .iter()
        .copied()
        .chain(named_in_input.iter().map(|&j| &input[j]));
    if let Some(err) = candidates
        .clone()
        .find_map(|b| v.check(cert, b).and_then(Result::err))
    {
        return finding(
            Code::SignatureUnverifiable,
            format!(
                "its signature by `{}` could not be checked: {err}",
                cert.issuer()
            ),
        );
    }
    if issuers_exist && cert.sig_alg_name.to_ascii_lowercase().contains("pss") {
        // ring checks RSA-PSS only with the salt length equal to the hash length and MGF1
        // over the same hash; other valid parameters look like a failed signature.
        return finding(
            Code::SignatureUnverifiable,
            format!(
                "its RSA-PSS signature by `{}` could not be verified (certpatch checks PSS only with salt length = hash length and the same MGF1 hash)",
                cert.issuer()
            ),
        );
    }
    if !named_in_bundle.is_empty() {
        return finding(
            Code::BadSignature,
            format!(
                "the bundle has a certificate named `{}`, but its key did not make this signature (a different key with the same name: do not trust this file)",
                cert.issuer()
            ),
        );
    }
    if named_in_input.iter().any(|&j| chained[j]) {
        return finding(
            Code::BadSignature,
            format!(
                "the input's `{}` does not sign it: its key did not make this signature (do not trust this file)",
                cert.issuer()
            ),
        );
    }
    if !named_in_input.is_empty() {
        return finding(
            Code::IssuerMissing,
            format!(
                "its issuer `{}` is in the input but does not itself chain to a root in the bundle",
                cert.issuer()
            ),
        );
    }
    finding(
        Code::IssuerMissing,
        format!(
            "its issuer `{}` is not in the bundle; add that issuer first (or give both in one file, issuer included)",
            cert.issuer()
        ),
    )
}

/// Facts worth knowing that do not refuse the certificate.
fn warnings(cert: &Cert, bundle: &Bundle, rules: Rules, v: &Verifier) -> Vec<Finding> {
    let mut warnings = Vec::new();
    if let Some(twin) = bundle.certs.iter().find(|b| {
        !b.same_as(cert) && b.subject_raw == cert.subject_raw && b.spki_raw == cert.spki_raw
    }) {
        warnings.push(finding(
            Code::Redundant,
            format!(
                "the bundle already has `{}` with the same subject and key (a cross-signed twin, SHA-256 {}): adding this one is redundant",
                twin.name(),
                &twin.sha256_hex()[..16]
            ),
        ));
    }
    if cert.not_after >= rules.at && cert.not_after - rules.at < EXPIRY_WARNING {
        warnings.push(finding(
            Code::ExpiresSoon,
            format!(
                "expires on {}, within {} days: plan its replacement",
                day(cert.not_after),
                EXPIRY_WARNING.whole_days()
            ),
        ));
    }
    if cert.eku_server_auth == Some(false) {
        warnings.push(finding(
            Code::NoServerAuth,
            "its extendedKeyUsage does not include serverAuth: TLS clients will not accept server certificates issued under it",
        ));
    }
    if let Some(issuer) = bundle
        .certs
        .iter()
        .find(|b| cert.issuer_candidate(b) && v.signs(cert, b))
        .filter(|b| rules.at > b.not_after)
    {
        warnings.push(finding(
            Code::IssuerExpired,
            format!(
                "its issuer `{}` in the bundle expired on {}: chains through it fail until a valid issuer is there",
                issuer.name(),
                day(issuer.not_after)
            ),
        ));
    }
    if !cert.unknown_critical.is_empty() {
        warnings.push(finding(
            Code::UnknownCriticalExtension,
            format!(
                "it has critical extension(s) {} that OpenSSL does not understand: Python will reject chains through it",
                cert.unknown_critical.join(", ")
            ),
        ));
    }
    let strict = strict_traits(cert);
    if !strict.is_empty() {
        warnings.push(finding(
            Code::Python313Strict,
            if rules.python_3_13 == Some(false) {
                format!(
                    "Python 3.13+ (VERIFY_X509_STRICT) will reject chains through it: {} (this target's Python is older: it works there until you upgrade)",
                    strict.join("; ")
                )
            } else {
                format!(
                    "Python 3.13+ (VERIFY_X509_STRICT) will reject chains through it: {}; if this target's Python is 3.13+: {STRICT_WHAT_WORKS}",
                    strict.join("; ")
                )
            },
        ));
    }
    warnings
}

/// What works when Python 3.13's strict mode rejects a CA certificate.
pub const STRICT_WHAT_WORKS: &str = "ask the CA for a certificate re-issued with Authority and Subject Key Identifiers (and a critical basicConstraints), or relax it in your own code (`ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT`), or use a Python before 3.13";

/// Traits that OpenSSL's X509_STRICT mode, on by default in Python 3.13's
/// `ssl.create_default_context()`, rejects in a CA certificate.
pub fn strict_traits(cert: &Cert) -> Vec<&'static str> {
    let mut traits = Vec::new();
    if matches!(cert.basic_constraints, Some(bc) if bc.ca && !bc.critical) {
        traits.push("basicConstraints is not marked critical");
    }
    let self_issued = cert.subject_raw == cert.issuer_raw;
    match cert.aki {
        None if !self_issued => traits.push("it has no Authority Key Identifier"),
        Some(aki) if aki.critical => traits.push("its Authority Key Identifier is marked critical"),
        _ => {}
    }
    match cert.ski {
        None => traits.push("it has no Subject Key Identifier"),
        Some(ski) if ski.critical => traits.push("its Subject Key Identifier is marked critical"),
        _ => {}
    }
    if cert.version != 3 {
        traits.push("it is not an X.509 version 3 certificate");
    }
    traits
}

/// The note shown once whenever an intermediate is added.
pub const ANCHOR_NOTE: &str = "on Python 3.13+ (VERIFY_X509_PARTIAL_CHAIN) every certificate in the bundle is a trust anchor, so an added intermediate is trusted in its own right, not only through its root";

fn day(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Measurements on the 1,637 real intermediates of CCADB (2025-06-24), judged as one input
/// against certifi's bundle (chains through the file's own intermediates included). Run
/// with `cargo test --bin certpatch ccadb_rules -- --ignored --nocapture`.
#[cfg(test)]
mod ccadb_rules {
    use super::*;

    #[test]
    #[ignore]
    fn how_many_real_intermediates_each_new_rule_refuses() {
        let text = crate::x509::cert::ccadb::snapshot_pem();
        let input: Vec<Cert> = ::pem::parse_many(text)
            .unwrap()
            .iter()
            .filter_map(|p| Cert::from_der_strict(p.contents()).ok())
            .collect();
        let bundle = Bundle::parse(
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/real/certifi-2026.10.19-cacert.pem"
            ))
            .unwrap(),
        );
        let rules = Rules {
            at: time::macros::datetime!(2025-06-24 0:00 UTC),
            allow_root: false,
            python_3_13: None,
        };
        let v = Verifier::new(usize::MAX);
        let chains = chain_status(&input, &bundle, &v);
        eprintln!(
            "{} intermediates read strictly; {} signature checks; {} chain to certifi",
            input.len(),
            v.used.get(),
            chains.iter().filter(|c| c.is_ok()).count()
        );
        let with_nc = input
            .iter()
            .filter(|c| matches!(c.name_constraints, Ok(Some(_))))
            .count();
        let under_nc = chains
            .iter()
            .filter(|c| match c {
                Ok(Link::Input(j)) => matches!(input[*j].name_constraints, Ok(Some(_))),
                Ok(Link::Bundle(b)) => matches!(bundle.certs[*b].name_constraints, Ok(Some(_))),
                _ => false,
            })
            .count();
        let under_pathlen = chains
            .iter()
            .filter(|c| match c {
                Ok(Link::Input(j)) => input[*j]
                    .basic_constraints
                    .and_then(|b| b.path_len)
                    .is_some(),
                Ok(Link::Bundle(b)) => bundle.certs[*b]
                    .basic_constraints
                    .and_then(|b| b.path_len)
                    .is_some(),
                _ => false,
            })
            .count();
        eprintln!(
            "{with_nc} carry nameConstraints; {under_nc} are signed by a name-constrained CA; {under_pathlen} by a CA with a pathLenConstraint"
        );
        let mut by_code = std::collections::BTreeMap::<Code, Vec<String>>::new();
        for (i, cert) in input.iter().enumerate() {
            if let Err(f) = path_rules(i, &input, &bundle, &chains) {
                by_code.entry(f.code).or_default().push(format!(
                    "{}: {}",
                    cert.subject(),
                    f.message
                ));
            }
            for f in intrinsic_reasons(cert, rules, &v) {
                if f.code == Code::WeakKey || f.code == Code::NameConstraints {
                    by_code.entry(f.code).or_default().push(format!(
                        "{}: {}",
                        cert.subject(),
                        f.message
                    ));
                }
            }
        }
        for (code, list) in &by_code {
            eprintln!("{}: {}", code.as_str(), list.len());
            for l in list {
                eprintln!("    {l}");
            }
        }
        // A budget of MAX_SIGNATURE_CHECKS is far above what this whole file needs.
        assert!(v.used.get() < MAX_SIGNATURE_CHECKS, "{}", v.used.get());
    }
}
