//! One certificate and the facts certpatch needs about it.
//!
//! A [`Cert`] owns its DER bytes and the facts extracted once at parse time (names,
//! fingerprints, validity, extensions, key size), so the rest of the program never deals
//! with the borrowing parser types. Signature checks re-parse on demand, which is cheap.

use std::fmt;

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

/// Facts about one certificate.
#[derive(Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    pub sha256: [u8; 32],
    pub sha1: [u8; 20],
    pub md5: [u8; 16],
    /// RFC 4514-like rendering for messages, e.g. `C=US, O=Let's Encrypt, CN=R10`, with
    /// control characters escaped: names are attacker-chosen text shown on a terminal.
    pub subject: String,
    pub issuer: String,
    /// Raw DER of the names, for exact issuer matching.
    pub subject_raw: Vec<u8>,
    pub issuer_raw: Vec<u8>,
    /// The names as OpenSSL compares them: per attribute, its type and its value with
    /// case and runs of white space folded (so one name in two string encodings matches,
    /// but an attribute whose text merely looks like several does not).
    subject_key: Vec<(String, String)>,
    issuer_key: Vec<(String, String)>,
    /// certifi-style `CN=… O=… OU=…` renderings (Unicode, escaped when written).
    pub subject_certifi: String,
    pub issuer_certifi: String,
    /// certifi's label: the common name, else the organisational unit, else the organisation.
    pub label: String,
    /// The label with control characters escaped, for messages.
    display_label: String,
    pub serial_decimal: String,
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
    pub sig_hash: SigHash,
    pub sig_alg_name: String,
    pub rsa_bits: Option<usize>,
    pub key_desc: String,
    /// Whether the extendedKeyUsage extension (when present) allows TLS server
    /// authentication; `None` when there is no such extension (no restriction).
    pub eku_server_auth: Option<bool>,
    /// DER of the SubjectPublicKeyInfo, to spot cross-signed twins (same subject and key).
    pub spki_raw: Vec<u8>,
}

#[derive(Clone, Copy, Debug)]
pub struct Constraint {
    pub ca: bool,
    pub critical: bool,
    /// pathLenConstraint: how many CA certificates may follow this one in a chain.
    pub path_len: Option<u32>,
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
        write!(f, "Cert({}, {})", self.subject, self.sha256_hex())
    }
}

impl Cert {
    /// Parses one DER certificate. Trailing bytes after the certificate are an error.
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
        let eku_server_auth = tbs
            .extended_key_usage()
            .map_err(|e| ParseError(format!("extendedKeyUsage: {e}")))?
            .map(|eku| eku.value.server_auth || eku.value.any);
        Ok(Cert {
            sha256: Sha256::digest(&der).into(),
            sha1: Sha1::digest(&der).into(),
            md5: Md5::digest(&der).into(),
            subject: printable(&tbs.subject().to_string()),
            issuer: printable(&tbs.issuer().to_string()),
            subject_raw: tbs.subject().as_raw().to_vec(),
            issuer_raw: tbs.issuer().as_raw().to_vec(),
            subject_key: name_key(tbs.subject()),
            issuer_key: name_key(tbs.issuer()),
            subject_certifi: certifi_name(tbs.subject()),
            issuer_certifi: certifi_name(tbs.issuer()),
            label: label(tbs.subject()),
            display_label: printable(&label(tbs.subject())),
            serial_decimal: tbs.serial.to_string(),
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
            sig_hash: sig_hash(sig_oid),
            sig_alg_name: sig_alg_name(sig_oid),
            rsa_bits,
            key_desc,
            eku_server_auth,
            spki_raw: tbs.public_key().raw.to_vec(),
            der,
        })
    }

    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
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
    pub fn is_self_signed(&self) -> bool {
        self.subject_raw == self.issuer_raw && self.signed_by(self).unwrap_or(false)
    }

    /// Whether the issuer name is this certificate's subject name (raw bytes, or the
    /// same text when two encodings of one name differ).
    pub fn issued_by_name(&self, issuer: &Cert) -> bool {
        self.issuer_raw == issuer.subject_raw || self.issuer_key == issuer.subject_key
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
        if self.display_label.is_empty() {
            &self.subject
        } else {
            &self.display_label
        }
    }
}

/// `s` with control characters (C0, DEL, C1) written as `\xNN`, so a certificate name
/// cannot forge output lines or recolour a terminal.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\x{:02x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
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

/// A name as a list of (attribute type, folded value), in order.
fn name_key(name: &X509Name) -> Vec<(String, String)> {
    name.iter_attributes()
        .map(|attr| {
            let folded = attr_text(attr)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            (attr.attr_type().to_id_string(), folded)
        })
        .collect()
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

fn sig_hash(oid: &Oid) -> SigHash {
    use oid_registry::*;
    if *oid == OID_PKCS1_MD5WITHRSAENC {
        SigHash::Md5
    } else if *oid == OID_PKCS1_MD2WITHRSAENC {
        SigHash::Md2
    } else if *oid == OID_PKCS1_SHA1WITHRSA
        || *oid == OID_SHA1_WITH_RSA
        || oid.to_id_string() == "1.2.840.10045.4.1"
        || oid.to_id_string() == "1.2.840.10040.4.3"
    {
        SigHash::Sha1
    } else {
        SigHash::Strong
    }
}

fn sig_alg_name(oid: &Oid) -> String {
    oid_registry::OidRegistry::default()
        .with_crypto()
        .with_pkcs1()
        .with_x962()
        .get(oid)
        .map(|e| e.sn().to_string())
        .unwrap_or_else(|| oid.to_id_string())
}

/// The key's description and, for RSA (rsaEncryption or RSASSA-PSS keys), its size in
/// bits counted from the modulus itself. `rsa_bits` is `Some(0)` for an RSA key whose
/// modulus cannot be read, so the size rule refuses it rather than skipping it.
fn describe_key(spki: &SubjectPublicKeyInfo) -> (Option<usize>, String) {
    let oid = spki.algorithm.algorithm.to_id_string();
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
        assert_eq!(r10.label, "R10");
        assert_eq!(r10.subject_certifi, "CN=R10 O=Let's Encrypt");
        assert_eq!(
            r10.issuer_certifi,
            "CN=ISRG Root X1 O=Internet Security Research Group"
        );
        assert_eq!(r10.rsa_bits, Some(2048));
        assert!(r10.basic_constraints.unwrap().ca);
        assert!(r10.key_usage.unwrap().key_cert_sign);
        assert_eq!(r10.sig_hash, SigHash::Strong);
        assert!(!r10.is_self_signed());
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

    #[test]
    fn ecdsa_p384_signature_verifies() {
        let e5 = fixture("le-e5-cross.pem");
        let x1 = fixture("isrg-root-x1.pem");
        assert_eq!(e5.signed_by(&x1), Ok(true));
    }
}
