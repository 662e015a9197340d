//! Judging a server's chain against one bundle: rustls-webpki says whether the bundle
//! verifies it (for the server name, at the chosen time), and a walk over the chain says
//! why not, by cause, in words a person can act on.

use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use serde::Serialize;
use time::OffsetDateTime;
use webpki::{anchor_from_trusted_cert, EndEntityCert, KeyUsage};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::bundle::Bundle;
use crate::x509::cert::Cert;
use crate::x509::clock::rfc3339;

/// The OID of AIA's "CA Issuers" access method (id-ad-caIssuers).
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// What the chain shows beyond [`Cert`]: the leaf's names and the AIA "CA Issuers" URLs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Extra {
    pub dns_names: Vec<String>,
    pub ip_names: Vec<String>,
    pub ca_issuers: Vec<String>,
}

/// Reads the subjectAltName names and AIA "CA Issuers" URLs of a certificate.
pub fn extra(cert: &Cert) -> Extra {
    let mut out = Extra::default();
    let Ok((_, x)) = X509Certificate::from_der(&cert.der) else {
        return out;
    };
    for ext in x.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for n in &san.general_names {
                    match n {
                        GeneralName::DNSName(d) => out.dns_names.push(d.to_string()),
                        GeneralName::IPAddress(b) => out.ip_names.push(match b.len() {
                            4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*b).unwrap())
                                .to_string(),
                            16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*b).unwrap())
                                .to_string(),
                            _ => crate::x509::cert::hex(b),
                        }),
                        _ => {}
                    }
                }
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for d in &aia.accessdescs {
                    if d.access_method.to_id_string() == CA_ISSUERS {
                        if let GeneralName::URI(u) = &d.access_location {
                            out.ca_issuers.push(u.to_string());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Why a bundle does not verify a chain.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum Cause {
    /// The certificate at `depth` names an issuer that is neither in the chain nor in
    /// the bundle.
    MissingIssuer {
        depth: usize,
        subject: String,
        issuer: String,
        ca_issuers: Vec<String>,
    },
    /// The chain ends at a self-signed root the bundle lacks.
    RootNotInBundle {
        depth: usize,
        subject: String,
        sha256: String,
        /// Whether the operating system's store (SSL_CERT_FILE/SSL_CERT_DIR honoured)
        /// holds it.
        os_trusts: bool,
    },
    Expired {
        depth: usize,
        subject: String,
        not_after: String,
    },
    NotYetValid {
        depth: usize,
        subject: String,
        not_before: String,
    },
    NameMismatch {
        name: String,
        leaf_names: Vec<String>,
    },
    SelfSignedLeaf {
        subject: String,
    },
    /// webpki refused the chain for a reason none of the above explains.
    Other {
        detail: String,
    },
}

impl Cause {
    pub fn code(&self) -> &'static str {
        match self {
            Cause::MissingIssuer { .. } => "missing-issuer",
            Cause::RootNotInBundle { .. } => "root-not-in-bundle",
            Cause::Expired { .. } => "expired",
            Cause::NotYetValid { .. } => "not-yet-valid",
            Cause::NameMismatch { .. } => "name-mismatch",
            Cause::SelfSignedLeaf { .. } => "self-signed-leaf",
            Cause::Other { .. } => "other",
        }
    }

    /// What is wrong, in one sentence.
    pub fn message(&self) -> String {
        match self {
            Cause::MissingIssuer {
                depth,
                subject,
                issuer,
                ca_issuers,
            } => {
                let where_ = if ca_issuers.is_empty() {
                    "the certificate names no AIA URL to fetch it from".to_string()
                } else {
                    format!("AIA names it at {}", ca_issuers.join(", "))
                };
                format!("missing intermediate: `{subject}` (depth {depth}) is issued by `{issuer}`, which neither the server sent nor the bundle holds; {where_}")
            }
            Cause::RootNotInBundle {
                subject, os_trusts, ..
            } => {
                if *os_trusts {
                    format!("root not in the bundle: the chain ends at `{subject}`, which your operating system's store trusts but certifi does not: typically a TLS-inspecting company proxy or a company CA")
                } else {
                    format!("root not in the bundle: the chain ends at `{subject}`, a root neither the bundle nor the operating system's store trusts (a private CA, or a root certifi removed)")
                }
            }
            Cause::Expired {
                depth,
                subject,
                not_after,
            } => format!("expired: `{subject}` (depth {depth}) was valid until {not_after}"),
            Cause::NotYetValid {
                depth,
                subject,
                not_before,
            } => format!("not yet valid: `{subject}` (depth {depth}) is valid from {not_before} (is this machine's clock right?)"),
            Cause::NameMismatch { name, leaf_names } => format!(
                "wrong name: the certificate is for {} but you connected to `{name}`",
                if leaf_names.is_empty() {
                    "no DNS name or address at all".to_string()
                } else {
                    leaf_names.join(", ")
                }
            ),
            Cause::SelfSignedLeaf { subject } => format!(
                "self-signed: the server's certificate `{subject}` signs itself; no CA vouches for it"
            ),
            Cause::Other { detail } => format!("not verified: {detail}"),
        }
    }

    /// What to do about it.
    pub fn advice(&self) -> String {
        match self {
            Cause::MissingIssuer { .. } => "run `certpatch fix` with the same arguments to fetch the intermediate, check it and add it; the server should also be fixed to send its full chain".into(),
            Cause::RootNotInBundle { os_trusts: true, .. } => "if this is your company's proxy or CA (ask your IT team to confirm the fingerprint), `certpatch fix --allow-root` adds that root; otherwise do not trust it".into(),
            Cause::RootNotInBundle { .. } => "certpatch will not add an unknown root on its own; if you know it is your organisation's, get its certificate from them and run `certpatch add ROOT.pem --allow-root`".into(),
            Cause::Expired { .. } | Cause::NotYetValid { .. } => "no bundle change fixes this: the server's operator must renew the certificate (or check this machine's clock, or --at)".into(),
            Cause::NameMismatch { .. } => "connect with a name the certificate lists, or have the operator issue one for this name; no bundle change fixes this".into(),
            Cause::SelfSignedLeaf { .. } => "no CA bundle should trust this; ask the operator for a CA-issued certificate (pin it in your own code only if you must)".into(),
            Cause::Other { .. } => "read the reason above; certpatch knows no bundle change that fixes it".into(),
        }
    }

    /// Whether adding issuer certificates to the bundle can fix it.
    pub fn bundle_fixable(&self) -> bool {
        matches!(
            self,
            Cause::MissingIssuer { .. } | Cause::RootNotInBundle { .. }
        )
    }
}

/// The verdict on a chain for one bundle.
#[derive(Clone, Debug, Serialize)]
pub struct Judgement {
    pub verifies: bool,
    /// webpki's own reason when it refused.
    pub webpki_error: Option<String>,
    pub causes: Vec<Cause>,
}

/// The operating system's trusted roots, read once (lazily) per run.
#[derive(Default)]
pub struct OsRoots {
    certs: std::cell::OnceCell<Vec<Cert>>,
}

impl OsRoots {
    /// Whether the store holds `cert` (same subject and key) or a root that signs it.
    pub fn trusts(&self, cert: &Cert) -> bool {
        let roots = self.certs.get_or_init(|| {
            rustls_native_certs::load_native_certs()
                .certs
                .iter()
                .filter_map(|c| Cert::from_der(c.as_ref()).ok())
                .collect()
        });
        roots.iter().any(|r| {
            (r.subject_raw == cert.subject_raw && r.spki_raw == cert.spki_raw)
                || (cert.issuer_candidate(r) && cert.signed_by(r) == Ok(true))
        })
    }
}

/// Whether the bundle anchors `cert`: holds it, a certificate with its name and key, or
/// a certificate that signs it.
pub fn anchored(cert: &Cert, bundle: &Bundle) -> bool {
    bundle.certs.iter().any(|b| {
        b.same_as(cert)
            || (b.subject_raw == cert.subject_raw && b.spki_raw == cert.spki_raw)
            || (cert.issuer_candidate(b) && cert.signed_by(b) == Ok(true))
    })
}

/// The chain in issuing order from the leaf: each next certificate is one of `chain`
/// that signs the previous one. Returns indices into `chain`; stops at a self-signed
/// certificate or when no issuer is in `chain`.
pub fn path(chain: &[Cert]) -> Vec<usize> {
    let mut out = vec![0];
    while out.len() < chain.len() {
        let last = &chain[*out.last().unwrap()];
        if last.is_self_issued() && last.signed_by(last) == Ok(true) {
            break;
        }
        let next = (0..chain.len()).find(|&j| {
            !out.contains(&j)
                && last.issuer_candidate(&chain[j])
                && last.signed_by(&chain[j]) == Ok(true)
        });
        match next {
            Some(j) => out.push(j),
            None => break,
        }
    }
    out
}

fn unix(at: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(at.unix_timestamp().max(0) as u64))
}

/// Verifies `chain` (leaf first, as sent) for `name` (when given) at `at` with `bundle`
/// as the trust anchors, with rustls-webpki. `Err` carries webpki's reason.
pub fn webpki_verify(
    chain: &[Cert],
    bundle: &Bundle,
    name: Option<&ServerName<'_>>,
    at: OffsetDateTime,
) -> Result<(), String> {
    let ders: Vec<CertificateDer<'_>> = bundle
        .certs
        .iter()
        .map(|c| CertificateDer::from(c.der.as_slice()))
        .collect();
    let anchors: Vec<TrustAnchor<'_>> = ders
        .iter()
        .filter_map(|d| anchor_from_trusted_cert(d).ok())
        .collect();
    let leaf_der = CertificateDer::from(chain[0].der.as_slice());
    let leaf = EndEntityCert::try_from(&leaf_der).map_err(|e| format!("{e:?}"))?;
    let intermediates: Vec<CertificateDer<'_>> = chain[1..]
        .iter()
        .map(|c| CertificateDer::from(c.der.as_slice()))
        .collect();
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        unix(at),
        KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(|e| format!("{e:?}"))?;
    match name {
        Some(name) => leaf
            .verify_is_valid_for_subject_name(name)
            .map_err(|e| format!("{e:?}")),
        None => Ok(()),
    }
}

/// Judges `chain` for `name` (no name check without one) at `at` against `bundle`.
pub fn judge(
    chain: &[Cert],
    bundle: &Bundle,
    name: Option<&ServerName<'_>>,
    at: OffsetDateTime,
    os: &OsRoots,
) -> Judgement {
    let verdict = webpki_verify(chain, bundle, name, at);
    let Err(webpki_error) = verdict else {
        return Judgement {
            verifies: true,
            webpki_error: None,
            causes: Vec::new(),
        };
    };
    let mut causes = Vec::new();
    let leaf = &chain[0];
    if leaf.is_self_issued() && leaf.signed_by(leaf) == Ok(true) && !anchored(leaf, bundle) {
        causes.push(Cause::SelfSignedLeaf {
            subject: leaf.subject().to_string(),
        });
    } else {
        let order = path(chain);
        let top_index = *order.last().unwrap();
        let top = &chain[top_index];
        let depth = order.len() - 1;
        if !anchored(top, bundle) {
            if top.is_self_issued() && top.signed_by(top) == Ok(true) {
                causes.push(Cause::RootNotInBundle {
                    depth,
                    subject: top.subject().to_string(),
                    sha256: top.sha256_hex(),
                    os_trusts: os.trusts(top),
                });
            } else {
                causes.push(Cause::MissingIssuer {
                    depth,
                    subject: top.subject().to_string(),
                    issuer: top.issuer().to_string(),
                    ca_issuers: extra(top).ca_issuers,
                });
            }
        }
        for (d, &i) in order.iter().enumerate() {
            let c = &chain[i];
            if at > c.not_after {
                causes.push(Cause::Expired {
                    depth: d,
                    subject: c.subject().to_string(),
                    not_after: rfc3339(c.not_after),
                });
            } else if at < c.not_before {
                causes.push(Cause::NotYetValid {
                    depth: d,
                    subject: c.subject().to_string(),
                    not_before: rfc3339(c.not_before),
                });
            }
        }
    }
    let leaf_der = CertificateDer::from(leaf.der.as_slice());
    if let (Some(name), Ok(leaf_ee)) = (name, EndEntityCert::try_from(&leaf_der)) {
        if leaf_ee.verify_is_valid_for_subject_name(name).is_err() {
            let e = extra(leaf);
            let mut names = e.dns_names;
            names.extend(e.ip_names);
            causes.push(Cause::NameMismatch {
                name: name.to_str().into_owned(),
                leaf_names: names,
            });
        }
    }
    if causes.is_empty() {
        causes.push(Cause::Other {
            detail: webpki_error.clone(),
        });
    }
    Judgement {
        verifies: false,
        webpki_error: Some(webpki_error),
        causes,
    }
}

/// What is odd about the chain as sent: certificates out of issuing order, certificates
/// that are not on the leaf's path (extra), a root sent along (harmless, but useless).
pub fn chain_notes(chain: &[Cert]) -> Vec<String> {
    let mut notes = Vec::new();
    let order = path(chain);
    if chain.len() == 1 && !(chain[0].is_self_issued() && chain[0].signed_by(&chain[0]) == Ok(true))
    {
        notes.push("the server sent only its own certificate (no intermediate): clients that do not fetch missing issuers (Python, curl, OpenSSL) cannot build the chain unless their bundle holds the intermediate".to_string());
    }
    let on_path: Vec<usize> = order.clone();
    if on_path.windows(2).any(|w| w[1] != w[0] + 1) {
        notes.push(format!(
            "the certificates are out of order (issuing order is {}); most clients cope, but the server should send leaf, then its issuer, then that one's issuer",
            on_path.iter().map(|i| format!("[{i}]")).collect::<Vec<_>>().join(" → ")
        ));
    }
    for (i, c) in chain.iter().enumerate() {
        if !on_path.contains(&i) {
            notes.push(format!(
                "[{i}] `{}` is extra: it does not issue any certificate on the leaf's path",
                c.subject()
            ));
        }
    }
    if let Some(&last) = order.last() {
        let top = &chain[last];
        if order.len() > 1 && top.is_self_issued() && top.signed_by(top) == Ok(true) {
            notes.push(format!(
                "[{last}] the server also sent its root `{}`; clients ignore it and use their own copy",
                top.subject()
            ));
        }
    }
    notes
}
