//! Judging a server's chain against one bundle: rustls-webpki says whether the bundle
//! verifies it (for the server name, at the chosen time), and a walk over the chain says
//! why not, by cause, in words a person can act on.

use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use time::OffsetDateTime;
use webpki::{anchor_from_trusted_cert, EndEntityCert, KeyUsage};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::bundle::Bundle;
use crate::net::pyssl::{self, code, Rules, Verdict};
use crate::x509::cert::{Cert, SigHash};
use crate::x509::clock::rfc3339;

/// The OID of AIA's "CA Issuers" access method (id-ad-caIssuers).
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// What the chain shows beyond [`Cert`]: the leaf's names and the AIA "CA Issuers" URLs.
#[derive(Clone, Debug, Default)]
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
#[derive(Clone, Debug)]
pub enum Cause {
    /// The certificate at `depth` names an issuer that is neither in the chain nor in
    /// the bundle.
    MissingIssuer {
        depth: usize,
        subject: String,
        issuer: String,
        ca_issuers: Vec<String>,
    },
    /// The chain ends at a self-signed root the bundle lacks (`sent`), or at a
    /// certificate whose issuer is a root the operating system's store holds but the
    /// bundle does not (not `sent`: a TLS-inspecting proxy's root, typically).
    RootNotInBundle {
        depth: usize,
        subject: String,
        sha256: String,
        /// Whether the operating system's store (SSL_CERT_FILE/SSL_CERT_DIR honoured)
        /// holds it.
        os_trusts: bool,
        /// Whether the server sent the root (else it was found in the OS store).
        sent: bool,
    },
    /// A publicly known interception or compromised root is on the chain.
    KnownBadRoot {
        depth: usize,
        subject: String,
        sha256: String,
        /// What it is, e.g. "Superfish VisualDiscovery adware root (2015)".
        name: String,
    },
    /// A key Python (OpenSSL at security level 2) refuses: RSA under 2048 bits, …
    WeakKey {
        depth: usize,
        subject: String,
        key: String,
    },
    /// A signature made with MD5 or SHA-1.
    WeakSignature {
        depth: usize,
        subject: String,
        algorithm: String,
    },
    /// The server presents a CA certificate as its own.
    CaAsServer {
        subject: String,
    },
    /// Python 3.13+ (`VERIFY_X509_STRICT`) refuses the chain; older Python accepts it.
    Strict313 {
        depth: usize,
        subject: String,
        reason: String,
    },
    /// OpenSSL (as Python configures it) refused the chain for a reason none of the
    /// above explains.
    Openssl {
        depth: usize,
        subject: String,
        code: i32,
        reason: String,
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
            Cause::KnownBadRoot { .. } => "known-bad-root",
            Cause::WeakKey { .. } => "weak-key",
            Cause::WeakSignature { .. } => "weak-signature",
            Cause::CaAsServer { .. } => "ca-as-server-certificate",
            Cause::Strict313 { .. } => "python313-strict",
            Cause::Openssl { .. } => "openssl",
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
                subject,
                os_trusts,
                sent: false,
                depth,
                ..
            } => {
                format!("root not trusted by this bundle: the chain's top certificate (depth {}) is issued by `{subject}`, a root found in your operating system's store but not in this bundle: likely your company's TLS-inspecting proxy or a company CA{}", depth.saturating_sub(1), if *os_trusts { "" } else { " (not trusted there either)" })
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
            Cause::KnownBadRoot { depth, subject, name, .. } => format!(
                "known-bad root: `{subject}` (depth {depth}) is the {name}: anyone can impersonate any site with it"
            ),
            Cause::WeakKey { depth, subject, key } => format!(
                "weak key: `{subject}` (depth {depth}) has a {key} key; Python (OpenSSL at security level 2) refuses keys under 2048 bits (RSA) or 224 bits (EC)"
            ),
            Cause::WeakSignature {
                depth,
                subject,
                algorithm,
            } => format!(
                "weak signature: `{subject}` (depth {depth}) is signed with {algorithm}; Python (OpenSSL at security level 2) refuses MD5 and SHA-1 signatures"
            ),
            Cause::CaAsServer { subject } => format!(
                "CA certificate presented as the server's: the first certificate the server sends, `{subject}`, is a CA (basicConstraints CA:TRUE), not a server certificate; the server's chain is misconfigured (reversed or wrong file)"
            ),
            Cause::Strict313 {
                depth,
                subject,
                reason,
            } => format!(
                "Python 3.13+ refuses the chain (VERIFY_X509_STRICT): `{subject}` (depth {depth}): {reason}; Python before 3.13 accepts it"
            ),
            Cause::Openssl {
                depth,
                subject,
                reason,
                ..
            } => format!("refused by OpenSSL as Python uses it: `{subject}` (depth {depth}): {reason}"),
            Cause::Other { detail } => format!("not verified: {detail}"),
        }
    }

    /// What to do about it.
    pub fn advice(&self) -> String {
        match self {
            Cause::MissingIssuer { .. } => "run `certpatch fix` with the same arguments to fetch the intermediate, check it and add it; the server should also be fixed to send its full chain".into(),
            Cause::RootNotInBundle { sent: false, .. } => "if this is your company's proxy or CA (ask your IT team to confirm the fingerprint), `certpatch fix --allow-root` adds that root from the OS store to this bundle; or point the client at the OS store (e.g. REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt); adding an intermediate will not help".into(),
            Cause::RootNotInBundle { os_trusts: true, .. } => "if this is your company's proxy or CA (ask your IT team to confirm the fingerprint), `certpatch fix --allow-root` adds that root; otherwise do not trust it".into(),
            Cause::RootNotInBundle { .. } => "certpatch will not add an unknown root on its own; if you know it is your organisation's, get its certificate from them and run `certpatch add ROOT.pem --allow-root`".into(),
            Cause::Expired { .. } | Cause::NotYetValid { .. } => "no bundle change fixes this: the server's operator must renew the certificate (or check this machine's clock, or --at)".into(),
            Cause::NameMismatch { .. } => "connect with a name the certificate lists, or have the operator issue one for this name; no bundle change fixes this".into(),
            Cause::SelfSignedLeaf { .. } => "no CA bundle should trust this; ask the operator for a CA-issued certificate (pin it in your own code only if you must)".into(),
            Cause::KnownBadRoot { .. } => "do not trust it: remove the software that installed it (adware, a vendor tool or a development server) and its root from the OS store; certpatch refuses to add it, even with --allow-root".into(),
            Cause::WeakKey { .. } => "no bundle change fixes this: the server's operator must use a key of at least 2048 bits (RSA) or an EC key".into(),
            Cause::WeakSignature { .. } => "no bundle change fixes this: the certificate must be re-issued with a SHA-256 (or stronger) signature; ask the server's operator (or the CA, for an intermediate)".into(),
            Cause::CaAsServer { .. } => "no bundle change fixes this: the server's operator must configure its own certificate first, then its intermediates (leaf first)".into(),
            Cause::Strict313 { .. } => "ask the CA to re-issue the certificate as RFC 5280 requires (certificates with Authority and Subject Key Identifiers, …); until then, only your own code can relax it on 3.13+ (`ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT`); adding to the bundle cannot fix it".into(),
            Cause::Openssl { .. } | Cause::Other { .. } => "read the reason above; certpatch knows no bundle change that fixes it".into(),
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
#[derive(Clone, Debug)]
pub struct Judgement {
    /// Whether the target's Python will verify it: OpenSSL's verdict under every rule
    /// set that may apply ([`pyssl`]); webpki's where OpenSSL is not built in.
    pub verifies: bool,
    /// webpki's own reason when it refused.
    pub webpki_error: Option<String>,
    /// OpenSSL's verdict under each Python version's rules that may apply.
    pub python: Vec<Verdict>,
    pub causes: Vec<Cause>,
    /// What does not stop Python's `ssl` but stops common clients (e.g. a name only in
    /// the common name: urllib3 2 and so requests refuse it).
    pub warnings: Vec<String>,
}

impl Judgement {
    /// The per-version verdicts disagree (Python 3.13+ refuses what older Python accepts,
    /// or the reverse).
    pub fn versions_differ(&self) -> bool {
        self.python
            .windows(2)
            .any(|w| w[0].verifies != w[1].verifies)
    }
}

/// A known-bad root, as the caller's list names it.
pub struct Flagged {
    pub name: String,
}

/// The roots of the operating system's own store beside the files (Windows' `ROOT`
/// store; none on Unix), as Python's `ssl.enum_certificates("ROOT")` reads them.
pub fn os_store_roots() -> Vec<Cert> {
    crate::os::store_roots_der()
        .iter()
        .filter_map(|der| Cert::from_der(der).ok())
        .collect()
}

/// The operating system's trusted roots, read once (lazily) per run.
#[derive(Default)]
pub struct OsRoots {
    certs: std::cell::OnceCell<Vec<Cert>>,
}

impl OsRoots {
    fn roots(&self) -> &[Cert] {
        self.certs.get_or_init(|| {
            let mut certs: Vec<Cert> = rustls_native_certs::load_native_certs()
                .certs
                .iter()
                .filter_map(|c| Cert::from_der(c.as_ref()).ok())
                .collect();
            // With SSL_CERT_FILE or SSL_CERT_DIR set, rustls-native-certs reads only those;
            // Python on Windows reads them *and* the Windows store (`load_default_certs`).
            // (Unix has no store beside the files: nothing is added.)
            if std::env::var_os("SSL_CERT_FILE").is_some()
                || std::env::var_os("SSL_CERT_DIR").is_some()
            {
                certs.extend(os_store_roots());
            }
            certs
        })
    }

    /// A store made of these certificates (for tests and `--chain` measurements).
    pub fn from_certs(certs: Vec<Cert>) -> OsRoots {
        let me = OsRoots::default();
        let _ = me.certs.set(certs);
        me
    }

    /// Whether the store holds `cert` (same subject and key) or a root that signs it.
    pub fn trusts(&self, cert: &Cert) -> bool {
        self.roots().iter().any(|r| {
            (r.subject_raw == cert.subject_raw && r.spki_raw == cert.spki_raw)
                || (cert.issuer_candidate(r) && signs(cert, r))
        })
    }

    /// The store's certificate whose name (and key identifier) says it issued `cert`, the
    /// signature unchecked: for naming a known-bad issuer whose weak key the verifier
    /// cannot use.
    pub fn named_issuer_of(&self, cert: &Cert) -> Option<Cert> {
        self.roots()
            .iter()
            .find(|r| cert.issuer_candidate(r) && cert.signed_by(r) != Ok(false))
            .cloned()
    }

    /// The store's certificate that signs `cert`, if any.
    pub fn issuer_of(&self, cert: &Cert) -> Option<Cert> {
        self.roots()
            .iter()
            .find(|r| cert.issuer_candidate(r) && signs(cert, r))
            .cloned()
    }
}

/// Whether `issuer`'s key made `cert`'s signature: the x509 layer's check, else OpenSSL's
/// (which also takes the RSA keys under 2048 bits that ring refuses).
pub fn signs(cert: &Cert, issuer: &Cert) -> bool {
    cert.signed_by(issuer) == Ok(true) || pyssl::signs(cert, issuer) == Some(true)
}

/// Whether the bundle anchors `cert`: holds it, a certificate with its name and key, or
/// a certificate that signs it.
pub fn anchored(cert: &Cert, bundle: &Bundle) -> bool {
    bundle.certs.iter().any(|b| {
        b.same_as(cert)
            || (b.subject_raw == cert.subject_raw && b.spki_raw == cert.spki_raw)
            || (cert.issuer_candidate(b) && signs(cert, b))
    })
}

/// The chain in issuing order from the leaf: each next certificate is one of `chain`
/// that signs the previous one. Returns indices into `chain`; stops at a self-signed
/// certificate or when no issuer is in `chain`.
pub fn path(chain: &[Cert]) -> Vec<usize> {
    let mut out = vec![0];
    while out.len() < chain.len() {
        let last = &chain[*out.last().unwrap()];
        if last.is_self_issued() && signs(last, last) {
            break;
        }
        // A signature that cannot be checked (MD5, an unknown algorithm) still names its
        // issuer: follow the name rather than call the sent issuer "extra".
        let next = (0..chain.len())
            .find(|&j| {
                !out.contains(&j) && last.issuer_candidate(&chain[j]) && signs(last, &chain[j])
            })
            .or_else(|| {
                (0..chain.len()).find(|&j| {
                    !out.contains(&j)
                        && last.issuer_candidate(&chain[j])
                        && last.signed_by(&chain[j]).is_err()
                })
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

/// Judges `chain` for `name` (no name check without one) at `at` against `bundle`,
/// under both Python versions' rules (the target's version unknown).
pub fn judge(
    chain: &[Cert],
    bundle: &Bundle,
    name: Option<&ServerName<'_>>,
    at: OffsetDateTime,
    os: &OsRoots,
) -> Judgement {
    judge_for(
        chain,
        bundle,
        name,
        at,
        os,
        &Rules::for_target(None),
        &|_| None,
    )
}

/// Whether the leaf's common name (used by OpenSSL only when it has no DNS name) matches
/// `name` where its subjectAltName does not.
fn name_only_in_cn(leaf: &Cert, name: &str) -> bool {
    let Ok((_, x)) = X509Certificate::from_der(&leaf.der) else {
        return false;
    };
    if !extra(leaf).dns_names.is_empty() {
        return false;
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let found = x.subject().iter_common_name().any(|cn| {
        cn.as_str().is_ok_and(|cn| {
            let cn = cn.trim_end_matches('.').to_ascii_lowercase();
            cn == name
                || cn.strip_prefix("*.").is_some_and(|rest| {
                    name.split_once('.')
                        .is_some_and(|(label, tail)| !label.is_empty() && tail == rest)
                })
        })
    });
    found
}

/// The certificate at `depth` of the chain OpenSSL built, as far as certpatch can tell:
/// the chain as sent in issuing order, then the bundle's certificate that signs its top.
fn at_depth<'c>(chain: &'c [Cert], bundle: &'c Bundle, depth: usize) -> Option<&'c Cert> {
    let order = path(chain);
    if let Some(&i) = order.get(depth) {
        return Some(&chain[i]);
    }
    let top = &chain[*order.last()?];
    bundle
        .certs
        .iter()
        .find(|b| top.issuer_candidate(b) && signs(top, b))
}

/// Judges `chain` for `name` at `at` against `bundle` under each of `rules` (the Python
/// versions the target may run), with `known_bad` naming a publicly compromised root.
pub fn judge_for(
    chain: &[Cert],
    bundle: &Bundle,
    name: Option<&ServerName<'_>>,
    at: OffsetDateTime,
    os: &OsRoots,
    rules: &[Rules],
    known_bad: &dyn Fn(&Cert) -> Option<Flagged>,
) -> Judgement {
    let name_text = name.map(|n| n.to_str().into_owned());
    let python = pyssl::verify_all(chain, &bundle.certs, name_text.as_deref(), at, rules);
    let webpki = webpki_verify(chain, bundle, name, at);
    let leaf = &chain[0];
    let mut warnings = Vec::new();
    let mut causes = Vec::new();
    // A known-bad root anywhere on the path (sent, in the bundle, or in the OS store)
    // fails the chain by name, whatever else passes.
    let order = path(chain);
    let mut path_certs: Vec<Cert> = order.iter().map(|&i| chain[i].clone()).collect();
    if let Some(top) = path_certs.last().cloned() {
        if !(top.is_self_issued() && signs(&top, &top)) {
            if let Some(b) = bundle
                .certs
                .iter()
                .find(|b| top.issuer_candidate(b) && signs(&top, b))
            {
                path_certs.push(b.clone());
            } else if let Some(r) = os.issuer_of(&top).or_else(|| os.named_issuer_of(&top)) {
                path_certs.push(r);
            }
        }
    }
    for (depth, c) in path_certs.iter().enumerate() {
        if let Some(f) = known_bad(c) {
            causes.push(Cause::KnownBadRoot {
                depth,
                subject: c.subject().to_string(),
                sha256: c.sha256_hex(),
                name: f.name,
            });
        }
    }
    let verifies = causes.is_empty()
        && if python.is_empty() {
            webpki.is_ok()
        } else {
            python.iter().all(|v| v.verifies)
        };
    if let Some(n) = &name_text {
        let webpki_name_ok = EndEntityCert::try_from(&CertificateDer::from(leaf.der.as_slice()))
            .is_ok_and(|ee| name.is_some_and(|sn| ee.verify_is_valid_for_subject_name(sn).is_ok()));
        if !webpki_name_ok && name_only_in_cn(leaf, n) {
            warnings.push(format!("the name `{n}` is only in the certificate's common name (CN), not in its subjectAltName: Python's `ssl` accepts it, but urllib3 2 (and so requests), httpx, Go, browsers and rustls refuse it; the server's operator should issue a certificate that lists the name in subjectAltName"));
        }
    }
    if verifies {
        return Judgement {
            verifies: true,
            webpki_error: webpki.err(),
            python,
            causes,
            warnings,
        };
    }
    let webpki_error = webpki.err();
    if leaf.basic_constraints.is_some_and(|b| b.ca) && chain.len() > 1 {
        causes.push(Cause::CaAsServer {
            subject: leaf.subject().to_string(),
        });
    }
    if leaf.is_self_issued() && signs(leaf, leaf) && !anchored(leaf, bundle) {
        causes.push(Cause::SelfSignedLeaf {
            subject: leaf.subject().to_string(),
        });
    } else {
        let top_index = *order.last().unwrap();
        let top = &chain[top_index];
        let depth = order.len() - 1;
        if !anchored(top, bundle) {
            if top.is_self_issued() && signs(top, top) {
                causes.push(Cause::RootNotInBundle {
                    depth,
                    subject: top.subject().to_string(),
                    sha256: top.sha256_hex(),
                    os_trusts: os.trusts(top),
                    sent: true,
                });
            } else if let Some(root) = os
                .issuer_of(top)
                .filter(|r| r.is_self_issued() && signs(r, r))
            {
                causes.push(Cause::RootNotInBundle {
                    depth: depth + 1,
                    subject: root.subject().to_string(),
                    sha256: root.sha256_hex(),
                    os_trusts: true,
                    sent: false,
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
    if let Some(n) = &name_text {
        let leaf_der = CertificateDer::from(leaf.der.as_slice());
        if let (Some(sn), Ok(leaf_ee)) = (name, EndEntityCert::try_from(&leaf_der)) {
            if leaf_ee.verify_is_valid_for_subject_name(sn).is_err() && !name_only_in_cn(leaf, n) {
                let e = extra(leaf);
                let mut names = e.dns_names;
                names.extend(e.ip_names);
                causes.push(Cause::NameMismatch {
                    name: n.clone(),
                    leaf_names: names,
                });
            }
        }
    }
    // Weak keys and signatures on the path, as OpenSSL at security level 2 judges them
    // (checked here too so that they are named whichever error OpenSSL stopped at, and
    // where OpenSSL is not built in).
    for (d, &i) in order.iter().enumerate() {
        let c = &chain[i];
        if d == 0 && c.rsa_bits.is_some_and(|b| b < 2048) {
            causes.push(Cause::WeakKey {
                depth: 0,
                subject: c.subject().to_string(),
                key: c.key_desc.clone(),
            });
        }
        let self_signed = c.is_self_issued() && signs(c, c);
        if !self_signed && matches!(c.sig_hash, SigHash::Md5 | SigHash::Md2 | SigHash::Sha1) {
            causes.push(Cause::WeakSignature {
                depth: d,
                subject: c.subject().to_string(),
                algorithm: c.sig_alg_name.clone(),
            });
        }
    }
    // What OpenSSL says that nothing above explains.
    let strict_only = python
        .iter()
        .any(|v| v.rules == Rules::Strict313 && !v.verifies)
        && python
            .iter()
            .any(|v| v.rules == Rules::Before313 && v.verifies);
    for v in python.iter().filter(|v| !v.verifies) {
        let d = v.depth as usize;
        let subject = at_depth(chain, bundle, d)
            .map(|c| c.subject().to_string())
            .unwrap_or_else(|| "?".into());
        let explained = match v.code {
            code::CERT_HAS_EXPIRED | code::CERT_NOT_YET_VALID => causes.iter().any(|c| {
                matches!(c, Cause::Expired { depth, .. } | Cause::NotYetValid { depth, .. } if *depth == d)
            }),
            code::HOSTNAME_MISMATCH | code::IP_ADDRESS_MISMATCH => {
                causes.iter().any(|c| matches!(c, Cause::NameMismatch { .. }))
            }
            code::EE_KEY_TOO_SMALL | code::CA_KEY_TOO_SMALL => {
                causes.iter().any(|c| matches!(c, Cause::WeakKey { .. }))
            }
            code::CA_MD_TOO_WEAK | code::CERT_SIGNATURE_FAILURE => {
                causes.iter().any(|c| matches!(c, Cause::WeakSignature { .. }))
            }
            code::UNABLE_TO_GET_ISSUER_CERT
            | code::UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            | code::UNABLE_TO_VERIFY_LEAF_SIGNATURE
            | code::DEPTH_ZERO_SELF_SIGNED_CERT
            | code::SELF_SIGNED_CERT_IN_CHAIN => causes.iter().any(|c| {
                matches!(
                    c,
                    Cause::MissingIssuer { .. }
                        | Cause::RootNotInBundle { .. }
                        | Cause::SelfSignedLeaf { .. }
                        | Cause::CaAsServer { .. }
                )
            }),
            _ => causes.iter().any(|c| matches!(c, Cause::CaAsServer { .. })) && d == 0,
        };
        if explained {
            continue;
        }
        let cause = match v.code {
            code::EE_KEY_TOO_SMALL | code::CA_KEY_TOO_SMALL => Cause::WeakKey {
                depth: d,
                subject,
                key: at_depth(chain, bundle, d)
                    .map(|c| c.key_desc.clone())
                    .unwrap_or_else(|| "weak".into()),
            },
            _ if v.rules == Rules::Strict313 && strict_only => Cause::Strict313 {
                depth: d,
                subject,
                reason: v.reason.clone(),
            },
            _ => Cause::Openssl {
                depth: d,
                subject,
                code: v.code,
                reason: format!("{} ({})", v.reason, v.rules.words()),
            },
        };
        causes.push(cause);
    }
    // A known-bad root is never offered as a proxy's root to add.
    let bad: Vec<String> = causes
        .iter()
        .filter_map(|c| match c {
            Cause::KnownBadRoot { sha256, .. } => Some(sha256.clone()),
            _ => None,
        })
        .collect();
    causes.retain(|c| !matches!(c, Cause::RootNotInBundle { sha256, .. } if bad.contains(sha256)));
    if causes.is_empty() {
        causes.push(Cause::Other {
            detail: match &webpki_error {
                Some(e) => format!("webpki: {e}"),
                None => "webpki and OpenSSL disagree".into(),
            },
        });
    }
    Judgement {
        verifies: false,
        webpki_error,
        python,
        causes,
        warnings,
    }
}

/// What is odd about the chain as sent: certificates out of issuing order, certificates
/// that are not on the leaf's path (extra), a root sent along (harmless, but useless).
pub fn chain_notes(chain: &[Cert]) -> Vec<String> {
    let mut notes = Vec::new();
    let order = path(chain);
    if chain.len() == 1 && !(chain[0].is_self_issued() && signs(&chain[0], &chain[0])) {
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
        if order.len() > 1 && top.is_self_issued() && signs(top, top) {
            notes.push(format!(
                "[{last}] the server also sent its root `{}`; clients ignore it and use their own copy",
                top.subject()
            ));
        }
    }
    notes
}

#[cfg(all(test, windows))]
mod windows_store_tests {
    use super::*;

    /// Wine fills its `ROOT` store from the Linux machine's (/etc/ssl/certs), so under
    /// Wine, as on Windows, the store holds the public roots.
    #[test]
    fn the_windows_store_is_read() {
        let roots = os_store_roots();
        assert!(roots.len() > 20, "{} roots", roots.len());
        assert!(
            roots
                .iter()
                .any(|r| r.subject().contains("DigiCert") || r.subject().contains("ISRG")),
            "no well-known root among {}",
            roots.len()
        );
    }
}
