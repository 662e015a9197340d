//! Entry points for the fuzz targets in `fuzz/` and for the test that replays their
//! committed corpus on stable (`tests/fuzz_corpus.rs`): each takes arbitrary bytes, runs
//! them through the same library functions the commands use, and checks invariants that
//! must hold for any input. Not an API (hidden from the docs); it exists so that the
//! fuzzers and `cargo test` exercise exactly the same code.
//!
//! Each function returns `Err` with a description when an invariant breaks; a panic inside
//! the library is a finding too. It sits beside `bundle` and imports only `bundle` and
//! `x509`.

use crate::bundle::{render_patch, Bundle};
use crate::x509::cert::Cert;
use crate::x509::input;

/// The time written into rendered patches.
const ADDED: &str = "2026-11-29T02:03:04Z";

/// Source names written into rendered patches: plain, and the ones that need escaping.
const SOURCES: &[&str] = &[
    "le-r10.pem",
    "stdin",
    "a;b from c.pem",
    "line\nbreak\r.pem",
    "caf\u{e9} \u{1F512} \\x41.pem",
    " ",
];

/// Real and generated certificates the round trip adds (from `fixtures/`).
const ROUNDTRIP_PEMS: &[&[u8]] = &[
    include_bytes!("../fixtures/real/le-r10.pem"),
    include_bytes!("../fixtures/real/le-e5.pem"),
    include_bytes!("../fixtures/gen/int-unicode.pem"),
    include_bytes!("../fixtures/gen/int-good.pem"),
];

