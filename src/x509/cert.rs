//! One certificate and the facts certpatch needs about it.
//!
//! A [`Cert`] owns its DER bytes and the facts extracted once at parse time (names,
//! fingerprints, validity, extensions, key size), so the rest of the program never deals
//! with the borrowing parser types. Signature checks re-parse on demand, which is cheap.

use std::fmt;
use std::sync::OnceLock;

use ::time::OffsetDateTime;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::oid_registry::{self, Oid};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

/// Why DER bytes are not a usable certificate.
#[derive(Debug, thiserror::Error)]
#[error("not a valid X.509 certificate: {0}")]
pub struct ParseError(String);

/// A signature algorithm family, as far as acceptance rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigHash {
    Md2,
    Md5,
    Sha1,
    Strong,
}

/// One certificate: its DER bytes, the facts the acceptance rules read (read from one
/// x509-parser pass at parse time: extensions, validity, key), and the costly renderings
/// computed on first use and cached. A bundle holds hundreds of certificates of which a
/// command usually looks at one or two, so fingerprints (SHA-256, SHA-1, MD5), the
/// renderings of names and their canonical comparison keys are never computed for the
/// others (`subject()`, `sha256()` and the other methods compute them when asked).
#[derive(Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    /// Raw DER of the names, for exact issuer matching.
    pub subject_raw: Vec<u8>,
    pub issuer_raw: Vec<u8>,
    /// The serial number's content bytes (big-endian, as encoded).
    serial_raw: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub version: u32,
    pub basic_constraints: Option<Constraint>,
    pub key_usage: Option<KeyUsageFact>,
    /// The extension is there but could not be read (malformed, or a value out of range).
    pub basic_constraints_unreadable: bool,
    pub key_usage_unreadable: bool,
    /// OIDs of critical extensions that neither x509-parser nor OpenSSL handles.
    pub unknown_critical: Vec<String>,
    pub ski: Option<ExtFact>,
    pub aki: Option<ExtFact>,
    /// The subjectKeyIdentifier value and the authorityKeyIdentifier's keyIdentifier, to
    /// index issuers as OpenSSL matches them.
    pub ski_id: Option<Vec<u8>>,
    pub aki_id: Option<Vec<u8>>,
    /// The nameConstraints extension, `Err` when present but unreadable.
    pub name_constraints: Result<Option<NameConstraintsFact>, String>,
    /// Why the public key is not acceptable for a CA (weak or unsupported), if it is not.
    /// RSA size is judged separately from `rsa_bits`.
    pub key_problem: Option<String>,
    pub sig_hash: SigHash,
    pub sig_alg_name: String,
    pub rsa_bits: Option<usize>,
    pub key_desc: String,
    /// Whether the extendedKeyUsage extension (when present) allows TLS server
    /// authentication; `None` when there is no such extension (no restriction).
    pub eku_server_auth: Option<bool>,
    /// DER of the SubjectPublicKeyInfo, to spot cross-signed twins (same subject and key).
    pub spki_raw: Vec<u8>,
    /// What is computed on first use.
    lazy: Lazy,
}

/// The renderings and hashes of a [`Cert`], each computed once, when first asked for.
#[derive(Clone, Default)]
struct Lazy {
    sha256: OnceLock<[u8; 32]>,
    sha1: OnceLock<[u8; 20]>,
    md5: OnceLock<[u8; 16]>,
    subject_key: OnceLock<NameKey>,
    issuer_key: OnceLock<NameKey>,
    subject_text: OnceLock<NameText>,
    issuer_text: OnceLock<NameText>,
    serial_decimal: OnceLock<String>,
}

/// The ways a name is written.
#[derive(Clone)]
struct NameText {
    /// RFC 4514-like, control characters escaped.
    display: String,
    /// certifi's `CN=… O=… OU=…`.
    certifi: String,
    /// certifi's label: CN, else OU, else O.
    label: String,
    /// The label with control characters escaped.
    display_label: String,
}

impl NameText {
    fn of(raw: &[u8]) -> NameText {
        match X509Name::from_der(raw) {
            Ok((_, name)) => {
                let label = label(&name);
                NameText {
                    display: printable(&name.to_string()),
                    certifi: certifi_name(&name),
                    display_label: printable(&label),
                    label,
                }
            }
            // Unreachable: the raw name was read by the same parser when the certificate was.
            Err(_) => NameText {
                display: String::new(),
                certifi: String::new(),
                label: String::new(),
                display_label: String::new(),
            },
        }
    }
}

fn key_of(raw: &[u8]) -> NameKey {
    X509Name::from_der(raw)
        .map(|(_, name)| name_key(&name))
        .unwrap_or_default()
}

