//! Property tests of the outer encoding of a certificate (fourth adversarial round):
//! bytes outside the signed part (the outer SEQUENCE header, the outer signatureAlgorithm,
//! the signature BIT STRING, anything appended) are not covered by the signature, so only
//! the strict DER reading can stop a change there. A mutated real intermediate must never
//! be accepted, and reading or judging it must never panic. The review ran 10,000 cases;
//! CI runs 256 (`PROPTEST_CASES` raises it).

use proptest::prelude::*;
use time::macros::datetime;

use crate::accept::validate::{judge, Decision, Rules};
use crate::bundle::Bundle;
use crate::x509::cert::Cert;

fn real(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/real/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// R10's DER and the byte range of its TBSCertificate.
fn r10() -> (Vec<u8>, std::ops::Range<usize>) {
    let der = real("le-r10.der");
    let header = |i: usize| -> (usize, usize) {
        let n = der[i + 1] as usize;
        if n < 0x80 {
            (i + 2, n)
        } else {
            let k = n & 0x7f;
            let len = der[i + 2..i + 2 + k]
                .iter()
                .fold(0usize, |a, b| a << 8 | *b as usize);
            (i + 2 + k, len)
        }
    };
    let (body, _) = header(0);
    let (tbs_body, tbs_len) = header(body);
    (der.clone(), body..tbs_body + tbs_len)
}

fn bundle() -> &'static Bundle {
    static BUNDLE: std::sync::OnceLock<Bundle> = std::sync::OnceLock::new();
    BUNDLE.get_or_init(|| Bundle::parse(real("certifi-2026.10.19-cacert.pem")))
}

/// Reads `der` as an input certificate and, when it reads, judges it against `bundle`.
fn accepted(der: &[u8], bundle: &Bundle) -> bool {
    let Ok(cert) = Cert::from_der_strict(der) else {
        return false;
    };
    let input = [cert];
    let rules = Rules {
        at: datetime!(2026-06-01 0:00 UTC),
        allow_root: false,
        python_3_13: None,
    };
    judge(&input, bundle, rules)[0].decision == Decision::Add
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the byte at (an index into the bytes outside the TBS) with a value.
    Set(usize, u8),
    /// Insert a byte there.
    Insert(usize, u8),
    /// Remove the byte there.
    Remove(usize),
    /// Append bytes after the certificate.
    Append(Vec<u8>),
    /// Replace one of the tag bytes outside the TBS (outer SEQUENCE, algorithm SEQUENCE,
    /// OID, NULL, BIT STRING) with a value: where the reviewed attacks were.
    Tag(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<usize>().prop_map(Mutation::Remove),
        1 => proptest::collection::vec(any::<u8>(), 1..4).prop_map(Mutation::Append),
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Tag(i, b)),
    ]
}

/// Applies `m` to the bytes outside `tbs`; `None` when it changes nothing.
fn apply(der: &[u8], tbs: &std::ops::Range<usize>, m: &Mutation) -> Option<Vec<u8>> {
    let outside: Vec<usize> = (0..der.len()).filter(|i| !tbs.contains(i)).collect();
    let mut out = der.to_vec();
    match m {
        Mutation::Set(i, b) => {
            let at = outside[i % outside.len()];
            if out[at] == *b {
                return None;
            }
            out[at] = *b;
        }
        Mutation::Insert(i, b) => out.insert(outside[i % outside.len()], *b),
        Mutation::Remove(i) => {
            out.remove(outside[i % outside.len()]);
        }
        Mutation::Append(bytes) => out.extend(bytes),
        Mutation::Tag(i, b) => {
            let alg = tbs.end;
            let tags = [0, alg, alg + 2, alg + 13, alg + 15];
            let at = tags[i % tags.len()];
            if at >= out.len() || out[at] == *b {
                return None;
            }
            out[at] = *b;
        }
    }
    Some(out)
}

#[test]
fn unmutated_r10_is_accepted() {
    let (der, tbs) = r10();
    assert!(tbs.start > 0 && tbs.end < der.len());
    assert!(accepted(&der, bundle()));
}

#[test]
fn the_reviewed_one_byte_changes_are_refused() {
    let (der, tbs) = r10();
    let bundle = bundle();
    // outer signatureAlgorithm: 30 0d 06 09 <oid> 05 00; then 03 82 01 01 00 <signature>
    let alg = tbs.end;
    for (at, new) in [(alg + 2, 0x83), (alg + 13, 0xd1), (alg + 15, 0x83)] {
        let mut bad = der.clone();
        bad[at] = new;
        assert!(!accepted(&bad, bundle), "byte {at} -> {new:#x}");
    }
    // Unused bits declared in the signature BIT STRING.
    let mut bad = der.clone();
    bad[alg + 19] = 0x01;
    assert!(!accepted(&bad, bundle));
}

proptest! {
    #![proptest_config(crate::x509::proptest_cases::cases(256))]
    #[test]
    fn mutations_outside_the_signed_part_are_never_accepted(
        ms in proptest::collection::vec(mutation(), 1..3)
    ) {
        let (der, tbs) = r10();
        let mut bytes = der.clone();
        for m in &ms {
            // Positions follow the original layout: after an insertion or removal a later
            // mutation may land inside the shifted TBS, which the signature covers anyway.
            if let Some(next) = apply(&bytes, &tbs, m) {
                bytes = next;
            }
        }
        prop_assume!(bytes != der);
        prop_assert!(!accepted(&bytes, bundle()), "accepted a mutation: {ms:?}");
    }
}
