//! Reading the certificate input the user names (a file or `-` for standard input).
//!
//! Input is untrusted and often pasted by hand, so this module is strict where leniency
//! would hide a mistake: a private key anywhere refuses the whole input (and is never
//! echoed), a truncated or malformed block is an error rather than a silently skipped one,
//! and text that holds no certificate is an error rather than "nothing to do".
//! Accepted forms: PEM (several blocks, CRLF or LF, UTF-8 BOM, text around the blocks),
//! DER (one or more certificates), and PKCS#7 certs-only bundles (`.p7b`/`.p7c`, PEM or DER).
//! A PKCS#12 archive (`.p12`/`.pfx`) is named as such and refused like a key: it usually
//! carries one, and the certificates are taken out of it with `openssl pkcs12`.

use std::io::Read;
use std::path::{Path, PathBuf};

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};

use crate::x509::cert::Cert;
use crate::x509::text::{bounded, capped_list, escape, path_text, MAX_LISTED};

/// The most certificate input certpatch reads. Real intermediates are 1–2 KiB; a few MiB
/// is room for any honest PKCS#7 bundle while refusing a mistaken multi-gigabyte file.
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// The most certificates one input may hold: chains are checked between them, which
/// grows with the square of their number; real inputs hold one to a handful.
pub const MAX_INPUT_CERTIFICATES: usize = 500;

/// Certificates read from one input, with a short name for the patch header.
#[derive(Debug)]
pub struct Input {
    pub certs: Vec<Cert>,
    /// How the input is named in messages and patch headers: the file name or `stdin`.
    pub source: String,
}

/// Why an input was refused. Every variant says what to do next.
///
/// `source_name` is how the message names the input: a file's whole path (escaped when
/// shown) or `stdin`; the patch header names a file by its base name only ([`Input::source`]).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read `{}`: {cause}\nhint: check the path (or give `-` to read the certificate from standard input)", path_text(path))]
    Unreadable {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot read standard input: {cause}\nhint: `-` reads the certificate from standard input; redirect a certificate file into it (`certpatch check - < ca.pem`), or give the file's path instead of `-`")]
    StdinUnreadable { cause: std::io::Error },
    #[error("`{}` is larger than {} MiB; certificate input is a few KiB, is this the right file?", escape(source_name), MAX_INPUT_BYTES / 1024 / 1024)]
    TooLarge { source_name: String },
    #[error("`{}` holds a private key ({what}); certpatch refuses it and does not copy, print or back it up.\nhint: export only the CA certificate (e.g. `openssl x509 -in FILE -out ca.pem`), and keep the key secret", escape(source_name))]
    PrivateKey { source_name: String, what: String },
    #[error("`{}` is empty: it holds no certificate", escape(source_name))]
    Empty { source_name: String },
    #[error("`{}` holds no certificate{detail}", escape(source_name))]
    NoCertificate { source_name: String, detail: String },
    #[error("`{}` is malformed: {detail}", escape(source_name))]
    Malformed { source_name: String, detail: String },
    #[error("`{}` is a PKCS#12 archive (.p12/.pfx), which usually carries a private key with its certificates; certpatch does not open it, and does not copy, print or back it up.\nhint: take the certificates out of it (`openssl pkcs12 -in FILE -nokeys -out certs.pem`; add `-legacy` for an old file), then give certpatch the CA certificate among them", escape(source_name))]
    Pkcs12 { source_name: String },
}

impl InputError {
    /// A stable identifier for JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            InputError::Unreadable { .. } | InputError::StdinUnreadable { .. } => "unreadable",
            InputError::TooLarge { .. } => "too-large",
            InputError::PrivateKey { .. } | InputError::Pkcs12 { .. } => "private-key",
            InputError::Empty { .. } => "no-certificate",
            InputError::NoCertificate { .. } => "no-certificate",
            InputError::Malformed { .. } => "malformed",
        }
    }

    /// Whether the input holds no certificate at all (empty, or other data only): what
    /// to give instead depends on what the input was for, so the caller says it.
    pub fn holds_no_certificate(&self) -> bool {
        matches!(
            self,
            InputError::Empty { .. } | InputError::NoCertificate { .. }
        )
    }
}

