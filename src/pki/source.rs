//! Reading intermediates for the index, from a PEM file (the Firefox preload snapshot) or
//! from Mozilla's CCADB CSV report with PEM ("PublicAllIntermediateCertsWithPEMCSV"),
//! and the one validation both go through, row by row: a row is refused when it is
//! malformed (no PEM, bad PEM, not a certificate in strict DER as a FILE must be — the
//! same intake, [`Cert::from_der_strict`] — a fingerprint that does not match), not
//! a CA intermediate (basicConstraints CA:FALSE or absent, or a self-signed root), or not
//! chaining anywhere (no certificate of the same file and no root certifi ever shipped
//! signed it, directly or through other rows).
//!
//! The work is bounded for a hostile source: at most [`MAX_ROWS`] rows; a self-issued row
//! is refused without checking its signature (the snapshot has none that is not a root);
//! each (row, issuer) signature is checked once; and an issuer that has failed
//! [`MAX_FAILED_PER_ISSUER`] checks is not tried again (real intermediates are signed by
//! the issuer they name, so failures mean rows made to cost work, e.g. thousands of rows
//! naming a P-384 root of certifi).

use std::collections::HashMap;

use serde::Deserialize;

use crate::x509::cert::{Cert, NameKey};

/// The most rows one source may have (the CCADB report has about 10,000).
pub const MAX_ROWS: usize = 50_000;

/// The most failed signature checks against one issuer (root or row) before the rows
/// that still name it are no longer checked against it.
pub const MAX_FAILED_PER_ISSUER: usize = 16;

/// One row of a source: where it is (for messages) and its certificate's DER, or why
/// there is none.
pub struct Row {
    pub place: String,
    pub der: Result<Vec<u8>, String>,
    /// The SHA-256 the source claims (CSV column "SHA-256 Fingerprint"), hex.
    pub claimed_sha256: Option<String>,
}

/// Why a row is not in the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Malformed(String),
    NotCa(String),
    NotChaining,
    Duplicate,
}

impl Refusal {
    /// A stable identifier for counts and JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Malformed(_) => "malformed",
            Refusal::NotCa(_) => "not-ca",
            Refusal::NotChaining => "not-chaining",
            Refusal::Duplicate => "duplicate",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::Malformed(d) => format!("malformed: {d}"),
            Refusal::NotCa(d) => format!("not a CA intermediate: {d}"),
            Refusal::NotChaining => {
                "not chaining anywhere: no other row and no root certifi ever shipped signed it"
                    .to_string()
            }
            Refusal::Duplicate => "the same certificate as an earlier row".to_string(),
        }
    }
}

/// The outcome of reading and validating a source.
pub struct Validated {
    /// The certificates kept, in source order.
    pub certs: Vec<Cert>,
    /// The rows refused: place, and why.
    pub refused: Vec<(String, Refusal)>,
    pub rows: usize,
    /// How many signatures were checked (bounded: see the module documentation).
    pub signature_checks: usize,
}

impl Validated {
    /// How many rows were refused for each reason, in a fixed order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        ["malformed", "not-ca", "not-chaining", "duplicate"]
            .into_iter()
            .map(|code| {
                (
                    code,
                    self.refused
                        .iter()
                        .filter(|(_, r)| r.code() == code)
                        .count(),
                )
            })
            .collect()
    }
}

/// The rows of a PEM file: each `CERTIFICATE` block.
pub fn read_pem(bytes: &[u8]) -> Result<Vec<Row>, String> {
    let blocks = pem::parse_many(bytes).map_err(|e| format!("not PEM: {e}"))?;
    if blocks.len() > MAX_ROWS {
        return Err(format!(
            "more than {MAX_ROWS} certificates (Mozilla's intermediates have about 10,000); is it the right file?"
        ));
    }
    Ok(blocks
        .into_iter()
        .enumerate()
        .filter(|(_, b)| b.tag() == "CERTIFICATE")
        .map(|(i, b)| Row {
            place: format!("certificate {}", i + 1),
            der: Ok(b.into_contents()),
            claimed_sha256: None,
        })
        .collect())
}

/// The columns certpatch reads from the CCADB report; the others are ignored.
#[derive(Deserialize)]
struct CsvRecord {
    #[serde(rename = "SHA-256 Fingerprint", default)]
    sha256: String,
    #[serde(rename = "PEM Info")]
    pem: String,
}

