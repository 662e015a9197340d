//! Tests of the pki layer on the real data: the embedded snapshot, certifi 2026.10.19, and
//! the sample CCADB report in `fixtures/ccadb/`.

use std::path::Path;

use crate::bundle::Bundle;
use crate::pki::index::Index;
use crate::pki::roots::{Release, Roots};
use crate::pki::{complete, source};
use crate::x509::cert::Cert;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn cert(rel: &str) -> Cert {
    let bytes = read(rel);
    Cert::from_der(pem::parse(bytes).unwrap().contents()).unwrap()
}

/// The snapshot sits beside the repository (`../shared/ccadb/`), as in the workplace and CI.
const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/ccadb/intermediates-2025-06-24.pem"
);

fn certifi() -> Bundle {
    Bundle::parse(read("fixtures/real/certifi-2026.10.19-cacert.pem"))
}

#[test]
fn the_embedded_index_finds_every_snapshot_intermediate_by_fingerprint_and_by_subject() {
    // The snapshot itself is outside the repository; the index built from it is inside.
    let Ok(bytes) = std::fs::read(SNAPSHOT) else {
        eprintln!("skipped: {SNAPSHOT} is not on this machine");
        return;
    };
    let index = Index::embedded();
    assert_eq!(index.len(), 1633);
    assert_eq!(index.date, "2025-06-24");
    let mut found = 0;
    let mut roots = 0;
    for row in source::read_pem(&bytes).unwrap() {
        let c = Cert::from_der(&row.der.unwrap()).unwrap();
        if c.is_self_signed() {
            // The four self-signed certificates of the file are roots, refused by the
            // build's validation as not intermediates.
            assert!(index.get(&c.sha256()).is_none());
            roots += 1;
            continue;
        }
        assert_eq!(index.get(&c.sha256()).map(|x| x.der), Some(c.der.clone()));
        let hits = index.by_subject(c.subject_key(), c.ski_id.as_deref());
        assert!(hits.iter().any(|h| h.sha256() == c.sha256()), "{c:?}");
        found += 1;
    }
    assert_eq!((found, roots), (1633, 4));
}

#[test]
fn a_same_name_certificate_with_another_key_is_no_hit() {
    // impostor-root has test-root's name and another key; int-good was signed by test-root.
    let impostor = cert("fixtures/gen/impostor-root.pem");
    let child = cert("fixtures/gen/int-good.pem");
    assert_eq!(impostor.subject_key(), child.issuer_key());
    let index = Index::decode(&Index::encode(
        std::slice::from_ref(&impostor),
        "2026-01-01",
        "test",
    ))
    .unwrap();
    // Same name, and no key identifiers to tell them apart: a candidate by name only,
    // which the signature check rules out.
    assert!(index.issuers_of(&child).is_empty());
    let real = Index::decode(&Index::encode(
        &[cert("fixtures/gen/test-root.pem")],
        "2026-01-01",
        "test",
    ))
    .unwrap();
    assert_eq!(real.issuers_of(&child).len(), 1);
    assert!(index
        .by_subject(impostor.subject_key(), Some(b"another key id"))
        .is_empty());
    // And in the real snapshot: a real name with a wrong key identifier finds nothing.
    let index = Index::embedded();
    let some = index.certs().find(|c| c.ski_id.is_some()).unwrap();
    assert!(!index
        .by_subject(some.subject_key(), Some(b"x"))
        .iter()
        .any(|c| c.sha256() == some.sha256()));
    assert_eq!(
        index
            .by_subject(some.subject_key(), some.ski_id.as_deref())
            .iter()
            .filter(|c| c.sha256() == some.sha256())
            .count(),
        1
    );
}

#[test]
fn the_index_round_trips_and_refuses_damaged_bytes() {
    let certs = [
        cert("fixtures/real/le-r10.pem"),
        cert("fixtures/real/le-e5.pem"),
    ];
    let bytes = Index::encode(&certs, "2026-01-02", "sample");
    let index = Index::decode(&bytes).unwrap();
    assert_eq!(
        (index.len(), index.date.as_str(), index.source.as_str()),
        (2, "2026-01-02", "sample")
    );
    assert_eq!(index.get(&certs[0].sha256()).unwrap().der, certs[0].der);
    assert_eq!(
        index
            .by_fingerprint_prefix(&certs[1].sha256_hex()[..8])
            .len(),
        1
    );
    assert!(Index::decode(b"not deflate at all").is_err());
    assert!(Index::decode(&bytes[..bytes.len() / 2]).is_err());
}