/// Reads FILE (`-` for standard input) and returns its certificates.
pub fn read(file: &Path) -> Result<Input, InputError> {
    if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|cause| InputError::StdinUnreadable { cause })?;
        return from_bytes(&buf, "stdin".to_string());
    }
    let unreadable = |cause| InputError::Unreadable {
        path: file.to_path_buf(),
        cause,
    };
    let f = std::fs::File::open(file).map_err(unreadable)?;
    let mut buf = Vec::new();
    f.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(unreadable)?;
    // The patch header keeps the base name (where the certificate came from, without the
    // user's folders); a message names the whole path, so the user finds the file.
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    from_bytes(&buf, name).map_err(|e| e.naming(file))
}

impl InputError {
    /// The same refusal, naming the input by `path` (shown escaped, as [`path_text`]).
    fn naming(mut self, path: &Path) -> InputError {
        let shown = dunce::simplified(path).to_string_lossy().into_owned();
        match &mut self {
            InputError::TooLarge { source_name }
            | InputError::PrivateKey { source_name, .. }
            | InputError::Empty { source_name }
            | InputError::NoCertificate { source_name, .. }
            | InputError::Malformed { source_name, .. }
            | InputError::Pkcs12 { source_name } => *source_name = shown,
            InputError::Unreadable { .. } | InputError::StdinUnreadable { .. } => {}
        }
        self
    }
}

/// The checks of [`read`] on bytes already read: the size limit, every accepted form
/// ([`parse`]) and the certificate limit. `source` names the input in errors.
pub fn from_bytes(bytes: &[u8], source: String) -> Result<Input, InputError> {
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge {
            source_name: source,
        });
    }
    let certs = parse(bytes, &source)?;
    if certs.len() > MAX_INPUT_CERTIFICATES {
        return Err(InputError::Malformed {
            source_name: source,
            detail: format!(
                "it holds {} certificates; certpatch adds intermediates, at most {MAX_INPUT_CERTIFICATES} at a time (is this a whole CA bundle?)",
                certs.len()
            ),
        });
    }
    Ok(Input { certs, source })
}