#[derive(Clone, Copy, Debug)]
pub struct Constraint {
    pub ca: bool,
    pub critical: bool,
    /// pathLenConstraint: how many CA certificates may follow this one in a chain.
    pub path_len: Option<u32>,
}

/// A name in canonical form: RDNs in order, each a sorted set of (attribute type OID,
/// canonical value).
pub type NameKey = Vec<Vec<(String, String)>>;

/// One general name of a name constraint, in the forms certpatch can compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeneralNameFact {
    Dns(String),
    Email(String),
    /// Address followed by mask (8 bytes for IPv4, 32 for IPv6).
    Ip(Vec<u8>),
    Directory(NameKey, String),
    /// A form certpatch does not compare (URI, otherName, ...), by name.
    Other(String),
}

/// The nameConstraints extension. `permitted` is `None` when the extension has no
/// permittedSubtrees (everything not excluded is permitted).
#[derive(Clone, Debug, Default)]
pub struct NameConstraintsFact {
    pub permitted: Option<Vec<GeneralNameFact>>,
    pub excluded: Vec<GeneralNameFact>,
}

#[derive(Clone, Copy, Debug)]
pub struct KeyUsageFact {
    pub key_cert_sign: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct ExtFact {
    pub critical: bool,
}

impl fmt::Debug for Cert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cert({}, {})", self.subject(), self.sha256_hex())
    }
}

impl Cert {
    /// Parses one certificate of an input FILE: the whole certificate must be strict,
    /// canonical DER of the X.509 structure (as OpenSSL requires of anything in a bundle,
    /// or `ssl.create_default_context()` fails on the whole bundle), and its outer
    /// signatureAlgorithm must equal the signed `signature` field byte for byte.
    pub fn from_der_strict(der: &[u8]) -> Result<Cert, ParseError> {
        strict_der(der)?;
        Cert::from_der(der)
    }