#[test]
fn a_ccadb_csv_report_is_validated_row_by_row() {
    let rows = source::read_csv(&read("fixtures/ccadb/intermediates-sample.csv")).unwrap();
    let roots = Roots::embedded();
    let root_certs: Vec<&Cert> = roots.roots.iter().map(|r| &r.cert).collect();
    let v = source::validate(rows, &root_certs);
    assert_eq!(v.rows, 6);
    let kept: Vec<String> = v.certs.iter().map(|c| c.label().to_string()).collect();
    assert_eq!(kept, ["R10", "E5"]);
    let mut refused: Vec<(String, &str)> = v
        .refused
        .iter()
        .map(|(place, why)| (place.clone(), why.code()))
        .collect();
    refused.sort();
    assert_eq!(
        refused,
        [
            ("line 31".to_string(), "malformed"),
            ("line 34".to_string(), "not-ca"),
            ("line 55".to_string(), "not-chaining"),
            ("line 76".to_string(), "malformed"),
        ]
    );
    assert_eq!(
        v.counts(),
        [
            ("malformed", 2),
            ("not-ca", 1),
            ("not-chaining", 1),
            ("duplicate", 0)
        ]
    );
    // A CSV without the PEM column is refused as a whole.
    assert!(source::read_csv(b"\"CA Owner\",\"SHA-256 Fingerprint\"\n\"x\",\"y\"\n").is_err());
}

#[test]
fn a_certificate_two_below_a_bundle_root_is_completed_through_the_index() {
    // Cloudflare TLS Issuing RSA CA 3 <- SSL.com TLS Transit RSA CA R2 (snapshot) <-
    // SSL.com TLS RSA Root CA 2022 (certifi).
    let c = cert("fixtures/ccadb/cloudflare-tls-issuing-rsa-ca-3.pem");
    let done = complete(&c, &certifi(), Index::embedded(), Roots::embedded());
    let path = done.path.expect("a path through the index");
    let names: Vec<&str> = path.iter().map(|c| c.label()).collect();
    assert_eq!(names, ["SSL.com TLS Transit RSA CA R2"]);
    assert!(done.dead_ends.is_empty());
    // The simple API finds the issuer too, signature checked.
    let issuers = crate::pki::issuers_of(&c);
    assert_eq!(issuers.len(), 1);
    assert_eq!(issuers[0].sha256(), path[0].sha256());
}

#[test]
fn a_chain_to_a_root_certifi_removed_is_a_dead_end_with_its_history() {
    let c = cert("fixtures/ccadb/trustasia-ov-tls-pro-ca-g3.pem");
    let done = complete(&c, &certifi(), Index::embedded(), Roots::embedded());
    assert!(done.path.is_none());
    let end = &done.dead_ends[0];
    assert_eq!(end.root.cert.label(), "DigiCert Global Root CA");
    assert!(end.via.is_empty());
    assert_eq!(end.root.last_with, "2026.2.25");
    assert_eq!(end.root.removed_in.as_deref(), Some("2026.4.22"));
}

#[test]
fn root_history_follows_removals_and_returns() {
    let a = cert("fixtures/gen/test-root.pem");
    let b = cert("fixtures/gen/other-root.pem");
    let rel = |v: &str, certs: &[&Cert]| Release {
        version: v.to_string(),
        certs: certs.iter().map(|c| (*c).clone()).collect(),
    };
    // Out of order on purpose; 2015.9.6.2 sorts after 2015.9.6, and 14.5.14 before both.
    let roots = Roots::from_releases(vec![
        rel("2015.9.6.2", &[&a]),
        rel("14.5.14", &[&a, &b]),
        rel("2015.9.6", &[&a]),
        rel("2016.1.1", &[&a, &b]),
        rel("2017.1.1", &[&b]),
    ]);
    assert_eq!(
        (roots.versions, roots.oldest.as_str(), roots.newest.as_str()),
        (5, "14.5.14", "2017.1.1")
    );
    let ha = roots.get(&a.sha256()).unwrap();
    assert_eq!(
        (ha.last_with.as_str(), ha.removed_in.as_deref()),
        ("2016.1.1", Some("2017.1.1"))
    );
    let hb = roots.get(&b.sha256()).unwrap();
    assert_eq!(hb.removed_in, None, "b came back in 2016.1.1");
    let again = Roots::decode(&roots.encode()).unwrap();
    assert_eq!(again.removed().count(), 1);
}

#[test]
fn every_certificate_of_the_embedded_index_is_found_by_its_subject_and_key_id() {
    // Runs everywhere (the snapshot test above needs the snapshot file).
    let index = Index::embedded();
    let mut n = 0;
    for c in index.certs() {
        let hits = index.by_subject(c.subject_key(), c.ski_id.as_deref());
        assert!(hits.iter().any(|h| h.sha256() == c.sha256()), "{c:?}");
        n += 1;
    }
    assert_eq!(n, 1633);
}
