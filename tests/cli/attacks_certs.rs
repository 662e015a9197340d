//! Attacks on the acceptance rules (fourth adversarial round): bytes changed outside the
//! signed part, name constraints and pathLen under Python 3.13's partial chains, weak
//! non-RSA keys, multi-valued RDNs, and inputs built to make certpatch verify signatures
//! without end. Fixtures: fixtures/attacks/ (fixtures/make-attack-fixtures.sh), all under
//! their own root `attack-root.pem`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

fn attack(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/attacks")
        .join(name);
    assert!(
        p.exists(),
        "fixture {} is missing (fixtures/make-attack-fixtures.sh)",
        p.display()
    );
    p
}

/// certifi's bundle plus the attack root.
fn attack_bundle(sb: &Sandbox) -> PathBuf {
    let mut bytes = read(real(CERTIFI));
    bytes.extend(read(attack("attack-root.pem")));
    sb.write_bundle("cacert.pem", &bytes)
}

/// `add --json` of `file`: exit 1, bundle unchanged, no backup; returns the document.
fn refused(file: &Path) -> Value {
    let sb = Sandbox::new();
    let bundle = attack_bundle(&sb);
    let before = read(&bundle);
    let out = sb.add(file, &bundle, &["--json"]);
    assert_exit(&out, 1, &format!("add {}", file.display()));
    assert_file_is(&bundle, &before, "a refusal leaves the bundle as it was");
    assert!(!sb.backups_exist(), "no backup for a refused input");
    let text = sb.add(file, &bundle, &[]);
    assert_exit(&text, 1, "add (text)");
    assert!(!stderr(&text).trim().is_empty(), "the refusal is explained");
    json(&out)
}

/// `add` of `file` succeeds and writes it.
fn accepted(file: &Path) {
    let sb = Sandbox::new();
    let bundle = attack_bundle(&sb);
    sb.add_ok(file, &bundle, &[]);
    let after = read(&bundle);
    for block in pem::parse_many(read(file)).unwrap() {
        assert_eq!(
            count_cert(&after, block.contents()),
            1,
            "{}",
            file.display()
        );
    }
}

#[test]
fn bytes_changed_outside_the_signed_part_are_malformed() {
    for name in [
        "r10-outer-oid-tag.der",
        "r10-outer-bitstring-tag.der",
        "r10-outer-null-tag.der",
        "r10-trailing-byte.der",
    ] {
        let v = refused(&attack(name));
        assert_eq!(v["error"]["code"], "malformed", "{name}: {v:#}");
    }
    let v = refused(&attack("r10-outer-null-tag.der"));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outer signatureAlgorithm differs"),
        "{v:#}"
    );
    // The unchanged R10 still passes the strict reading (it is judged, not malformed).
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(real("le-r10.der"), &bundle, &[]);
}

#[test]
fn unconstrained_sub_ca_of_a_name_constrained_ca_is_refused() {
    for name in ["nc-unconstrained-chain.pem", "nc-wide-chain.pem"] {
        let v = refused(&attack(name));
        assert_eq!(codes(&v, "reasons", 0), Vec::<String>::new(), "{v:#}");
        assert_eq!(codes(&v, "reasons", 1), vec!["name-constraints"], "{v:#}");
        let msg = v["bundles"][0]["certificates"][1]["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(msg.contains("Python 3.13"), "{msg}");
    }
    accepted(&attack("nc-narrow-chain.pem"));
}

#[test]
fn sub_ca_under_a_pathlen_zero_ca_is_refused_in_one_file_and_from_the_bundle() {
    let v = refused(&attack("pathlen0-chain.pem"));
    assert_eq!(codes(&v, "reasons", 1), vec!["path-length"], "{v:#}");
    accepted(&attack("pathlen0-ca.pem"));

    // The pathLen-0 issuer already in the bundle (this used to be only a warning).
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-pathlen0.pem"), &bundle, &[]);
    let before = read(&bundle);
    let out = sb.add(gen("sub-under-pathlen0.pem"), &bundle, &["--json"]);
    assert_exit(&out, 1, "add a CA under a pathlen:0 issuer");
    assert_eq!(codes(&json(&out), "reasons", 0), vec!["path-length"]);
    assert_file_is(&bundle, &before, "refused: unchanged");
}

#[test]
fn weak_ec_and_dsa_keys_are_refused_strong_ones_accepted() {
    for name in ["p192-ca.pem", "p224-ca.pem", "dsa-ca.pem"] {
        let v = refused(&attack(name));
        assert_eq!(codes(&v, "reasons", 0), vec!["weak-key"], "{name}: {v:#}");
    }
    for name in ["p521-ca.pem", "ed25519-ca.pem"] {
        accepted(&attack(name));
    }
}

#[test]
fn a_multi_valued_rdn_is_not_the_same_name_as_separate_rdns() {
    // The child names its issuer O=…, CN=… (two RDNs); the CA is {O, CN} in one RDN.
    let v = refused(&attack("mrdn-chain.pem"));
    assert_eq!(codes(&v, "reasons", 0), Vec::<String>::new(), "{v:#}");
    assert_eq!(codes(&v, "reasons", 1), vec!["issuer-missing"], "{v:#}");
    accepted(&attack("mrdn-ok-chain.pem"));
}

/// Every certificate's reason codes in a `check --json` document.
fn all_reason_codes(v: &Value) -> Vec<Vec<String>> {
    let n = v["bundles"][0]["certificates"].as_array().unwrap().len();
    (0..n).map(|i| codes(v, "reasons", i)).collect()
}

#[test]
fn many_same_named_certificates_with_one_key_are_judged_with_few_signature_checks() {
    // 100 self-issued certificates sharing one key: each is checked against that key once,
    // so all are judged (the old code checked every pair: ~10,000 verifications).
    let sb = Sandbox::new();
    let bundle = attack_bundle(&sb);
    let out = sb
        .cmd()
        .args(["check", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(attack("same-name-100.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "check same-name-100");
    let all = all_reason_codes(&json(&out));
    assert_eq!(all.len(), 100);
    for codes in &all {
        assert_eq!(codes, &vec!["issuer-missing".to_string()], "{all:?}");
    }
}

#[test]
fn many_same_named_certificates_with_distinct_keys_stop_at_the_signature_budget() {
    // 60 same-named certificates with 60 keys: 3,600 pairs, more than the budget of 2,000
    // verifications; the certificates left unjudged are refused with `too-many-signatures`.
    let sb = Sandbox::new();
    let bundle = attack_bundle(&sb);
    let before = read(&bundle);
    let out = sb.add(
        attack("same-name-distinct-keys-60.pem"),
        &bundle,
        &["--json"],
    );
    assert_exit(&out, 1, "add same-name-distinct-keys-60");
    assert_file_is(&bundle, &before, "refused: unchanged");
    let all = all_reason_codes(&json(&out));
    assert_eq!(all.len(), 60);
    let capped = all
        .iter()
        .filter(|c| c.contains(&"too-many-signatures".to_string()))
        .count();
    // 2,000 checks: 60 self-signature checks, then 59 per certificate: 32 judged in full.
    assert!(capped > 0 && capped < 60, "{all:?}");
    for codes in &all {
        assert_eq!(codes.len(), 1, "{all:?}");
        assert!(
            codes[0] == "too-many-signatures" || codes[0] == "issuer-missing",
            "{all:?}"
        );
    }
}
