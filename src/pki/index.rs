//! The offline index of intermediate CA certificates, keyed by subject name (the x509
//! layer's canonical [`NameKey`], as OpenSSL matches issuers) and subject key identifier.
//!
//! The format (`data/intermediates.bin`, DEFLATE-compressed) is, after decompression:
//! a text header (`certpatch-index 1`, then `key: value` lines: `date`, `source`,
//! `count`), an empty line, then `count` records of
//! `sha256[32] name_hash[32] ski_len[1] ski[ski_len] der_len[4, big-endian] der`, where
//! `name_hash` is the SHA-256 of the canonical subject name ([`name_hash`]). Lookups
//! compare hashes and parse only the certificates they return.
//!
//! The same bytes come from the embedded snapshot and from a refresh saved under
//! `CERTPATCH_HOME` ([`Index::encode`] writes them, [`Index::decode`] reads them).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::x509::cert::{hex, Cert, NameKey};

/// The snapshot built into the binary (see `examples/pki_data.rs`).
pub static EMBEDDED: &[u8] = include_bytes!("../../data/intermediates.bin");

/// The most bytes a decompressed index may have (the 2025 snapshot is 2.2 MB).
pub const MAX_INDEX_BYTES: u64 = 64 * 1024 * 1024;

const MAGIC: &str = "certpatch-index 1";

/// Why index bytes cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("not a certpatch index: {0}")]
pub struct IndexError(String);

struct Entry {
    sha256: [u8; 32],
    name_hash: [u8; 32],
    ski: Option<Vec<u8>>,
    der: std::ops::Range<usize>,
}

/// A loaded index.
pub struct Index {
    /// The date of the data (`YYYY-MM-DD`), as its header says.
    pub date: String,
    /// Where the data came from, as its header says.
    pub source: String,
    data: Vec<u8>,
    entries: Vec<Entry>,
    by_name: HashMap<[u8; 32], Vec<usize>>,
    by_sha: HashMap<[u8; 32], usize>,
}

/// The SHA-256 of a canonical name, the key of the name index.
pub fn name_hash(key: &NameKey) -> [u8; 32] {
    let mut h = Sha256::new();
    for rdn in key {
        h.update(b"[");
        for (oid, value) in rdn {
            h.update((oid.len() as u32).to_be_bytes());
            h.update(oid.as_bytes());
            h.update((value.len() as u32).to_be_bytes());
            h.update(value.as_bytes());
        }
        h.update(b"]");
    }
    h.finalize().into()
}