/// The rows of a CCADB CSV report with a "PEM Info" column (the PEM, as CCADB writes it
/// between single quotes). A row that cannot be read is a malformed row, not an error;
/// a file without the header columns is an error.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read its header line: {e}"))?
        .clone();
    if !headers.iter().any(|h| h == "PEM Info") {
        return Err("it has no \"PEM Info\" column (give the CCADB report *with PEM*, e.g. PublicAllIntermediateCertsWithPEMCSV)".to_string());
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i >= MAX_ROWS {
            return Err(format!(
                "more than {MAX_ROWS} rows (the CCADB report of intermediates has about 10,000); is it the right file?"
            ));
        }
        let place = match &record {
            Ok(r) => r.position().map(|p| p.line()).unwrap_or(0),
            Err(e) => e.position().map(|p| p.line()).unwrap_or(0),
        };
        let place = format!("line {place}");
        let parsed = record.map_err(|e| format!("{e}")).and_then(|r| {
            r.deserialize::<CsvRecord>(Some(&headers))
                .map_err(|e| e.to_string())
        });
        let row = match parsed {
            Err(e) => Row {
                place,
                der: Err(format!("unreadable CSV row ({e})")),
                claimed_sha256: None,
            },
            Ok(rec) => {
                let text = rec.pem.trim().trim_matches('\'').trim();
                let der = match pem::parse(text) {
                    Ok(p) if p.tag() == "CERTIFICATE" => Ok(p.into_contents()),
                    Ok(p) => Err(format!("the PEM is a `{}`, not a CERTIFICATE", p.tag())),
                    Err(e) if text.is_empty() => Err(format!("no PEM ({e})")),
                    Err(e) => Err(format!("bad PEM ({e})")),
                };
                Row {
                    place,
                    der,
                    claimed_sha256: (!rec.sha256.trim().is_empty())
                        .then(|| rec.sha256.trim().replace(':', "").to_ascii_lowercase()),
                }
            }
        };
        rows.push(row);
    }
    Ok(rows)
}

/// Validates `rows`: see the module documentation. `roots` are the certificates a row may
/// chain to (every root certifi ever shipped, plus any the caller adds).
pub fn validate(rows: Vec<Row>, roots: &[&Cert]) -> Validated {
    let total = rows.len();
    let mut refused = Vec::new();
    let mut certs: Vec<(String, Cert)> = Vec::new();
    // Fingerprints kept so far (a set: a scan per row was quadratic in a hostile file).
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let cert = match row.der {
            Err(e) => {
                refused.push((row.place, Refusal::Malformed(e)));
                continue;
            }
            Ok(der) => match Cert::from_der_strict(&der) {
                Ok(c) => c,
                Err(e) => {
                    refused.push((row.place, Refusal::Malformed(e.to_string())));
                    continue;
                }
            },
        };
        if let Some(claimed) = &row.claimed_sha256 {
            if *claimed != cert.sha256_hex() {
                refused.push((
                    row.place,
                    Refusal::Malformed(format!(
                        "its SHA-256 is {}, but the row says {claimed}",
                        cert.sha256_hex()
                    )),
                ));
                continue;
            }
        }
        match cert.basic_constraints {
            Some(bc) if bc.ca => {}
            Some(_) => {
                refused.push((
                    row.place,
                    Refusal::NotCa("basicConstraints CA:FALSE".into()),
                ));
                continue;
            }
            None => {
                refused.push((row.place, Refusal::NotCa("no basicConstraints".into())));
                continue;
            }
        }
        if cert.is_self_issued() {
            refused.push((
                row.place,
                Refusal::NotCa(
                    "self-issued (its issuer is its subject): a root, not an intermediate".into(),
                ),
            ));
            continue;
        }
        if !seen.insert(cert.sha256()) {
            refused.push((row.place, Refusal::Duplicate));
            continue;
        }
        certs.push((row.place, cert));
    }
    // Which rows chain to a root, directly or through other rows.
    let mut root_names: HashMap<&NameKey, Vec<&Cert>> = HashMap::new();
    for r in roots {
        root_names.entry(r.subject_key()).or_default().push(r);
    }
    let mut row_names: HashMap<&NameKey, Vec<usize>> = HashMap::new();
    for (i, (_, c)) in certs.iter().enumerate() {
        row_names.entry(c.subject_key()).or_default().push(i);
    }
    let mut checker = Checker::default();
    let mut chained: Vec<bool> = certs
        .iter()
        .map(|(_, c)| {
            root_names
                .get(&c.issuer_key())
                .into_iter()
                .flatten()
                .any(|r| c.issuer_candidate(r) && checker.signs(c, r))
        })
        .collect();
    loop {
        let mut progressed = false;
        for i in 0..certs.len() {
            if chained[i] {
                continue;
            }
            let c = &certs[i].1;
            let found = row_names
                .get(&c.issuer_key())
                .into_iter()
                .flatten()
                .any(|&j| {
                    j != i
                        && chained[j]
                        && c.issuer_candidate(&certs[j].1)
                        && checker.signs(c, &certs[j].1)
                });
            if found {
                chained[i] = true;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    let mut kept = Vec::new();
    for ((place, cert), ok) in certs.into_iter().zip(chained) {
        if ok {
            kept.push(cert);
        } else {
            refused.push((place, Refusal::NotChaining));
        }
    }
    Validated {
        certs: kept,
        refused,
        rows: total,
        signature_checks: checker.checks,
    }
}

/// Signature checks with a memory (each pair once) and a failure budget per issuer.
#[derive(Default)]
struct Checker {
    done: HashMap<([u8; 32], [u8; 32]), bool>,
    failed: HashMap<[u8; 32], usize>,
    checks: usize,
}

impl Checker {
    fn signs(&mut self, child: &Cert, issuer: &Cert) -> bool {
        if let Some(&ok) = self.done.get(&(child.sha256(), issuer.sha256())) {
            return ok;
        }
        let failed = self.failed.entry(issuer.sha256()).or_default();
        if *failed >= MAX_FAILED_PER_ISSUER {
            return false;
        }
        self.checks += 1;
        let ok = child.signed_by(issuer) == Ok(true);
        if !ok {
            *failed += 1;
        }
        self.done.insert((child.sha256(), issuer.sha256()), ok);
        ok
    }
}