/// The certificates [`patch_roundtrip`] chooses from.
pub fn roundtrip_certs() -> Vec<Cert> {
    ROUNDTRIP_PEMS
        .iter()
        .map(|pem| {
            input::parse(pem, "fixture")
                .expect("fixture certificate")
                .remove(0)
        })
        .collect()
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

fn fingerprints(bundle: &Bundle) -> Vec<[u8; 32]> {
    bundle.patches.iter().map(|p| p.cert.sha256()).collect()
}

/// Certificate intake (`x509::input`, what `check`/`add` do with FILE). An accepted input
/// holds 1..=`MAX_INPUT_CERTIFICATES` certificates whose DER parses again to the same
/// fingerprint, and each of them rendered as a patch reads back as exactly that patch
/// (what `add` writes, `list`/`remove` must find). A refusal's message is one printable
/// text (only line breaks), so that nothing in the input reaches the terminal raw.
pub fn x509_intake(data: &[u8]) -> Result<(), String> {
    match input::from_bytes(data, "fuzz.pem".to_string()) {
        Ok(got) => {
            check(
                !got.certs.is_empty() && got.certs.len() <= input::MAX_INPUT_CERTIFICATES,
                || format!("accepted {} certificates", got.certs.len()),
            )?;
            for cert in got.certs.iter().take(4) {
                let again = Cert::from_der(&cert.der)
                    .map_err(|e| format!("an accepted certificate does not parse again: {e:?}"))?;
                check(again.same_as(cert), || {
                    "fingerprint changed on re-parse".to_string()
                })?;
                let patch = render_patch(b"", cert, ADDED, "fuzz.pem");
                let len = patch.len();
                let bundle = Bundle::parse(patch);
                check(
                    fingerprints(&bundle) == [cert.sha256()] && bundle.patches[0].range == (0..len),
                    || {
                        format!(
                            "an accepted certificate's patch does not read back as one patch \
                             ({} patches, {} damaged blocks)",
                            bundle.patches.len(),
                            bundle.damaged_blocks
                        )
                    },
                )?;
            }
            Ok(())
        }
        Err(err) => {
            let _ = err.code();
            let text = err.to_string();
            check(
                !text.is_empty() && !text.chars().any(|c| c.is_control() && c != '\n'),
                || format!("refusal message holds a control character: {text:?}"),
            )
        }
    }
}

/// Bundle parsing (`Bundle::parse`, and `Bundle::summary` that `find` uses). Patches lie
/// inside the bytes, in order, without overlap, each starting with its marker line's bytes
/// and its certificate among the bundle's; the summary finds the same patches; taking one
/// patch out leaves the others (found again by fingerprint) and shortens the bytes; taking
/// all out leaves no patch.
pub fn bundle_parse(data: &[u8]) -> Result<(), String> {
    let bundle = Bundle::parse(data.to_vec());
    check(bundle.bytes == data, || {
        "parse changed the bytes".to_string()
    })?;
    let mut end = 0;
    for (i, p) in bundle.patches.iter().enumerate() {
        check(
            p.range.start >= end && p.range.start < p.range.end && p.range.end <= data.len(),
            || {
                format!(
                    "patch {i} range {:?} out of order or outside 0..{} (previous end {end})",
                    p.range,
                    data.len()
                )
            },
        )?;
        end = p.range.end;
        check(
            memchr::memmem::find(&data[p.range.clone()], crate::bundle::MARKER.as_bytes())
                .is_some(),
            || format!("patch {i} range {:?} does not hold its marker", p.range),
        )?;
        check(bundle.contains(&p.cert), || {
            format!("patch {i}'s certificate is not among the bundle's")
        })?;
    }
    let summary = Bundle::summary(data);
    let ranges = |ps: &[crate::bundle::Patch]| -> Vec<_> {
        ps.iter()
            .map(|p| (p.range.clone(), p.cert.sha256()))
            .collect()
    };
    check(ranges(&summary.patches) == ranges(&bundle.patches), || {
        format!(
            "summary finds {} patches, parse {}",
            summary.patches.len(),
            bundle.patches.len()
        )
    })?;
    let all = fingerprints(&bundle);
    for i in 0..bundle.patches.len().min(3) {
        let out = bundle.without(&[i]);
        check(out.len() < data.len(), || {
            format!("taking patch {i} out did not shorten the bundle")
        })?;
        let mut want = all.clone();
        want.remove(i);
        check(fingerprints(&Bundle::parse(out)) == want, || {
            format!("taking patch {i} out changed the other patches")
        })?;
    }
    let pristine = bundle.pristine();
    check(Bundle::parse(pristine.clone()).patches.is_empty(), || {
        "patches left after taking all out".to_string()
    })?;
    if bundle.patches.is_empty() {
        check(pristine == data, || {
            "pristine changed a bundle without patches".to_string()
        })?;
    }
    Ok(())
}

/// Finds the patch that ends the bundle, with this fingerprint: the one just appended.
fn last_patch(bundle: &Bundle, cert: &Cert) -> Result<usize, String> {
    let i = bundle
        .patches
        .len()
        .checked_sub(1)
        .ok_or("the appended patch is not found")?;
    let p = &bundle.patches[i];
    check(
        p.cert.same_as(cert) && p.range.end == bundle.bytes.len(),
        || format!("the last patch ({:?}) is not the appended one", p.range),
    )?;
    Ok(i)
}

/// The add → remove round trip: `data[0]` and `data[1]` choose two certificates of
/// `certs` and `data[2]` the source names; the rest is any bundle. Appending a rendered
/// patch and taking it out gives the bundle back byte for byte; with two patches
/// appended, taking them out in either order, or both at once, does too, and taking the
/// second out gives back the bundle with the first.
pub fn patch_roundtrip(certs: &[Cert], data: &[u8]) -> Result<(), String> {
    let [a, b, s, original @ ..] = data else {
        return Ok(());
    };
    let ca = &certs[*a as usize % certs.len()];
    let cb = &certs[*b as usize % certs.len()];
    let sa = SOURCES[(*s & 0x0f) as usize % SOURCES.len()];
    let sb = SOURCES[(*s >> 4) as usize % SOURCES.len()];

    let mut one = original.to_vec();
    one.extend(render_patch(original, ca, ADDED, sa));
    let parsed = Bundle::parse(one.clone());
    let i = last_patch(&parsed, ca)?;
    check(parsed.without(&[i]) == original, || {
        "taking the one appended patch out did not give the bundle back".to_string()
    })?;

    let mut two = one.clone();
    two.extend(render_patch(&one, cb, ADDED, sb));
    let parsed = Bundle::parse(two);
    let j = last_patch(&parsed, cb)?;
    let i = j.checked_sub(1).ok_or("the first appended patch is gone")?;
    check(parsed.patches[i].cert.same_as(ca), || {
        "the first appended patch is not before the second".to_string()
    })?;
    check(parsed.without(&[j]) == one, || {
        "taking the second patch out did not give back the bundle with the first".to_string()
    })?;
    check(parsed.without(&[i, j]) == original, || {
        "taking both patches out at once did not give the bundle back".to_string()
    })?;
    // Second, then first.
    let rest = Bundle::parse(parsed.without(&[j]));
    let k = last_patch(&rest, ca)?;
    check(rest.without(&[k]) == original, || {
        "second then first did not give the bundle back".to_string()
    })?;
    // First, then second.
    let rest = Bundle::parse(parsed.without(&[i]));
    let k = last_patch(&rest, cb)?;
    check(rest.without(&[k]) == original, || {
        "first then second did not give the bundle back".to_string()
    })?;
    Ok(())
}
