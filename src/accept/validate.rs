//! The acceptance rules: may these certificates be added to this bundle?
//!
//! Every rule is a named check with a stable code and a sentence that says what is wrong,
//! so `check` and `add` can report every failing reason at once rather than the first.
//! The input is judged as a whole: one refused certificate refuses all of it, because a
//! half-applied input is harder to reason about during an outage than a clear "no".

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::bundle::Bundle;
use crate::cert::{Cert, SigHash};

/// How close to expiry a certificate draws a warning.
pub const EXPIRY_WARNING: Duration = Duration::days(30);
const MIN_RSA_BITS: usize = 2048;

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub message: String,
}

fn finding(code: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        code,
        message: message.into(),
    }
}

/// What would happen to one certificate of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Would be appended.
    Add,
    /// Already in the bundle, byte for byte: nothing to do.
    AlreadyPresent,
    /// Fails at least one rule.
    Refused,
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
}

/// Judges every certificate of the input against the bundle.
pub fn judge<'a>(input: &'a [Cert], bundle: &Bundle, rules: Rules) -> Vec<Verdict<'a>> {
    let chains = chain_status(input, bundle);
    input
        .iter()
        .zip(chains)
        .map(|(cert, chain)| {
            if bundle.contains(cert) {
                return Verdict {
                    cert,
                    decision: Decision::AlreadyPresent,
                    reasons: Vec::new(),
                    warnings: Vec::new(),
                };
            }
            let mut reasons = intrinsic_reasons(cert, rules);
            if let Err(reason) = chain {
                reasons.push(reason);
            }
            let warnings = warnings(cert, bundle, rules);
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

/// Rules about the certificate alone.
fn intrinsic_reasons(cert: &Cert, rules: Rules) -> Vec<Finding> {
    let mut reasons = Vec::new();
    match cert.basic_constraints {
        None if cert.basic_constraints_unreadable => reasons.push(finding(
            "not-ca",
            "its basicConstraints extension cannot be read (malformed, or a path length out of range), so it is not known to be a CA",
        )),
        None => reasons.push(finding(
            "not-ca",
            "not a CA certificate: it has no basicConstraints extension (is this the server's own certificate? add its issuer instead)",
        )),
        Some(bc) if !bc.ca => reasons.push(finding(
            "not-ca",
            "not a CA certificate: basicConstraints says CA:FALSE (is this the server's own certificate? add its issuer instead)",
        )),
        Some(_) => {}
    }
    match cert.key_usage {
        Some(ku) if ku.key_cert_sign => {}
        Some(_) => reasons.push(finding(
            "no-key-cert-sign",
            "its keyUsage lacks keyCertSign: it may not sign certificates",
        )),
        None if cert.key_usage_unreadable => reasons.push(finding(
            "no-key-cert-sign",
            "its keyUsage extension cannot be read (malformed), so it does not declare keyCertSign",
        )),
        None => reasons.push(finding(
            "no-key-cert-sign",
            "it has no keyUsage extension, so it does not declare keyCertSign",
        )),
    }
    if rules.at > cert.not_after {
        reasons.push(finding(
            "expired",
            format!("expired on {}", day(cert.not_after)),
        ));
    }
    if rules.at < cert.not_before {
        reasons.push(finding(
            "not-yet-valid",
            format!("not valid before {}", day(cert.not_before)),
        ));
    }
    match cert.sig_hash {
        SigHash::Md5 | SigHash::Md2 => reasons.push(finding(
            "weak-signature",
            format!("signed with {} (MD5/MD2 is broken)", cert.sig_alg_name),
        )),
        SigHash::Sha1 => reasons.push(finding(
            "weak-signature",
            format!(
                "signed with {} (SHA-1 is no longer trusted)",
                cert.sig_alg_name
            ),
        )),
        SigHash::Strong => {}
    }
    if cert.rsa_bits == Some(0) {
        reasons.push(finding(
            "weak-key",
            "its RSA public key cannot be read (malformed modulus), so its size cannot be checked",
        ));
    } else if let Some(bits) = cert.rsa_bits {
        if bits < MIN_RSA_BITS {
            reasons.push(finding(
                "weak-key",
                format!("its RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"),
            ));
        }
    }
    if cert.is_self_signed() && !rules.allow_root {
        reasons.push(finding(
            "self-signed-root",
            "it is a self-signed root, not an intermediate; adding a new root changes whom Python trusts (pass --allow-root if that is what you mean)",
        ));
    }
    reasons
}

/// For each input certificate: `Ok` when its signature is made by a certificate in the
/// bundle, or by another input certificate that itself chains; otherwise the reason.
fn chain_status(input: &[Cert], bundle: &Bundle) -> Vec<Result<(), Finding>> {
    let n = input.len();
    let mut chained = vec![false; n];
    for (i, cert) in input.iter().enumerate() {
        // A self-signed root has no issuer to find: the root rule alone decides it.
        chained[i] = bundle.contains(cert)
            || cert.is_self_signed()
            || bundle
                .certs
                .iter()
                .any(|b| cert.issued_by_name(b) && cert.signed_by(b) == Ok(true));
    }
    // Follow chains through the input itself, as far as they go. Signatures between input
    // certificates are checked once each (an input may hold many same-named CAs).
    let mut verified: std::collections::HashMap<(usize, usize), bool> = Default::default();
    let mut signs = |i: usize, j: usize| -> bool {
        *verified
            .entry((i, j))
            .or_insert_with(|| input[i].signed_by(&input[j]) == Ok(true))
    };
    loop {
        let mut progressed = false;
        for i in 0..n {
            if chained[i] {
                continue;
            }
            let by_input = (0..n)
                .any(|j| j != i && chained[j] && input[i].issued_by_name(&input[j]) && signs(i, j));
            if by_input {
                chained[i] = true;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    (0..n)
        .map(|i| {
            if chained[i] {
                Ok(())
            } else {
                Err(why_unchained(&input[i], input, &chained, bundle))
            }
        })
        .collect()
}

fn why_unchained(cert: &Cert, input: &[Cert], chained: &[bool], bundle: &Bundle) -> Finding {
    if cert.subject_raw == cert.issuer_raw {
        if let Err(err) = cert.signed_by(cert) {
            return finding(
                "signature-unverifiable",
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
        .filter(|b| cert.issued_by_name(b))
        .collect();
    let named_in_input: Vec<usize> = (0..input.len())
        .filter(|&j| input[j].sha256 != cert.sha256 && cert.issued_by_name(&input[j]))
        .collect();
    let weak = matches!(cert.sig_hash, SigHash::Md5 | SigHash::Md2);
    let issuers_exist = !named_in_bundle.is_empty() || !named_in_input.is_empty();
    if issuers_exist && weak {
        return finding(
            "signature-unverifiable",
            format!(
                "its {} signature cannot be checked against `{}`",
                cert.sig_alg_name, cert.issuer
            ),
        );
    }
    let candidates = named_in_bundle
        .iter()
        .copied()
        .chain(named_in_input.iter().map(|&j| &input[j]));
    if let Some(err) = candidates.clone().find_map(|b| cert.signed_by(b).err()) {
        return finding(
            "signature-unverifiable",
            format!(
                "its signature by `{}` could not be checked: {err}",
                cert.issuer
            ),
        );
    }
    if issuers_exist && cert.sig_alg_name.to_ascii_lowercase().contains("pss") {
        // ring checks RSA-PSS only with the salt length equal to the hash length and MGF1
        // over the same hash; other valid parameters look like a failed signature.
        return finding(
            "signature-unverifiable",
            format!(
                "its RSA-PSS signature by `{}` could not be verified (certpatch checks PSS only with salt length = hash length and the same MGF1 hash)",
                cert.issuer
            ),
        );
    }
    if !named_in_bundle.is_empty() {
        return finding(
            "bad-signature",
            format!(
                "the bundle has a certificate named `{}`, but its key did not make this signature (a different key with the same name: do not trust this file)",
                cert.issuer
            ),
        );
    }
    if named_in_input.iter().any(|&j| chained[j]) {
        return finding(
            "bad-signature",
            format!(
                "the input's `{}` does not sign it: its key did not make this signature (do not trust this file)",
                cert.issuer
            ),
        );
    }
    if !named_in_input.is_empty() {
        return finding(
            "issuer-missing",
            format!(
                "its issuer `{}` is in the input but does not itself chain to a root in the bundle",
                cert.issuer
            ),
        );
    }
    finding(
        "issuer-missing",
        format!(
            "its issuer `{}` is not in the bundle; add that issuer first (or give both in one file, issuer included)",
            cert.issuer
        ),
    )
}

/// Facts worth knowing that do not refuse the certificate.
fn warnings(cert: &Cert, bundle: &Bundle, rules: Rules) -> Vec<Finding> {
    let mut warnings = Vec::new();
    if let Some(twin) = bundle.certs.iter().find(|b| {
        b.sha256 != cert.sha256 && b.subject_raw == cert.subject_raw && b.spki_raw == cert.spki_raw
    }) {
        warnings.push(finding(
            "redundant",
            format!(
                "the bundle already has `{}` with the same subject and key (a cross-signed twin, SHA-256 {}): adding this one is redundant",
                twin.name(),
                &twin.sha256_hex()[..16]
            ),
        ));
    }
    if cert.not_after >= rules.at && cert.not_after - rules.at < EXPIRY_WARNING {
        warnings.push(finding(
            "expires-soon",
            format!(
                "expires on {}, within {} days: plan its replacement",
                day(cert.not_after),
                EXPIRY_WARNING.whole_days()
            ),
        ));
    }
    if cert.eku_server_auth == Some(false) {
        warnings.push(finding(
            "no-server-auth",
            "its extendedKeyUsage does not include serverAuth: TLS clients will not accept server certificates issued under it",
        ));
    }
    if let Some(issuer) = bundle.certs.iter().find(|b| {
        cert.issued_by_name(b)
            && cert.signed_by(b) == Ok(true)
            && b.basic_constraints.and_then(|bc| bc.path_len) == Some(0)
    }) {
        warnings.push(finding(
            "path-length",
            format!(
                "its issuer `{}` has pathLenConstraint 0, so no chain through this CA can validate",
                issuer.name()
            ),
        ));
    }
    if let Some(issuer) = bundle
        .certs
        .iter()
        .find(|b| cert.issued_by_name(b) && cert.signed_by(b) == Ok(true))
        .filter(|b| rules.at > b.not_after)
    {
        warnings.push(finding(
            "issuer-expired",
            format!(
                "its issuer `{}` in the bundle expired on {}: chains through it fail until a valid issuer is there",
                issuer.name(),
                day(issuer.not_after)
            ),
        ));
    }
    if !cert.unknown_critical.is_empty() {
        warnings.push(finding(
            "unknown-critical-extension",
            format!(
                "it has critical extension(s) {} that OpenSSL does not understand: Python will reject chains through it",
                cert.unknown_critical.join(", ")
            ),
        ));
    }
    let strict = strict_traits(cert);
    if !strict.is_empty() {
        warnings.push(finding(
            "python313-strict",
            format!(
                "Python 3.13+ (VERIFY_X509_STRICT) will reject chains through it: {}",
                strict.join("; ")
            ),
        ));
    }
    warnings
}

/// Traits that OpenSSL's X509_STRICT mode, on by default in Python 3.13's
/// `ssl.create_default_context()`, rejects in a CA certificate.
fn strict_traits(cert: &Cert) -> Vec<&'static str> {
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