/// Parses input bytes in any accepted form.
pub fn parse(bytes: &[u8], source: &str) -> Result<Vec<Cert>, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let malformed = |detail: String| InputError::Malformed {
        source_name: source.to_string(),
        detail,
    };
    if let Some(what) = find_private_key_pem(bytes) {
        return Err(InputError::PrivateKey {
            source_name: source.to_string(),
            what,
        });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InputError::Empty {
            source_name: source.to_string(),
        });
    }
    if contains(bytes, b"-----BEGIN ") {
        match binary_outside_pem(bytes) {
            Binary::None => {}
            Binary::PrivateKey(kind) => {
                return Err(InputError::PrivateKey {
                    source_name: source.to_string(),
                    what: format!("a DER private key beside the PEM text, {kind}"),
                })
            }
            Binary::Other => {
                return Err(malformed(
                    "it mixes PEM text with binary (DER) data; give one form per file".to_string(),
                ))
            }
        }
        return parse_pem(bytes, source);
    }
    if bytes.first() == Some(&0x30) {
        if let Some(kind) = der_private_key(bytes) {
            return Err(InputError::PrivateKey {
                source_name: source.to_string(),
                what: format!("a DER private key, {kind}"),
            });
        }
        if first_der_element(bytes).is_some_and(is_pkcs12) {
            return Err(InputError::Pkcs12 {
                source_name: source.to_string(),
            });
        }
        return parse_der(bytes).map_err(malformed);
    }
    let detail = if std::str::from_utf8(bytes).is_ok() {
        " (it is text without a `-----BEGIN CERTIFICATE-----` block)".to_string()
    } else {
        " (it is neither PEM text nor DER)".to_string()
    };
    Err(InputError::NoCertificate {
        source_name: source.to_string(),
        detail,
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The label of the first PEM private-key block, if any (`RSA PRIVATE KEY`, `PRIVATE KEY`,
/// `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`, …). Looked for before any parsing, so
/// that a key in a malformed file is still reported as a key.
fn find_private_key_pem(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    // A block may start mid-line (`key: -----BEGIN …`); the PEM parser accepts that, so
    // this search must too.
    for (i, _) in text.match_indices("-----BEGIN ") {
        let rest = &text[i + "-----BEGIN ".len()..];
        let label = rest.split("-----").next().unwrap_or("").trim();
        if label.contains("PRIVATE KEY") {
            // Without its closing dashes the "label" runs on into the key's base64: only
            // a short, clean, one-line label is named, never what follows it.
            let clean = label.len() <= 40
                && label
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
            return Some(if clean {
                format!("a block labelled `{label}`")
            } else {
                "a PEM private key block".to_string()
            });
        }
    }
    if text.contains("PuTTY-User-Key-File") {
        return Some("a PuTTY private key".to_string());
    }
    None
}

/// What lies outside the PEM blocks besides text.
enum Binary {
    None,
    PrivateKey(&'static str),
    Other,
}

/// Looks for binary data outside the PEM blocks (`cat ca.pem key.der > file`): a DER
/// private key there refuses the input as a key; other binary data as malformed (a DER
/// certificate there would otherwise be ignored). Text in any 8-bit encoding (Latin-1
/// comments) is not binary: only control bytes other than tab, CR, LF and FF are.
fn binary_outside_pem(bytes: &[u8]) -> Binary {
    let mut outside = Vec::new();
    let mut pos = 0;
    while let Some(begin) = memchr::memmem::find(&bytes[pos..], b"-----BEGIN ") {
        let begin = pos + begin;
        outside.push(pos..begin);
        let end = memchr::memmem::find(&bytes[begin..], b"-----END ")
            .and_then(|e| {
                let after = begin + e + "-----END ".len();
                memchr::memmem::find(&bytes[after..], b"-----").map(|d| after + d + 5)
            })
            .unwrap_or(bytes.len());
        pos = end;
    }
    outside.push(pos..bytes.len());
    let is_binary = |b: &u8| *b < 0x20 && !matches!(*b, b'\t' | b'\n' | b'\r' | 0x0c);
    let mut any_binary = false;
    for range in outside {
        let region = &bytes[range];
        let Some(start) = region.iter().position(is_binary) else {
            continue;
        };
        any_binary = true;
        // DER elements, one after another, from where the binary data starts (a 0x30
        // byte just before it belongs to the same element).
        let from = region[..start]
            .iter()
            .rposition(|&b| b == 0x30)
            .unwrap_or(start);
        let mut rest = &region[from..];
        while let Some(element) = first_der_element(rest) {
            if let Some(kind) = private_key_kind(element) {
                return Binary::PrivateKey(kind);
            }
            rest = &rest[element.len()..];
            let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            rest = &rest[skip..];
        }
    }
    if any_binary {
        Binary::Other
    } else {
        Binary::None
    }
}

/// The kind of the first top-level DER element that is a private key, if any.
fn der_private_key(bytes: &[u8]) -> Option<&'static str> {
    let mut rest = bytes;
    while let Some(element) = first_der_element(rest) {
        if let Some(kind) = private_key_kind(element) {
            return Some(kind);
        }
        rest = &rest[element.len()..];
    }
    None
}

/// PKCS#8 EncryptedPrivateKeyInfo (RFC 5958): the structure only (the `pkcs8` crate has
/// it behind its encryption feature, which certpatch has no use for).
#[derive(der::Sequence)]
struct EncryptedPrivateKeyInfo<'a> {
    _encryption_algorithm: pkcs8::spki::AlgorithmIdentifierRef<'a>,
    _encrypted_data: der::asn1::OctetStringRef<'a>,
}

/// PKCS#12's PFX (RFC 7292): its shape only, to name the file for what it is. Its
/// content (encrypted, or not) is never read.
#[derive(der::Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    #[asn1(optional = "true")]
    _mac_data: Option<der::Any>,
}

/// Whether one DER element is a PKCS#12 archive: a version-3 PFX whose content is PKCS#7
/// data or signed data, as `openssl pkcs12 -export`, browsers and Windows write it.
fn is_pkcs12(element: &[u8]) -> bool {
    Pfx::from_der(element).is_ok_and(|pfx| {
        pfx.version == 3
            && (pfx.auth_safe.content_type == const_oid::db::rfc5911::ID_DATA
                || pfx.auth_safe.content_type == const_oid::db::rfc5911::ID_SIGNED_DATA)
    })
}

/// Which private key structure one DER element is, when it really decodes as one:
/// PKCS#8 PrivateKeyInfo (or OneAsymmetricKey), PKCS#8 EncryptedPrivateKeyInfo, PKCS#1
/// RSAPrivateKey or SEC1 ECPrivateKey. Only a whole, well-formed structure counts, so a
/// damaged certificate is reported as damaged, not as a key. Nothing of the key is kept.
fn private_key_kind(element: &[u8]) -> Option<&'static str> {
    if pkcs8::PrivateKeyInfo::from_der(element).is_ok() {
        Some("PKCS#8 PrivateKeyInfo")
    } else if EncryptedPrivateKeyInfo::from_der(element).is_ok() {
        Some("PKCS#8 EncryptedPrivateKeyInfo")
    } else if pkcs1::RsaPrivateKey::from_der(element).is_ok() {
        Some("PKCS#1 RSAPrivateKey")
    } else if sec1::EcPrivateKey::from_der(element).is_ok() {
        Some("SEC1 ECPrivateKey")
    } else {
        None
    }
}

