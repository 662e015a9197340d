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

fn certifi() -> Bundle {
    Bundle::parse(read("fixtures/real/certifi-2026.10.19-cacert.pem"))
}

#[test]
fn the_embedded_index_finds_every_snapshot_intermediate_by_fingerprint_and_by_subject() {
    // The snapshot the index was built from is a fixture (gzip, fixtures/ccadb/).
    let bytes = crate::x509::cert::ccadb::snapshot_pem();
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
    let issuers = Index::embedded().issuers_of(&c);
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

/// `der` with its outer signatureAlgorithm OID tag changed from 06 to 83 (outside the
/// signed part: a lenient reader accepts it, OpenSSL refuses it).
fn outer_oid_tag_changed(der: &[u8]) -> Vec<u8> {
    let header = |at: usize| {
        if der[at + 1] < 0x80 {
            2
        } else {
            2 + (der[at + 1] & 0x7f) as usize
        }
    };
    let len = |at: usize| {
        let h = header(at);
        if h == 2 {
            der[at + 1] as usize
        } else {
            der[at + 2..at + h]
                .iter()
                .fold(0usize, |l, &b| l << 8 | b as usize)
        }
    };
    let tbs = header(0);
    let sig_alg = tbs + header(tbs) + len(tbs);
    assert_eq!(&der[sig_alg..sig_alg + 3], &[0x30, 0x0d, 0x06]);
    let mut out = der.to_vec();
    out[sig_alg + 2] = 0x83;
    out
}

#[test]
fn an_index_entry_that_is_not_strict_der_is_refused_at_refresh_and_skipped_at_load() {
    let good = cert("fixtures/ccadb/ssl-com-tls-transit-rsa-ca-r2.pem");
    let bad_der = outer_oid_tag_changed(&good.der);
    // The lenient reader takes it (so an older index may hold it), the intake does not.
    let bad = Cert::from_der(&bad_der).expect("a lenient reader accepts it");
    assert!(Cert::from_der_strict(&bad_der).is_err());
    let bytes = Index::encode(std::slice::from_ref(&bad), "2026-01-02", "old");
    let index = Index::decode(&bytes).unwrap();
    assert_eq!(index.len(), 1, "the entry is there");
    assert!(index.get(&bad.sha256()).is_none(), "but never returned");
    assert!(index.by_subject(bad.subject_key(), None).is_empty());
    assert_eq!(index.certs().count(), 0);
    let child = cert("fixtures/ccadb/cloudflare-tls-issuing-rsa-ca-3.pem");
    assert!(index.issuer_candidates(&child).is_empty());
    // At refresh: refused as malformed.
    let rows = vec![source::Row {
        place: "line 2".into(),
        der: Ok(bad_der),
        claimed_sha256: None,
    }];
    let roots = Roots::embedded();
    let anchors: Vec<&Cert> = roots.roots.iter().map(|r| &r.cert).collect();
    let v = source::validate(rows, &anchors);
    assert!(v.certs.is_empty());
    assert_eq!(v.refused[0].1.code(), "malformed", "{:?}", v.refused);
}

/// `n` distinct CA rows naming certifi's ISRG Root X2 (P-384) as their issuer, with no
/// authority key identifier (so the name alone makes the root a candidate), signed by
/// another P-384 key: every row costs a signature check that fails.
fn rows_claiming_isrg_root_x2(n: usize) -> (Vec<source::Row>, Cert) {
    use rcgen::{CertificateParams, DnType, IsCa, KeyPair, PKCS_ECDSA_P384_SHA384};
    let roots = Roots::embedded();
    let x2 = roots
        .roots
        .iter()
        .find(|r| r.cert.subject().contains("ISRG Root X2"))
        .expect("certifi has ISRG Root X2")
        .cert
        .clone();
    let named = |cn: &str| {
        let mut p = CertificateParams::default();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(DnType::CountryName, "US");
        p.distinguished_name
            .push(DnType::OrganizationName, "Internet Security Research Group");
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p
    };
    let fake_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
    let fake = named("ISRG Root X2").self_signed(&fake_key).unwrap();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
    let mut p = named("Hostile Row");
    p.use_authority_key_identifier_extension = false;
    let der = p.signed_by(&key, &fake, &fake_key).unwrap().der().to_vec();
    let child = Cert::from_der_strict(&der).unwrap();
    assert!(
        child.issuer_candidate(&x2),
        "the rows name the real root: {:?} {:?} {:?} {:?}",
        child.issuer_key(),
        x2.subject_key(),
        child.aki_id,
        x2.ski_id
    );
    let rows = (0..n)
        .map(|k| {
            // Another last two bytes of the signature's `s`: another row, still strict DER.
            let mut der = der.clone();
            let len = der.len();
            der[len - 2..].copy_from_slice(&(k as u16).to_be_bytes());
            source::Row {
                place: format!("line {}", k + 2),
                der: Ok(der),
                claimed_sha256: None,
            }
        })
        .collect();
    (rows, x2)
}

#[test]
fn thousands_of_rows_claiming_a_p384_root_cost_a_bounded_number_of_signature_checks() {
    let (rows, _) = rows_claiming_isrg_root_x2(2_000);
    let roots = Roots::embedded();
    let anchors: Vec<&Cert> = roots.roots.iter().map(|r| &r.cert).collect();
    let v = source::validate(rows, &anchors);
    assert!(v.certs.is_empty());
    let not_chaining = v
        .refused
        .iter()
        .filter(|(_, r)| *r == source::Refusal::NotChaining)
        .count();
    assert_eq!(
        not_chaining,
        2_000,
        "every row is refused: {:?}",
        v.counts()
    );
    let x2_like = anchors
        .iter()
        .filter(|r| r.subject().contains("ISRG Root X2"))
        .count();
    assert!(
        v.signature_checks <= source::MAX_FAILED_PER_ISSUER * x2_like,
        "{} signature checks for 2,000 hostile rows",
        v.signature_checks
    );
    assert!(v.signature_checks > 0, "the rows were checked at all");
}