    /// Parses one DER certificate (leniently: bundle certificates are read with this).
    /// Trailing bytes after the certificate are an error.
    pub fn from_der(der: &[u8]) -> Result<Cert, ParseError> {
        let (rest, x509) = X509Certificate::from_der(der).map_err(|e| ParseError(e.to_string()))?;
        if !rest.is_empty() {
            return Err(ParseError(format!(
                "{} unexpected bytes after the certificate",
                rest.len()
            )));
        }
        let der = der.to_vec();
        let tbs = &x509.tbs_certificate;
        let basic_constraints = tbs
            .basic_constraints()
            .map_err(|e| ParseError(format!("basicConstraints: {e}")))?
            .map(|bc| Constraint {
                ca: bc.value.ca,
                critical: bc.critical,
                path_len: bc.value.path_len_constraint,
            });
        let key_usage = tbs
            .key_usage()
            .map_err(|e| ParseError(format!("keyUsage: {e}")))?
            .map(|ku| KeyUsageFact {
                key_cert_sign: ku.value.key_cert_sign(),
            });
        let ext_fact = |oid: &Oid| {
            tbs.get_extension_unique(oid)
                .ok()
                .flatten()
                .map(|e| ExtFact {
                    critical: e.critical,
                })
        };
        let ski = ext_fact(&oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER);
        let aki = ext_fact(&oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER);
        let sig_oid = &x509.signature_algorithm.algorithm;
        let present = |oid: &Oid| tbs.extensions().iter().any(|e| e.oid == *oid);
        let basic_constraints_unreadable =
            basic_constraints.is_none() && present(&oid_registry::OID_X509_EXT_BASIC_CONSTRAINTS);
        let key_usage_unreadable =
            key_usage.is_none() && present(&oid_registry::OID_X509_EXT_KEY_USAGE);
        let unknown_critical = tbs
            .extensions()
            .iter()
            .filter(|e| {
                e.critical
                    && matches!(
                        e.parsed_extension(),
                        ParsedExtension::UnsupportedExtension { .. }
                    )
            })
            .map(|e| e.oid.to_id_string())
            .collect();
        let (rsa_bits, key_desc) = describe_key(tbs.public_key());
        let key_problem = key_problem(tbs.public_key());
        let ski_id = tbs
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
                _ => None,
            });
        let aki_id = tbs
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    aki.key_identifier.as_ref().map(|id| id.0.to_vec())
                }
                _ => None,
            });
        let name_constraints = name_constraints_fact(tbs);
        let eku_server_auth = tbs
            .extended_key_usage()
            .map_err(|e| ParseError(format!("extendedKeyUsage: {e}")))?
            .map(|eku| eku.value.server_auth || eku.value.any);
        Ok(Cert {
            subject_raw: tbs.subject().as_raw().to_vec(),
            issuer_raw: tbs.issuer().as_raw().to_vec(),
            serial_raw: tbs.raw_serial().to_vec(),
            not_before: tbs.validity().not_before.to_datetime(),
            not_after: tbs.validity().not_after.to_datetime(),
            version: tbs.version().0 + 1,
            basic_constraints,
            key_usage,
            basic_constraints_unreadable,
            key_usage_unreadable,
            unknown_critical,
            ski,
            aki,
            ski_id,
            aki_id,
            name_constraints,
            key_problem,
            sig_hash: sig_hash(sig_oid),
            sig_alg_name: sig_alg_name(sig_oid),
            rsa_bits,
            key_desc,
            eku_server_auth,
            spki_raw: tbs.public_key().raw.to_vec(),
            der,
            lazy: Lazy::default(),
        })
    }

    /// The same certificate (the same DER bytes): what comparing fingerprints tells,
    /// without computing them.
    pub fn same_as(&self, other: &Cert) -> bool {
        self.der == other.der
    }

    /// SHA-256 of the DER (computed on first use).
    pub fn sha256(&self) -> [u8; 32] {
        *self
            .lazy
            .sha256
            .get_or_init(|| Sha256::digest(&self.der).into())
    }

    /// SHA-1 of the DER, for certifi-style headers.
    pub fn sha1(&self) -> [u8; 20] {
        *self
            .lazy
            .sha1
            .get_or_init(|| Sha1::digest(&self.der).into())
    }

    /// MD5 of the DER, for certifi-style headers.
    pub fn md5(&self) -> [u8; 16] {
        *self.lazy.md5.get_or_init(|| Md5::digest(&self.der).into())
    }

    fn subject_text(&self) -> &NameText {
        self.lazy
            .subject_text
            .get_or_init(|| NameText::of(&self.subject_raw))
    }

    fn issuer_text(&self) -> &NameText {
        self.lazy
            .issuer_text
            .get_or_init(|| NameText::of(&self.issuer_raw))
    }

    /// RFC 4514-like rendering for messages, e.g. `C=US, O=Let's Encrypt, CN=R10`, with
    /// control characters escaped: names are attacker-chosen text shown on a terminal.
    pub fn subject(&self) -> &str {
        &self.subject_text().display
    }

    /// The issuer name, rendered as [`Cert::subject`].
    pub fn issuer(&self) -> &str {
        &self.issuer_text().display
    }

    /// The subject name as OpenSSL compares names (its X509_NAME canonical form): the RDN
    /// structure kept, each multi-valued RDN compared as a set, string values converted to
    /// UTF-8 with ASCII case and ASCII white space folded, other values by their bytes.
    pub fn subject_key(&self) -> &NameKey {
        self.lazy
            .subject_key
            .get_or_init(|| key_of(&self.subject_raw))
    }

    /// The issuer name in canonical form (see [`Cert::subject_key`]).
    pub fn issuer_key(&self) -> &NameKey {
        self.lazy
            .issuer_key
            .get_or_init(|| key_of(&self.issuer_raw))
    }

    /// certifi-style `CN=… O=… OU=…` rendering of the subject (Unicode, escaped when
    /// written).
    pub fn subject_certifi(&self) -> &str {
        &self.subject_text().certifi
    }

    /// certifi-style rendering of the issuer.
    pub fn issuer_certifi(&self) -> &str {
        &self.issuer_text().certifi
    }

    /// certifi's label: the common name, else the organisational unit, else the organisation.
    pub fn label(&self) -> &str {
        &self.subject_text().label
    }

    /// The serial number in decimal.
    pub fn serial_decimal(&self) -> &str {
        self.lazy.serial_decimal.get_or_init(|| {
            x509_parser::num_bigint::BigUint::from_bytes_be(&self.serial_raw).to_string()
        })
    }

    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256())
    }

    /// Whether `issuer`'s public key verifies this certificate's signature.
    /// `Err` carries why the check could not be made (e.g. an unsupported algorithm).
    pub fn signed_by(&self, issuer: &Cert) -> Result<bool, String> {
        let (_, me) = X509Certificate::from_der(&self.der).map_err(|e| e.to_string())?;
        let (_, them) = X509Certificate::from_der(&issuer.der).map_err(|e| e.to_string())?;
        match me.verify_signature(Some(them.public_key())) {
            Ok(()) => Ok(true),
            Err(X509Error::SignatureVerificationError) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Same subject name as the issuer name and a signature made by its own key.
    /// (The acceptance rules check this through their cached, budgeted verifier.)
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn is_self_signed(&self) -> bool {
        self.is_self_issued() && self.signed_by(self).unwrap_or(false)
    }

    /// Subject and issuer are the same name (as OpenSSL compares names).
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw || self.subject_key() == self.issuer_key()
    }

    /// Whether the issuer name is this certificate's subject name, as OpenSSL compares
    /// names (X509_NAME_cmp on the canonical form; see [`NameKey`]).
    pub fn issued_by_name(&self, issuer: &Cert) -> bool {
        self.issuer_raw == issuer.subject_raw || self.issuer_key() == issuer.subject_key()
    }

    /// Whether `issuer` may be this certificate's issuer by name and key identifier: the
    /// names match and, when both identifiers are there, the authorityKeyIdentifier's
    /// keyIdentifier equals the issuer's subjectKeyIdentifier (OpenSSL's X509_check_akid).
    pub fn issuer_candidate(&self, issuer: &Cert) -> bool {
        self.issued_by_name(issuer)
            && match (&self.aki_id, &issuer.ski_id) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            }
    }

    /// The PEM text of the DER, 64 columns, with the given line ending.
    pub fn pem(&self, eol: &str) -> String {
        let config = ::pem::EncodeConfig::new().set_line_ending(if eol == "\r\n" {
            ::pem::LineEnding::CRLF
        } else {
            ::pem::LineEnding::LF
        });
        ::pem::encode_config(&::pem::Pem::new("CERTIFICATE", self.der.clone()), config)
    }

    /// A short human name: the label, or the whole subject when there is none.
    pub fn name(&self) -> &str {
        let text = self.subject_text();
        if text.display_label.is_empty() {
            &text.display
        } else {
            &text.display_label
        }
    }
}