fn parse_pem(bytes: &[u8], source: &str) -> Result<Vec<Cert>, InputError> {
    let malformed = |detail: String| InputError::Malformed {
        source_name: source.to_string(),
        detail,
    };
    let begins = bytes.windows(11).filter(|w| w == b"-----BEGIN ").count();
    let blocks = pem::parse_many(bytes).map_err(|e| malformed(describe_pem_error(&e)))?;
    if blocks.len() != begins {
        return Err(malformed(format!(
            "{begins} `-----BEGIN` line(s) but only {} complete block(s): the input looks truncated \
             (a block without its `-----END` line); copy the whole certificate",
            blocks.len()
        )));
    }
    let mut certs = Vec::new();
    let mut other_labels = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let n = i + 1;
        match block.tag() {
            "CERTIFICATE" | "X509 CERTIFICATE" => {
                certs.push(Cert::from_der_strict(block.contents()).map_err(|e| {
                    malformed(format!(
                        "PEM block {n} is labelled CERTIFICATE but its content is not a readable X.509 certificate (damaged, or another kind of data): {e}"
                    ))
                })?)
            }
            "TRUSTED CERTIFICATE" => {
                // OpenSSL's trusted form: the certificate followed by trust settings.
                let first = first_der_element(block.contents())
                    .ok_or_else(|| malformed(format!("PEM block {n}: not DER")))?;
                certs.push(
                    Cert::from_der_strict(first).map_err(|e| malformed(format!("PEM block {n}: {e}")))?,
                );
            }
            "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" => certs.extend(
                parse_pkcs7(block.contents())
                    .map_err(|e| malformed(format!("PEM block {n} (PKCS#7): {e}")))?,
            ),
            other if other.contains("PRIVATE KEY") => {
                return Err(InputError::PrivateKey {
                    source_name: source.to_string(),
                    what: format!("a block labelled `{}`", escape(other)),
                })
            }
            other => other_labels.push(other.to_string()),
        }
    }
    if certs.is_empty() {
        let detail = if other_labels.is_empty() {
            " (its PKCS#7 data holds none)".to_string()
        } else {
            format!(" (it holds {})", describe_labels(&other_labels))
        };
        return Err(InputError::NoCertificate {
            source_name: source.to_string(),
            detail,
        });
    }
    Ok(certs)
}