impl Index {
    /// Compressed index bytes holding `certs` (duplicates by SHA-256 dropped, sorted by
    /// fingerprint so that the same set gives the same bytes).
    pub fn encode(certs: &[Cert], date: &str, source: &str) -> Vec<u8> {
        let mut certs: Vec<&Cert> = certs.iter().collect();
        certs.sort_by_key(|c| c.sha256());
        certs.dedup_by_key(|c| c.sha256());
        let clean = |s: &str| s.replace(['\n', '\r'], " ");
        let mut raw = format!(
            "{MAGIC}\ndate: {}\nsource: {}\ncount: {}\n\n",
            clean(date),
            clean(source),
            certs.len()
        )
        .into_bytes();
        for c in certs {
            raw.extend_from_slice(&c.sha256());
            raw.extend_from_slice(&name_hash(c.subject_key()));
            let ski = c.ski_id.as_deref().unwrap_or(&[]);
            let ski = &ski[..ski.len().min(255)];
            raw.push(ski.len() as u8);
            raw.extend_from_slice(ski);
            raw.extend_from_slice(&(c.der.len() as u32).to_be_bytes());
            raw.extend_from_slice(&c.der);
        }
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&raw).expect("writing to memory");
        z.finish().expect("writing to memory")
    }

    /// Reads compressed index bytes.
    pub fn decode(compressed: &[u8]) -> Result<Index, IndexError> {
        let err = |s: &str| IndexError(s.to_string());
        let mut data = Vec::new();
        flate2::read::DeflateDecoder::new(compressed)
            .take(MAX_INDEX_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| IndexError(format!("cannot decompress it ({e})")))?;
        if data.len() as u64 > MAX_INDEX_BYTES {
            return Err(err("it is larger than 64 MiB once decompressed"));
        }
        let end = memchr::memmem::find(&data, b"\n\n").ok_or_else(|| err("no header"))?;
        let header = std::str::from_utf8(&data[..end]).map_err(|_| err("header is not text"))?;
        let mut lines = header.lines();
        if lines.next() != Some(MAGIC) {
            return Err(err("wrong first line (expected `certpatch-index 1`)"));
        }
        let mut fields = HashMap::new();
        for line in lines {
            if let Some((k, v)) = line.split_once(": ") {
                fields.insert(k, v.to_string());
            }
        }
        let count: usize = fields
            .get("count")
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| err("no count"))?;
        let mut at = end + 2;
        let mut entries = Vec::with_capacity(count.min(100_000));
        let take = |at: &mut usize, n: usize| -> Result<std::ops::Range<usize>, IndexError> {
            let r = *at..at.checked_add(n).ok_or_else(|| err("truncated"))?;
            if r.end > data.len() {
                return Err(err("truncated"));
            }
            *at = r.end;
            Ok(r)
        };
        for _ in 0..count {
            let sha256: [u8; 32] = data[take(&mut at, 32)?].try_into().unwrap();
            let name_hash: [u8; 32] = data[take(&mut at, 32)?].try_into().unwrap();
            let ski_len = data[take(&mut at, 1)?][0] as usize;
            let ski = data[take(&mut at, ski_len)?].to_vec();
            let len = u32::from_be_bytes(data[take(&mut at, 4)?].try_into().unwrap()) as usize;
            let der = take(&mut at, len)?;
            entries.push(Entry {
                sha256,
                name_hash,
                ski: (!ski.is_empty()).then_some(ski),
                der,
            });
        }
        if at != data.len() {
            return Err(err("bytes after the last record"));
        }
        let mut by_name: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
        let mut by_sha = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_name.entry(e.name_hash).or_default().push(i);
            by_sha.insert(e.sha256, i);
        }
        Ok(Index {
            date: fields.get("date").cloned().unwrap_or_default(),
            source: fields.get("source").cloned().unwrap_or_default(),
            data,
            entries,
            by_name,
            by_sha,
        })
    }

    /// The embedded snapshot.
    pub fn embedded() -> &'static Index {
        static IT: OnceLock<Index> = OnceLock::new();
        IT.get_or_init(|| Index::decode(EMBEDDED).expect("the embedded index is valid"))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `i`, read by the same strict intake as a FILE ([`Cert::from_der_strict`]):
    /// an index saved by an older certpatch, or edited, may hold a certificate OpenSSL
    /// refuses, and one such certificate in a bundle breaks every TLS connection of its
    /// Python. Such an entry is skipped, as if absent.
    fn cert(&self, i: usize) -> Option<Cert> {
        Cert::from_der_strict(&self.data[self.entries[i].der.clone()]).ok()
    }

    /// Every certificate, in fingerprint order (skipping any that is not strict DER).
    pub fn certs(&self) -> impl Iterator<Item = Cert> + '_ {
        (0..self.entries.len()).filter_map(|i| self.cert(i))
    }

    /// The certificate with this SHA-256, if the index has it.
    pub fn get(&self, sha256: &[u8; 32]) -> Option<Cert> {
        self.by_sha.get(sha256).and_then(|&i| self.cert(i))
    }

    /// Certificates whose SHA-256 starts with `prefix` (lowercase hex, no colons).
    pub fn by_fingerprint_prefix(&self, prefix: &str) -> Vec<Cert> {
        (0..self.entries.len())
            .filter(|&i| hex(&self.entries[i].sha256).starts_with(prefix))
            .filter_map(|i| self.cert(i))
            .collect()
    }

    /// Certificates with this subject name and, when `ski` is given, this subject key
    /// identifier (entries without one match any).
    pub fn by_subject(&self, key: &NameKey, ski: Option<&[u8]>) -> Vec<Cert> {
        self.by_name
            .get(&name_hash(key))
            .into_iter()
            .flatten()
            .filter(|&&i| match (ski, &self.entries[i].ski) {
                (Some(want), Some(have)) => want == have.as_slice(),
                _ => true,
            })
            .filter_map(|&i| self.cert(i))
            .filter(|c| c.subject_key() == key)
            .collect()
    }

    /// Issuer candidates of `cert`: name and key identifier match (as
    /// [`Cert::issuer_candidate`]); signatures are not checked here.
    pub fn issuer_candidates(&self, cert: &Cert) -> Vec<Cert> {
        self.by_subject(cert.issuer_key(), cert.aki_id.as_deref())
            .into_iter()
            .filter(|c| cert.issuer_candidate(c) && c.sha256() != cert.sha256())
            .collect()
    }

    /// The certificates of the index that signed `cert`: name, key identifier and
    /// signature checked.
    pub fn issuers_of(&self, cert: &Cert) -> Vec<Cert> {
        self.issuer_candidates(cert)
            .into_iter()
            .filter(|c| cert.signed_by(c) == Ok(true))
            .collect()
    }
}