/// `s` with control characters (C0, DEL, C1) written as `\xNN` and bidirectional
/// formatting characters as `\u{NNNN}` ([`crate::x509::text::escape`]), so a certificate name
/// cannot forge output lines, recolour a terminal or reorder what is shown.
pub fn printable(s: &str) -> String {
    crate::x509::text::escape(s).into_owned()
}

/// The bit length of an RSAPublicKey's modulus (SEQUENCE { INTEGER n, INTEGER e }),
/// leading zero bytes and bits not counted; `None` when it is not well-formed DER.
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    use der::Decode;
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        _exponent: der::asn1::UintRef<'a>,
    }
    let key = RsaPublicKey::from_der(der).ok()?;
    let n = key.modulus.as_bytes();
    let first = *n.first()?;
    Some((n.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}

/// Lowercase hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hex with colons, as certifi writes fingerprints.
pub fn hex_colons(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn attr_text(attr: &AttributeTypeAndValue) -> String {
    if let Ok(s) = attr.as_str() {
        return s.to_string();
    }
    // BMPString (UTF-16BE) and UniversalString (UTF-32BE) are not covered by as_str().
    let data = attr.attr_value().data;
    match attr.attr_value().tag().0 {
        30 => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        28 => data
            .chunks(4)
            .filter_map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b))
            })
            .collect(),
        _ => String::from_utf8_lossy(data).into_owned(),
    }
}

fn attrs_of<'a>(name: &'a X509Name, oid: &'a Oid) -> impl Iterator<Item = String> + 'a {
    name.iter_attributes()
        .filter(move |a| a.attr_type() == oid)
        .map(attr_text)
}

/// A name in OpenSSL's canonical form (crypto/x509/x_name.c `x509_name_canon`): the
/// RDN sequence kept; within an RDN the attributes form a set (sorted here); a value of a
/// string type becomes UTF-8 with leading and trailing ASCII white space removed, inner
/// runs of it collapsed to one space and ASCII letters lowercased; a value of another
/// type is kept as its DER bytes.
pub fn name_key(name: &X509Name) -> NameKey {
    name.iter_rdn()
        .map(|rdn| {
            let mut set: Vec<(String, String)> = rdn
                .iter()
                .map(|attr| (oid_text(attr.attr_type()), canonical_value(attr)))
                .collect();
            set.sort();
            set.dedup();
            set
        })
        .collect()
}

/// A public key algorithm's OID in dotted form, the common ones without the general
/// conversion (every bundle certificate's key is described when it is read).
fn key_oid_text(oid: &Oid) -> std::borrow::Cow<'static, str> {
    let known = match oid.as_bytes() {
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => "1.2.840.113549.1.1.1",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a] => "1.2.840.113549.1.1.10",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => "1.2.840.10045.2.1",
        [0x2b, 0x65, 0x70] => "1.3.101.112",
        [0x2b, 0x65, 0x71] => "1.3.101.113",
        _ => return std::borrow::Cow::Owned(oid.to_id_string()),
    };
    std::borrow::Cow::Borrowed(known)
}