/// "a `X` block, 3 `Y` blocks, … and N more": each label once with its count, at most
/// [`MAX_LISTED`] labels, the whole cut to [`bounded`] (an input may hold 100,000 blocks).
fn describe_labels(labels: &[String]) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for l in labels {
        match counted.iter().position(|(seen, _)| *seen == l.as_str()) {
            Some(i) => counted[i].1 += 1,
            None if counted.len() <= MAX_LISTED => counted.push((l.as_str(), 1)),
            None => {}
        }
    }
    let listed: usize = counted.iter().take(MAX_LISTED).map(|(_, n)| n).sum();
    let mut text = capped_list(
        counted.iter().take(MAX_LISTED).map(|(l, n)| match n {
            1 => format!("a `{}` block", escape(l)),
            n => format!("{n} `{}` blocks", escape(l)),
        }),
        ", ",
    );
    if labels.len() > listed {
        text.push_str(&format!(", … and {} more block(s)", labels.len() - listed));
    }
    bounded(&text).into_owned()
}

fn describe_pem_error(e: &pem::PemError) -> String {
    match e {
        pem::PemError::MismatchedTags(begin, end) => format!(
            "a block opens with `-----BEGIN {}-----` but closes with `-----END {}-----`",
            escape(begin),
            escape(end)
        ),
        pem::PemError::InvalidData(_) => {
            "a PEM block's body is not valid base64 (damaged or cut while copying?)".to_string()
        }
        // The pem crate's messages quote the input (`invalid header: …`).
        // The pem crate's messages quote the input (`invalid header: …`).
        other => format!("bad PEM: {}", escape(&other.to_string())),
    }
}

fn first_der_element(bytes: &[u8]) -> Option<&[u8]> {
    let mut reader = der::SliceReader::new(bytes).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    let header_len = usize::try_from(header.encoded_len().ok()?).ok()?;
    let body_len = usize::try_from(header.length).ok()?;
    bytes.get(..header_len + body_len)
}

fn parse_der(bytes: &[u8]) -> Result<Vec<Cert>, String> {
    // One or more concatenated certificates, or a PKCS#7 ContentInfo.
    let mut certs = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some(element) = first_der_element(rest) else {
            return Err(if certs.is_empty() {
                "DER data is truncated or not DER at all".to_string()
            } else {
                format!(
                    "certificate {} is truncated ({} stray bytes after certificate {})",
                    certs.len() + 1,
                    rest.len(),
                    certs.len()
                )
            });
        };
        match Cert::from_der_strict(element) {
            Ok(cert) => certs.push(cert),
            Err(cert_err) => match parse_pkcs7(element) {
                Ok(more) => certs.extend(more),
                Err(_) => return Err(cert_err.to_string()),
            },
        }
        rest = &rest[element.len()..];
        if rest.iter().all(|b| b.is_ascii_whitespace()) {
            break;
        }
    }
    if certs.is_empty() {
        return Err("the PKCS#7 data holds no certificate".to_string());
    }
    Ok(certs)
}

