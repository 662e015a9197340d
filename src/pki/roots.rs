//! The roots certifi has shipped, release by release: for each root, the first and last
//! certifi version that had it and, when a later release dropped it, the first version
//! without it. Computed from the real certifi releases on PyPI by
//! `examples/pki_data.rs roots` (see `scripts/fetch-certifi-releases.sh`) and embedded
//! in the binary (`data/certifi-roots.bin`, DEFLATE-compressed text; the removed ones
//! are also in `data/certifi-removed-roots.tsv` for people to read).
//!
//! With this, a chain that ends at a root the bundle lacks can be explained in words:
//! certifi removed that root on purpose, in a given release, and adding its intermediate
//! cannot make Python trust the chain.

use std::io::{Read, Write};
use std::sync::OnceLock;

use base64::Engine;

use crate::x509::cert::{hex, Cert};

/// The table built into the binary.
pub static EMBEDDED: &[u8] = include_bytes!("../../data/certifi-roots.bin");

const MAGIC: &str = "certpatch-certifi-roots 1";

/// One root certifi shipped in at least one release.
#[derive(Clone, Debug)]
pub struct RootHistory {
    pub cert: Cert,
    /// The first certifi release (of those read) that had it.
    pub first_with: String,
    /// The last certifi release that had it.
    pub last_with: String,
    /// The first release after `last_with` without it; `None` while the newest release
    /// read still has it.
    pub removed_in: Option<String>,
}

/// The history of certifi's roots.
#[derive(Debug)]
pub struct Roots {
    /// How many certifi releases were read, and the oldest and newest.
    pub versions: usize,
    pub oldest: String,
    pub newest: String,
    pub roots: Vec<RootHistory>,
}

/// A release as read: its version and its root certificates.
pub struct Release {
    pub version: String,
    pub certs: Vec<Cert>,
}

/// Orders certifi version strings (`2015.9.6.2`, `2026.10.19.post1`, `0.0.8`).
pub fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split('.')
        .map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            (
                digits.parse().unwrap_or(0),
                part[digits.len()..].to_string(),
            )
        })
        .collect()
}

impl Roots {
    /// The history of every root over `releases` (any order; sorted here by version).
    pub fn from_releases(mut releases: Vec<Release>) -> Roots {
        releases.sort_by_key(|r| version_key(&r.version));
        let mut roots: Vec<RootHistory> = Vec::new();
        for (n, rel) in releases.iter().enumerate() {
            for c in &rel.certs {
                match roots.iter_mut().find(|r| r.cert.sha256() == c.sha256()) {
                    Some(r) => {
                        r.last_with = rel.version.clone();
                        r.removed_in = None;
                    }
                    None => roots.push(RootHistory {
                        cert: c.clone(),
                        first_with: rel.version.clone(),
                        last_with: rel.version.clone(),
                        removed_in: None,
                    }),
                }
            }
            // A root this release lacks was removed here (unless it was already gone).
            for r in roots.iter_mut() {
                if r.removed_in.is_none()
                    && !rel.certs.iter().any(|c| c.sha256() == r.cert.sha256())
                {
                    r.removed_in = Some(releases[n].version.clone());
                }
            }
        }
        Roots {
            versions: releases.len(),
            oldest: releases
                .first()
                .map(|r| r.version.clone())
                .unwrap_or_default(),
            newest: releases
                .last()
                .map(|r| r.version.clone())
                .unwrap_or_default(),
            roots,
        }
    }

    /// The roots some release had and a later one dropped (still absent in the newest).
    pub fn removed(&self) -> impl Iterator<Item = &RootHistory> {
        self.roots.iter().filter(|r| r.removed_in.is_some())
    }

    /// The root with this SHA-256.
    pub fn get(&self, sha256: &[u8; 32]) -> Option<&RootHistory> {
        self.roots.iter().find(|r| &r.cert.sha256() == sha256)
    }

    /// Roots that may have issued `cert` by name and key identifier.
    pub fn issuer_candidates<'a>(
        &'a self,
        cert: &'a Cert,
    ) -> impl Iterator<Item = &'a RootHistory> {
        self.roots
            .iter()
            .filter(move |r| cert.issuer_candidate(&r.cert))
    }

    /// Compressed bytes of the table.
    pub fn encode(&self) -> Vec<u8> {
        let mut text = format!(
            "{MAGIC}\nversions: {}\noldest: {}\nnewest: {}\n\n",
            self.versions, self.oldest, self.newest
        );
        for r in &self.roots {
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                hex(&r.cert.sha256()),
                r.first_with,
                r.last_with,
                r.removed_in.as_deref().unwrap_or("-"),
                base64::engine::general_purpose::STANDARD.encode(&r.cert.der)
            ));
        }
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(text.as_bytes()).expect("writing to memory");
        z.finish().expect("writing to memory")
    }

    /// Reads compressed table bytes.
    pub fn decode(compressed: &[u8]) -> Result<Roots, String> {
        let mut text = String::new();
        flate2::read::DeflateDecoder::new(compressed)
            .take(16 * 1024 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot decompress the roots table: {e}"))?;
        let (header, body) = text.split_once("\n\n").ok_or("no header")?;
        let mut lines = header.lines();
        if lines.next() != Some(MAGIC) {
            return Err("not a certpatch roots table".into());
        }
        let field = |name: &str| {
            header
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
                .unwrap_or_default()
        };
        let mut roots = Vec::new();
        for line in body.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 5 {
                return Err(format!("bad line in the roots table: {line:.40}"));
            }
            let der = base64::engine::general_purpose::STANDARD
                .decode(f[4])
                .map_err(|e| e.to_string())?;
            let cert = Cert::from_der(&der).map_err(|e| e.to_string())?;
            roots.push(RootHistory {
                cert,
                first_with: f[1].to_string(),
                last_with: f[2].to_string(),
                removed_in: (f[3] != "-").then(|| f[3].to_string()),
            });
        }
        Ok(Roots {
            versions: field("versions").parse().unwrap_or(0),
            oldest: field("oldest"),
            newest: field("newest"),
            roots,
        })
    }

    /// The embedded table.
    pub fn embedded() -> &'static Roots {
        static IT: OnceLock<Roots> = OnceLock::new();
        IT.get_or_init(|| Roots::decode(EMBEDDED).expect("the embedded roots table is valid"))
    }

    /// The removed roots as tab-separated text: name, SHA-256, last version with it,
    /// first version without it.
    pub fn removed_tsv(&self) -> String {
        let mut out = format!(
            "# Roots certifi shipped and later removed, from {} certifi releases ({} to {}).\n# name\tsha256\tlast_with\tfirst_without\n",
            self.versions, self.oldest, self.newest
        );
        let mut removed: Vec<&RootHistory> = self.removed().collect();
        removed.sort_by(|a, b| {
            version_key(a.removed_in.as_deref().unwrap_or(""))
                .cmp(&version_key(b.removed_in.as_deref().unwrap_or("")))
                .then(a.cert.label().cmp(b.cert.label()))
        });
        for r in removed {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\n",
                crate::x509::text::escape(r.cert.name()),
                hex(&r.cert.sha256()),
                r.last_with,
                r.removed_in.as_deref().unwrap_or("")
            ));
        }
        out
    }
}