/// An OID in dotted form; the attribute types of names (`2.5.4.N`, N < 128) without the
/// general conversion, which dominated the cost of a name's canonical key.
fn oid_text(oid: &Oid) -> String {
    match oid.as_bytes() {
        [0x55, 0x04, n] if *n < 0x80 => format!("2.5.4.{n}"),
        _ => oid.to_id_string(),
    }
}

fn canonical_value(attr: &AttributeTypeAndValue) -> String {
    // The string types OpenSSL canonicalises (ASN1_MASK_CANON).
    let string_type = matches!(
        attr.attr_value().tag().0,
        12 | 19 | 20 | 22 | 26 | 27 | 28 | 30
    );
    if !string_type {
        return format!(
            "raw:{}:{}",
            attr.attr_value().tag().0,
            hex(attr.attr_value().data)
        );
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r');
    let text = attr_text(attr);
    let folded = text
        .split(is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    format!("str:{folded}")
}

/// certifi's rendering of a name: `CN=… O=… OU=…`, in that order.
fn certifi_name(name: &X509Name) -> String {
    let mut parts = Vec::new();
    for (key, oid) in [
        ("CN", &oid_registry::OID_X509_COMMON_NAME),
        ("O", &oid_registry::OID_X509_ORGANIZATION_NAME),
        ("OU", &oid_registry::OID_X509_ORGANIZATIONAL_UNIT),
    ] {
        for value in attrs_of(name, oid) {
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(" ")
}

fn label(name: &X509Name) -> String {
    for oid in [
        &oid_registry::OID_X509_COMMON_NAME,
        &oid_registry::OID_X509_ORGANIZATIONAL_UNIT,
        &oid_registry::OID_X509_ORGANIZATION_NAME,
    ] {
        if let Some(v) = attrs_of(name, oid).next() {
            return v;
        }
    }
    String::new()
}

/// Whether `der` is one certificate in strict, canonical DER, as OpenSSL decodes it:
/// decoded with RustCrypto's `x509-cert` (a strict DER decoder: no alternative tags, no
/// long-form lengths where short ones fit, nothing after the end) and encoded again to the
/// same bytes; the outer signatureAlgorithm equal to the TBS `signature` field byte for
/// byte (RFC 5280 §4.1.1.2); and the parameters of well-known signature algorithms as
/// their standards fix them. Bytes outside the signed part are not covered by the
/// signature, so only this check stops a changed byte there.
fn strict_der(der: &[u8]) -> Result<(), ParseError> {
    use ::der::{Decode, Encode, Tagged};
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| {
        ParseError(format!(
            "it is not strict DER as OpenSSL requires ({e}); a certificate whose encoding was altered outside its signed part breaks every TLS connection of a Python that loads the bundle"
        ))
    })?;
    let again = cert
        .to_der()
        .map_err(|e| ParseError(format!("it cannot be re-encoded as DER: {e}")))?;
    if again != der {
        let at = again
            .iter()
            .zip(der)
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(der.len()));
        return Err(ParseError(format!(
            "it is not in canonical DER (its encoding differs from the canonical one at byte {at}); OpenSSL may refuse it"
        )));
    }
    let outer = cert
        .signature_algorithm
        .to_der()
        .map_err(|e| ParseError(e.to_string()))?;
    let inner = cert
        .tbs_certificate
        .signature
        .to_der()
        .map_err(|e| ParseError(e.to_string()))?;
    if outer != inner {
        return Err(ParseError(
            "its outer signatureAlgorithm differs from the signature algorithm inside the signed part (RFC 5280 4.1.1.2): the unsigned copy was altered".to_string(),
        ));
    }
    if cert.signature.unused_bits() != 0 {
        return Err(ParseError(
            "its signature BIT STRING declares unused bits (OpenSSL refuses such a signature)"
                .to_string(),
        ));
    }
    let alg = &cert.signature_algorithm;
    let oid = alg.oid.to_string();
    let rsa_pkcs1 = [
        "1.2.840.113549.1.1.2",
        "1.2.840.113549.1.1.4",
        "1.2.840.113549.1.1.5",
        "1.2.840.113549.1.1.11",
        "1.2.840.113549.1.1.12",
        "1.2.840.113549.1.1.13",
        "1.2.840.113549.1.1.14",
    ];
    let no_params = [
        "1.2.840.10045.4.1",
        "1.2.840.10045.4.3.2",
        "1.2.840.10045.4.3.3",
        "1.2.840.10045.4.3.4",
        "1.3.101.112",
        "1.3.101.113",
    ];
    let params = alg.parameters.as_ref();
    if rsa_pkcs1.contains(&oid.as_str())
        && !params.is_none_or(|p| p.tag() == ::der::Tag::Null && p.value().is_empty())
    {
        return Err(ParseError(format!(
            "its signature algorithm {oid} must have NULL (or absent) parameters (RFC 4055)"
        )));
    }
    if no_params.contains(&oid.as_str()) && params.is_some() {
        return Err(ParseError(format!(
            "its signature algorithm {oid} must have no parameters (RFC 5758, RFC 8410)"
        )));
    }
    Ok(())
}

/// Why a (non-RSA) public key is not acceptable in a CA certificate. Accepted: RSA (its
/// size is judged elsewhere), ECDSA on P-256, P-384 and P-521, Ed25519 and Ed448.
fn key_problem(spki: &SubjectPublicKeyInfo) -> Option<String> {
    let oid = key_oid_text(&spki.algorithm.algorithm);
    match oid.as_ref() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => None,
        "1.3.101.112" | "1.3.101.113" => None,
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7" | "1.3.132.0.34" | "1.3.132.0.35") => None,
                Some(c) => Some(format!(
                    "its EC key is on curve {} ({c}); only P-256, P-384 and P-521 are accepted (smaller curves are too weak)",
                    curve_name(c)
                )),
                None => Some(
                    "its EC key does not name a curve (explicit or missing parameters); only the named curves P-256, P-384 and P-521 are accepted".to_string(),
                ),
            }
        }
        "1.2.840.10040.4.1" => Some(
            "it has a DSA key; DSA is deprecated (FIPS 186-5) and no longer accepted for CAs".to_string(),
        ),
        _ => Some(format!(
            "its key type ({oid}) is not one certpatch accepts (RSA of at least 2048 bits, EC P-256/P-384/P-521, Ed25519, Ed448)"
        )),
    }
}