/// The certificates of a PKCS#7 SignedData (the "certs-only" form AIA servers publish).
fn parse_pkcs7(bytes: &[u8]) -> Result<Vec<Cert>, String> {
    let info = ContentInfo::from_der(bytes).map_err(|e| format!("not PKCS#7: {e}"))?;
    if info.content_type != const_oid::db::rfc5911::ID_SIGNED_DATA {
        return Err(format!(
            "PKCS#7 content type {} is not signedData",
            info.content_type
        ));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("bad PKCS#7 signedData: {e}"))?;
    let mut certs = Vec::new();
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            let der = c.to_der().map_err(|e| e.to_string())?;
            certs.push(Cert::from_der_strict(&der).map_err(|e| e.to_string())?);
        }
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/real/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn pem_der_and_pkcs7_agree() {
        let from_pem = parse(&real("le-r10.pem"), "t").unwrap();
        let from_der = parse(&real("le-r10.der"), "t").unwrap();
        assert_eq!(from_pem[0].der, from_der[0].der);
        let p7c = parse(&real("le-r10-e5.p7c"), "t").unwrap();
        let p7b = parse(&real("le-r10-e5.p7b.pem"), "t").unwrap();
        assert_eq!(p7c.len(), 2);
        assert_eq!(
            p7c.iter().map(|c| &c.der).collect::<Vec<_>>(),
            p7b.iter().map(|c| &c.der).collect::<Vec<_>>()
        );
        assert!(p7c.iter().any(|c| c.der == from_pem[0].der));
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let mut text = b"\xEF\xBB\xBF".to_vec();
        text.extend(
            String::from_utf8(real("le-r10.pem"))
                .unwrap()
                .replace('\n', "\r\n")
                .bytes(),
        );
        let certs = parse(&text, "t").unwrap();
        assert_eq!(certs[0].label(), "R10");
    }

    #[test]
    fn truncated_pem_is_an_error() {
        let text = real("le-r10.pem");
        let cut = &text[..text.len() / 2];
        assert!(matches!(parse(cut, "t"), Err(InputError::Malformed { .. })));
    }

    #[test]
    fn key_starting_mid_line_is_refused() {
        let mut text = real("le-r10.pem");
        text.extend(b"key: -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assert_eq!(parse(&text, "t").unwrap_err().code(), "private-key");
    }

    /// The DER of the first block of a generated fixture whose label contains `label`.
    fn key_der(name: &str, label: &str) -> Vec<u8> {
        let text = std::fs::read(format!(
            "{}/fixtures/gen/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        ::pem::parse_many(text)
            .unwrap()
            .into_iter()
            .find(|p| p.tag().contains(label))
            .unwrap()
            .into_contents()
    }

    fn real_keys() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (
                "PKCS#8 PrivateKeyInfo",
                key_der("int-good.key", "PRIVATE KEY"),
            ),
            (
                "PKCS#1 RSAPrivateKey",
                key_der("key-first.pem", "RSA PRIVATE KEY"),
            ),
            ("SEC1 ECPrivateKey", key_der("ec-key.pem", "EC PRIVATE KEY")),
            (
                "PKCS#8 EncryptedPrivateKeyInfo",
                key_der("encrypted-key.pem", "ENCRYPTED PRIVATE KEY"),
            ),
        ]
    }

    #[test]
    fn der_keys_alone_after_der_and_after_pem_are_refused() {
        for (kind, key) in real_keys() {
            let err = parse(&key, "t").unwrap_err();
            assert_eq!(err.code(), "private-key", "{kind}");
            assert!(err.to_string().contains(kind), "{kind}: {err}");
            let mut after_der = real("le-r10.der");
            after_der.extend(&key);
            assert_eq!(
                parse(&after_der, "t").unwrap_err().code(),
                "private-key",
                "{kind}"
            );
            let mut after_pem = real("le-r10.pem");
            after_pem.extend(&key);
            assert_eq!(
                parse(&after_pem, "t").unwrap_err().code(),
                "private-key",
                "{kind}"
            );
        }
    }

    #[test]
    fn damaged_der_certificate_is_malformed_not_a_private_key() {
        let good = real("le-r10.der");
        // The first byte inside the certificate (tbsCertificate's SEQUENCE tag) changed:
        // an INTEGER first looked like RSAPrivateKey/PrivateKeyInfo to the old heuristic.
        for byte in [0x02u8, 0x04, 0x01, 0x00] {
            let mut der = good.clone();
            der[4] = byte;
            let err = parse(&der, "t").unwrap_err();
            assert_eq!(err.code(), "malformed", "byte {byte:#04x}: {err}");
            assert!(!err.to_string().contains("private key"), "{err}");
        }
        // Key-shaped fragments that are no whole key are not called keys either.
        for shape in [
            &[0x30, 0x05, 0x02, 0x01, 0x00, 0x02, 0x00][..],
            &[0x30, 0x03, 0x02, 0x01, 0x00],
        ] {
            assert_ne!(parse(shape, "t").unwrap_err().code(), "private-key");
        }
    }

    #[test]
    fn many_unknown_blocks_give_a_short_message() {
        let mut text = Vec::new();
        for i in 0..20_000 {
            let label = if i % 2 == 0 { "X509 CRL" } else { "FOO" };
            text.extend(format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n").bytes());
        }
        for i in 0..30 {
            text.extend(format!("-----BEGIN L{i}-----\nAAAA\n-----END L{i}-----\n").bytes());
        }
        let msg = parse(&text, "t").unwrap_err().to_string();
        assert!(msg.len() < 1024, "{} bytes: {msg}", msg.len());
        assert!(
            msg.contains("10000 `X509 CRL` blocks, 10000 `FOO` blocks"),
            "{msg}"
        );
        assert!(msg.contains("… and 22 more block(s)"), "{msg}");
    }

    #[test]
    fn der_certificate_beside_pem_is_malformed_not_a_key() {
        let mut mixed = real("le-r10.der");
        mixed.extend(real("le-r11.pem"));
        assert_eq!(parse(&mixed, "t").unwrap_err().code(), "malformed");
    }

    #[test]
    fn key_label_without_closing_dashes_does_not_echo_the_key() {
        let text = b"-----BEGIN RSA PRIVATE KEY\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n";
        let err = parse(text, "t").unwrap_err();
        assert_eq!(err.code(), "private-key");
        assert!(!err.to_string().contains("MIIB"), "{err}");
        assert!(err.to_string().contains("a PEM private key block"), "{err}");
    }

    #[test]
    fn private_key_refuses_everything() {
        let mut text = real("le-r10.pem");
        text.extend(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        let err = parse(&text, "t").unwrap_err();
        assert_eq!(err.code(), "private-key");
        assert!(!err.to_string().contains("AAAA"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn r10() -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/real/le-r10.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    proptest! {
        #![proptest_config(crate::x509::proptest_cases::cases(300))]

        /// Arbitrary bytes never panic; they are either certificates or a clear refusal.
        #[test]
        fn arbitrary_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse(&bytes, "fuzz");
            let _ = crate::bundle::Bundle::parse(bytes);
        }

        /// A real certificate damaged at any one byte never panics: it is refused, or
        /// still read as a certificate (when the byte was outside the body).
        #[test]
        fn one_damaged_byte_never_panics(at in 0usize..2000, byte in any::<u8>()) {
            let mut text = r10();
            let at = at % text.len();
            text[at] = byte;
            let _ = parse(&text, "fuzz");
        }
    }

    /// Found by the `x509_intake` fuzzer: the pem crate quotes the input in some errors
    /// (`invalid header: U\x04`), and that text went into the message unescaped.
    #[test]
    fn pem_error_text_quoting_the_input_is_escaped() {
        // The fuzzer's input, kept in the corpus: a PEM header line `U\x04` in a block.
        let bytes = std::fs::read(format!(
            "{}/fuzz/corpus/x509_intake/regression-pem-header-control-char",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let err = parse(&bytes, "in.pem").unwrap_err();
        let text = err.to_string();
        assert_eq!(err.code(), "malformed", "{text}");
        assert!(text.contains("bad PEM"), "{text}");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("\\x04"), "{text:?}");
    }
}