fn curve_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.10045.3.1.1" => "P-192",
        "1.3.132.0.33" => "P-224",
        "1.3.132.0.31" => "secp192k1",
        "1.3.132.0.32" => "secp224k1",
        "1.3.132.0.10" => "secp256k1",
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
        _ => "an unsupported curve",
    }
}

/// The nameConstraints extension in comparable form.
fn name_constraints_fact(tbs: &TbsCertificate) -> Result<Option<NameConstraintsFact>, String> {
    let present = tbs
        .extensions()
        .iter()
        .any(|e| e.oid == oid_registry::OID_X509_EXT_NAME_CONSTRAINTS);
    if !present {
        return Ok(None);
    }
    let nc = match tbs.name_constraints() {
        Ok(Some(nc)) => nc.value,
        Ok(None) | Err(_) => return Err("its nameConstraints extension cannot be read".into()),
    };
    let conv = |subtrees: &Vec<x509_parser::extensions::GeneralSubtree>| {
        subtrees
            .iter()
            .map(|s| general_name_fact(&s.base))
            .collect::<Vec<_>>()
    };
    Ok(Some(NameConstraintsFact {
        permitted: nc.permitted_subtrees.as_ref().map(conv),
        excluded: nc.excluded_subtrees.as_ref().map(conv).unwrap_or_default(),
    }))
}

fn general_name_fact(name: &GeneralName) -> GeneralNameFact {
    match name {
        GeneralName::DNSName(s) => GeneralNameFact::Dns(s.to_string()),
        GeneralName::RFC822Name(s) => GeneralNameFact::Email(s.to_string()),
        GeneralName::IPAddress(b) => GeneralNameFact::Ip(b.to_vec()),
        GeneralName::DirectoryName(n) => {
            GeneralNameFact::Directory(name_key(n), printable(&n.to_string()))
        }
        GeneralName::URI(s) => GeneralNameFact::Other(format!("URI:{}", printable(s))),
        GeneralName::OtherName(oid, _) => GeneralNameFact::Other(format!("otherName {oid}")),
        GeneralName::X400Address(_) => GeneralNameFact::Other("x400Address".into()),
        GeneralName::EDIPartyName(_) => GeneralNameFact::Other("ediPartyName".into()),
        GeneralName::RegisteredID(oid) => GeneralNameFact::Other(format!("registeredID {oid}")),
    }
}

fn sig_hash(oid: &Oid) -> SigHash {
    use oid_registry::*;
    if *oid == OID_PKCS1_MD5WITHRSAENC {
        SigHash::Md5
    } else if *oid == OID_PKCS1_MD2WITHRSAENC {
        SigHash::Md2
    } else if *oid == OID_PKCS1_SHA1WITHRSA
        || *oid == OID_SHA1_WITH_RSA
        // ecdsa-with-SHA1 (1.2.840.10045.4.1), dsa-with-sha1 (1.2.840.10040.4.3)
        || oid.as_bytes() == [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]
        || oid.as_bytes() == [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03]
    {
        SigHash::Sha1
    } else {
        SigHash::Strong
    }
}

fn sig_alg_name(oid: &Oid) -> String {
    // Built once: building it is a few hundred hash-map inserts, more work than parsing
    // the certificate it names.
    static NAMES: std::sync::LazyLock<oid_registry::OidRegistry<'static>> =
        std::sync::LazyLock::new(|| {
            oid_registry::OidRegistry::default()
                .with_crypto()
                .with_pkcs1()
                .with_x962()
        });
    NAMES
        .get(oid)
        .map(|e| e.sn().to_string())
        .unwrap_or_else(|| oid.to_id_string())
}

/// The key's description and, for RSA (rsaEncryption or RSASSA-PSS keys), its size in
/// bits counted from the modulus itself. `rsa_bits` is `Some(0)` for an RSA key whose
/// modulus cannot be read, so the size rule refuses it rather than skipping it.
fn describe_key(spki: &SubjectPublicKeyInfo) -> (Option<usize>, String) {
    let oid = key_oid_text(&spki.algorithm.algorithm);
    if oid == "1.2.840.113549.1.1.1" || oid == "1.2.840.113549.1.1.10" {
        let kind = if oid.ends_with(".10") {
            "RSA-PSS"
        } else {
            "RSA"
        };
        return match rsa_modulus_bits(&spki.subject_public_key.data) {
            Some(bits) => (Some(bits), format!("{kind} {bits} bits")),
            None => (Some(0), format!("{kind}, unreadable")),
        };
    }
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            (Some(bits), format!("RSA {bits} bits"))
        }
        Ok(PublicKey::EC(ec)) => (None, format!("EC {} bits", ec.key_size())),
        Ok(PublicKey::DSA(_)) => (None, "DSA".to_string()),
        Ok(PublicKey::GostR3410(_)) | Ok(PublicKey::GostR3410_2012(_)) => {
            (None, "GOST".to_string())
        }
        Ok(PublicKey::Unknown(_)) => (None, format!("other ({})", spki.algorithm.algorithm)),
        Err(_) => (None, "unknown key type".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Cert {
        let text = std::fs::read(format!(
            "{}/fixtures/real/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture");
        Cert::from_der(::pem::parse(text).unwrap().contents()).unwrap()
    }

    #[test]
    fn control_characters_in_names_are_escaped_for_display() {
        assert_eq!(printable("R10"), "R10");
        assert_eq!(
            printable("spoof\n  ok: fine\u{1b}[32m"),
            "spoof\\x0a  ok: fine\\x1b[32m"
        );
    }

    #[test]
    fn r10_facts() {
        let r10 = fixture("le-r10.pem");
        assert_eq!(r10.label(), "R10");
        assert_eq!(r10.subject_certifi(), "CN=R10 O=Let's Encrypt");
        assert_eq!(
            r10.issuer_certifi(),
            "CN=ISRG Root X1 O=Internet Security Research Group"
        );
        assert_eq!(r10.rsa_bits, Some(2048));
        assert!(r10.basic_constraints.unwrap().ca);
        assert!(r10.key_usage.unwrap().key_cert_sign);
        assert_eq!(r10.sig_hash, SigHash::Strong);
        assert!(!r10.is_self_signed());
    }

    #[test]
    fn fingerprints_and_names_wait_until_asked() {
        let r10 = fixture("le-r10.pem");
        assert!(r10.lazy.sha256.get().is_none());
        assert!(r10.lazy.md5.get().is_none());
        assert!(r10.lazy.subject_text.get().is_none());
        assert!(r10.lazy.subject_key.get().is_none());
        let want: [u8; 32] = Sha256::digest(&r10.der).into();
        assert_eq!(r10.sha256(), want);
        assert_eq!(r10.lazy.sha256.get(), Some(&want));
        assert_eq!(r10.subject_key().len(), 3);
        assert!(r10.lazy.subject_key.get().is_some());
        // A copy keeps what was computed.
        assert_eq!(r10.clone().lazy.sha256.get(), Some(&want));
    }

    #[test]
    fn root_is_self_signed_and_signs_r10() {
        let root = fixture("isrg-root-x1.pem");
        let r10 = fixture("le-r10.pem");
        assert!(root.is_self_signed());
        assert!(r10.issued_by_name(&root));
        assert_eq!(r10.signed_by(&root), Ok(true));
        assert_eq!(r10.signed_by(&r10), Ok(false));
    }

    fn attack_chain(name: &str) -> Vec<Cert> {
        let text = std::fs::read(format!(
            "{}/fixtures/attacks/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        ::pem::parse_many(text)
            .unwrap()
            .iter()
            .map(|p| Cert::from_der_strict(p.contents()).unwrap())
            .collect()
    }

    #[test]
    fn a_multi_valued_rdn_is_one_set_not_separate_rdns() {
        let bad = attack_chain("mrdn-chain.pem");
        assert!(!bad[1].issued_by_name(&bad[0]));
        assert_eq!(bad[0].subject_key().len(), 1);
        assert_eq!(bad[0].subject_key()[0].len(), 2);
        assert_eq!(bad[1].issuer_key().len(), 2);
        let good = attack_chain("mrdn-ok-chain.pem");
        assert!(good[1].issued_by_name(&good[0]));
    }

    #[test]
    fn names_fold_ascii_case_and_white_space_like_openssl() {
        use x509_parser::x509::X509Name;
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String <v> } } }
        let name = |v: &[u8]| {
            let mut atv = vec![0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, v.len() as u8];
            atv.extend(v);
            let mut seq = vec![0x30, atv.len() as u8];
            seq.extend(atv);
            let mut set = vec![0x31, seq.len() as u8];
            set.extend(seq);
            let mut out = vec![0x30, set.len() as u8];
            out.extend(set);
            out
        };
        let key = |v: &[u8]| {
            let der = name(v);
            let (_, n) = X509Name::from_der(&der).unwrap();
            name_key(&n)
        };
        assert_eq!(key(b"  Let's   ENCRYPT "), key(b"let's encrypt"));
        assert_eq!(key(b"a\tb"), key(b"a b"));
        assert_ne!(key(b"ab"), key(b"a b"));
        // Only ASCII letters fold, as in OpenSSL.
        assert_ne!(key("\u{c9}".as_bytes()), key("\u{e9}".as_bytes()));
    }

    #[test]
    fn ecdsa_p384_signature_verifies() {
        let e5 = fixture("le-e5-cross.pem");
        let x1 = fixture("isrg-root-x1.pem");
        assert_eq!(e5.signed_by(&x1), Ok(true));
    }
}

/// Measurements on the 1,637 real intermediates of CCADB (2025-06-24). Run with
/// `cargo test --lib ccadb -- --ignored --nocapture`. The snapshot is a fixture
/// (`fixtures/ccadb/intermediates-2025-06-24.pem.gz`), read by the other layers' tests too.
#[cfg(test)]
pub(crate) mod ccadb {
    use super::*;

    /// The snapshot's PEM text; a missing fixture fails the test, naming the file.
    pub(crate) fn snapshot_pem() -> Vec<u8> {
        use std::io::Read;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/ccadb/intermediates-2025-06-24.pem.gz"
        );
        let file = std::fs::File::open(path)
            .unwrap_or_else(|e| panic!("the CCADB snapshot fixture {path}: {e}"));
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut text)
            .unwrap_or_else(|e| panic!("the CCADB snapshot fixture {path}: {e}"));
        text
    }

    /// The DER of every certificate of the snapshot.
    pub(crate) fn intermediates() -> Vec<Vec<u8>> {
        ::pem::parse_many(snapshot_pem())
            .unwrap()
            .into_iter()
            .map(|p| p.into_contents())
            .collect()
    }

    #[test]
    #[ignore]
    fn no_real_intermediate_is_refused_for_its_encoding_and_few_for_their_key() {
        let all = intermediates();
        let mut lenient_ok = 0;
        let mut strict_refused = Vec::new();
        let mut key_refused = std::collections::BTreeMap::<String, usize>::new();
        for der in &all {
            let Ok(cert) = Cert::from_der(der) else {
                continue;
            };
            lenient_ok += 1;
            if let Err(e) = Cert::from_der_strict(der) {
                strict_refused.push(format!("{}: {e}", cert.subject()));
            }
            if let Some(p) = &cert.key_problem {
                *key_refused.entry(p.clone()).or_default() += 1;
            }
        }
        eprintln!(
            "{} certificates, {lenient_ok} readable; newly refused for encoding: {}; for key: {key_refused:?}",
            all.len(),
            strict_refused.len()
        );
        for s in &strict_refused {
            eprintln!("  {s}");
        }
        assert!(strict_refused.is_empty());
    }
}
