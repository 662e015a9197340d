//! Offline knowledge: chain completion through the embedded CCADB index
//! (`--with-issuers`), the removed-root explanation, and `certpatch index`.

use std::path::PathBuf;

use crate::common::*;

fn ccadb(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ccadb")
        .join(name)
}

/// Cloudflare TLS Issuing RSA CA 3, issued by SSL.com TLS Transit RSA CA R2 (in the
/// index, not in certifi), issued by SSL.com TLS RSA Root CA 2022 (in certifi).
const CLOUDFLARE: &str = "cloudflare-tls-issuing-rsa-ca-3.pem";
const TRANSIT_SHA: &str = "ffe930442dfeb69c";
/// TrustAsia OV TLS Pro CA G3, issued by DigiCert Global Root CA (removed from certifi).
const TRUSTASIA: &str = "trustasia-ov-tls-pro-ca-g3.pem";

#[test]
fn add_offers_the_issuer_the_index_knows_and_writes_nothing() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let before = read(&bundle);
    let out = sb.add(ccadb(CLOUDFLARE), &bundle, &[]);
    assert_exit(&out, 1, "add without --with-issuers");
    let err = stderr(&out);
    assert!(
        err.contains("certpatch knows the issuer: `SSL.com TLS Transit RSA CA R2`")
            && err.contains("add it too with `--with-issuers`"),
        "{err}"
    );
    assert_file_is(&bundle, &before, "refused: unchanged");
}

#[test]
fn add_with_issuers_adds_the_missing_intermediate_too_and_remove_undoes_it_exactly() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let before = read(&bundle);
    let cert_sha = sha256(&der(&ccadb(CLOUDFLARE)));
    for order in [
        vec!["all-at-once"],
        vec!["leaf-side-first"],
        vec!["root-side-first"],
    ] {
        sb.add_ok(ccadb(CLOUDFLARE), &bundle, &["--with-issuers"]);
        let patched = read(&bundle);
        assert!(patched.starts_with(&before));
        assert_eq!(patch_count(&patched), 2, "the issuer and the certificate");
        let listed = sb.listed_patches(&bundle);
        assert_eq!(listed.len(), 2);
        assert!(
            listed[0].starts_with(TRANSIT_SHA),
            "issuer first: {listed:?}"
        );
        assert_eq!(listed[1], cert_sha);
        let text = String::from_utf8_lossy(&patched[before.len()..]).to_string();
        assert!(
            text.contains("from issuer of Cloudflare TLS Issuing RSA CA 3 (certpatch offline index 2025-06-24) for cloudflare-tls-issuing-rsa-ca-3.pem"),
            "{text}"
        );
        match order[0] {
            "all-at-once" => assert_exit(
                &sb.remove(&bundle, &[TRANSIT_SHA, &cert_sha]),
                0,
                "remove both",
            ),
            "leaf-side-first" => {
                assert_exit(
                    &sb.remove(&bundle, &[&cert_sha]),
                    0,
                    "remove the certificate",
                );
                assert_exit(&sb.remove(&bundle, &[TRANSIT_SHA]), 0, "remove the issuer");
            }
            _ => {
                assert_exit(&sb.remove(&bundle, &[TRANSIT_SHA]), 0, "remove the issuer");
                assert_exit(
                    &sb.remove(&bundle, &[&cert_sha]),
                    0,
                    "remove the certificate",
                );
            }
        }
        assert_file_is(
            &bundle,
            &before,
            "add --with-issuers then remove is byte-exact",
        );
    }
}

#[test]
fn check_with_issuers_says_add_would_accept_the_completed_chain() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let run = |extra: &[&str]| {
        sb.cmd()
            .arg("check")
            .arg(ccadb(CLOUDFLARE))
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK, "--json"])
            .args(extra)
            .run_output()
            .unwrap()
    };
    let out = run(&[]);
    assert_exit(&out, 1, "check without --with-issuers");
    let doc = json(&out);
    assert_eq!(
        doc["bundles"][0]["offline"]["issuers"][0]["sha256"]
            .as_str()
            .unwrap()[..16],
        *TRANSIT_SHA
    );
    let out = run(&["--with-issuers"]);
    assert_exit(&out, 0, "check --with-issuers");
    let doc = json(&out);
    assert_eq!(doc["bundles"][0]["status"], "acceptable");
    assert_eq!(
        doc["bundles"][0]["certificates"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn a_chain_to_a_root_certifi_removed_is_explained_without_dead_end_advice() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let before = read(&bundle);
    for extra in [&[][..], &["--with-issuers"][..]] {
        let out = sb.add(ccadb(TRUSTASIA), &bundle, extra);
        assert_exit(&out, 1, "add of an intermediate under a removed root");
        let err = stderr(&out);
        assert!(
            err.contains("DigiCert Global Root CA was removed from certifi in 2026.4.22; adding its intermediate cannot work with this bundle"),
            "{err}"
        );
        assert!(
            err.contains("serve a chain to a root certifi still has"),
            "{err}"
        );
        assert!(
            err.contains("last resort") && err.contains("certifi==2026.2.25"),
            "{err}"
        );
        assert!(err.contains("VERIFY_X509_PARTIAL_CHAIN"), "{err}");
        for dead_end in ["add that issuer first", "--with-issuers`", "--allow-root"] {
            assert!(
                !err.contains(dead_end),
                "dead-end advice `{dead_end}`: {err}"
            );
        }
        assert_file_is(&bundle, &before, "refused: unchanged");
    }
    let out = sb.add(ccadb(TRUSTASIA), &bundle, &["--json"]);
    let doc = json(&out);
    let b = &doc["bundles"][0];
    assert_eq!(b["certificates"][0]["reasons"][0]["code"], "root-removed");
    let removed = &b["offline"]["removed_roots"][0];
    assert_eq!(removed["last_certifi_with_it"], "2026.2.25");
    assert_eq!(removed["removed_in_certifi"], "2026.4.22");
    // The one spelling of a removed root (docs/json.md), beside the old key.
    assert_eq!(removed["certifi_last"], "2026.2.25");
    assert_eq!(removed["name"], removed["root"]);
    assert!(removed["reason"].as_str().unwrap().contains("2026.4.22"));
    assert_eq!(
        removed["sha256"],
        "4348a0e9444c78cb265e058d5e8944b4d84f9662bd26db257f8934a443c70161"
    );
}

#[test]
fn index_refresh_refuses_bad_rows_one_by_one_with_counts_and_keeps_the_rest() {
    let sb = Sandbox::new();
    let run = |args: &[&str]| sb.cmd().arg("index").args(args).run_output().unwrap();
    let out = run(&[
        "refresh",
        ccadb("intermediates-sample.csv").to_str().unwrap(),
    ]);
    assert_exit(&out, 0, "index refresh");
    let err = stderr(&out);
    for (line, why) in [
        ("line 31", "malformed: bad PEM"),
        (
            "line 34",
            "not a CA intermediate: basicConstraints CA:FALSE",
        ),
        ("line 55", "not chaining anywhere"),
        ("line 76", "malformed: unreadable CSV row"),
    ] {
        assert!(
            err.contains(&format!("refused {line}: {why}")),
            "{line}: {err}"
        );
    }
    assert!(
        stdout(&out).contains(
            "6 row(s) read: 2 kept, 4 refused (duplicate 0, malformed 2, not-ca 1, not-chaining 1)"
        ),
        "{}",
        stdout(&out)
    );
    assert!(sb.home().join("index/intermediates.bin").is_file());
    // The refreshed index is the one in use: 2 certificates, found by name.
    let doc = json(&run(&["--json"]));
    assert_eq!(doc["index"]["origin"], "refreshed");
    assert_eq!(doc["index"]["certificates"], 2);
    let doc = json(&run(&["lookup", "cn=r10", "--json"]));
    assert_eq!(doc["found"][0]["kind"], "intermediate");
    // A source with no good row is refused and changes nothing.
    let bad = sb.file(
        "bad.csv",
        b"\"Certificate Name\",\"PEM Info\"\n\"x\",\"'-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'\"\n",
    );
    let before = read(sb.home().join("index/intermediates.bin"));
    let out = run(&["refresh", bad.to_str().unwrap(), "--json"]);
    assert_exit(&out, 1, "refresh with no good row");
    assert_eq!(json(&out)["counts"]["malformed"], 1);
    assert_file_is(
        &sb.home().join("index/intermediates.bin"),
        &before,
        "unchanged",
    );
    // Reset: back to the embedded snapshot.
    assert_exit(&run(&["reset"]), 0, "index reset");
    let doc = json(&run(&["--json"]));
    assert_eq!(doc["index"]["origin"], "embedded");
    assert_eq!(doc["index"]["certificates"], 1633);
    assert_eq!(doc["index"]["date"], "2025-06-24");
}

#[test]
fn index_lookup_finds_a_removed_root_with_its_certifi_history() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["index", "lookup", "4348A0E9:444C78CB", "--json"])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "lookup by fingerprint prefix");
    let doc = json(&out);
    let f = &doc["found"][0];
    assert_eq!(f["kind"], "certifi-root");
    assert_eq!(f["removed_in_certifi"], "2026.4.22");
    let out = sb
        .cmd()
        .args(["index", "lookup", "no such certificate anywhere"])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "lookup without a match");
}

#[test]
fn diagnose_explains_a_chain_issued_by_a_root_certifi_removed() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let before = read(&bundle);
    let run = |file: &str, extra: &[&str]| {
        sb.cmd()
            .arg("diagnose")
            .arg("--chain")
            .arg(ccadb(file))
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK])
            .args(extra)
            .run_output()
            .unwrap()
    };
    // The intermediate alone, judged as the chain's first certificate.
    let out = run(TRUSTASIA, &[]);
    assert_exit(&out, 1, "diagnose of a chain under a removed root");
    let text = stdout(&out);
    assert!(
        text.contains("removed root: DigiCert Global Root CA was removed from certifi in 2026.4.22; adding its intermediate cannot work with this bundle"),
        "{text}"
    );
    assert!(
        text.contains("serve a chain to a root certifi still has")
            && text.contains("last resort")
            && text.contains("certifi==2026.2.25")
            && text.contains("VERIFY_X509_PARTIAL_CHAIN"),
        "{text}"
    );
    for dead_end in [
        "run `certpatch fix`",
        "--allow-root",
        "add that issuer first",
    ] {
        assert!(
            !text.contains(dead_end),
            "dead-end advice `{dead_end}`: {text}"
        );
    }
    let out = run(TRUSTASIA, &["--json"]);
    assert_exit(&out, 1, "diagnose --json");
    let doc = json(&out);
    let cause = &doc["bundles"][0]["causes"][0];
    assert_eq!(cause["cause"], "missing-issuer");
    let removed = &cause["removed_root"];
    assert_eq!(
        removed["sha256"],
        "4348a0e9444c78cb265e058d5e8944b4d84f9662bd26db257f8934a443c70161"
    );
    assert_eq!(removed["last_version"], "2026.2.25");
    assert_eq!(removed["removed_in"], "2026.4.22");
    assert_eq!(removed["certifi_last"], "2026.2.25");
    assert_eq!(removed["removed_in_certifi"], "2026.4.22");
    assert!(
        removed["name"]
            .as_str()
            .unwrap()
            .ends_with("CN=DigiCert Global Root CA"),
        "{removed}"
    );
    assert!(!cause["advice"].as_str().unwrap().contains("certpatch fix"));
    // A missing issuer the index places under a current root is no removed-root case.
    let out = run(CLOUDFLARE, &["--json"]);
    assert_exit(&out, 1, "diagnose of a chain the index completes");
    let doc = json(&out);
    let cause = &doc["bundles"][0]["causes"][0];
    assert_eq!(cause["cause"], "missing-issuer");
    assert!(cause.get("removed_root").is_none(), "{cause}");
    assert_file_is(&bundle, &before, "diagnose writes nothing");
}

#[test]
fn status_says_a_lost_patch_cannot_come_back_because_certifi_removed_its_root() {
    let sb = Sandbox::new();
    // pip 23.2.1's vendored certifi still has DigiCert Global Root CA.
    let bundle = sb.copy_bundle(&real("pip-vendored-cacert.pem"), "cacert.pem");
    sb.add_ok(ccadb(TRUSTASIA), &bundle, &[]);
    let status = |extra: &[&str]| {
        sb.cmd()
            .arg("status")
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK])
            .args(extra)
            .run_output()
            .unwrap()
    };
    let doc = json(&status(&["--json"]));
    let present = &doc["bundles"][0]["present"][0];
    assert_eq!(
        present["subject"],
        "C=CN, O=TrustAsia Technologies, Inc., CN=TrustAsia OV TLS Pro CA G3"
    );
    assert!(present.get("removed_root").is_none(), "{present}");
    // certifi is upgraded to a release without that root: the patch is lost for good.
    std::fs::write(&bundle, read(real(CERTIFI))).unwrap();
    let out = status(&[]);
    let text = stdout(&out);
    assert!(
        text.contains("ROOT REMOVED: `reapply` refuses it (its issuer is no longer in this bundle): DigiCert Global Root CA was removed from certifi in 2026.4.22"),
        "{text}"
    );
    assert!(
        text.contains("serve a chain to a root certifi still has")
            && text.contains("certifi==2026.2.25")
            && text.contains("VERIFY_X509_PARTIAL_CHAIN"),
        "{text}"
    );
    assert!(
        !text.contains("certpatch reapply"),
        "dead-end next step: {text}"
    );
    let doc = json(&status(&["--json"]));
    let lost = &doc["bundles"][0]["lost"][0];
    assert_eq!(lost["removed_root"]["removed_in"], "2026.4.22");
    assert_eq!(lost["removed_root"]["last_version"], "2026.2.25");
    assert_eq!(lost["removed_root"]["certifi_last"], "2026.2.25");
    assert_eq!(lost["removed_root"]["removed_in_certifi"], "2026.4.22");
    assert_eq!(
        lost["removed_root"]["sha256"],
        "4348a0e9444c78cb265e058d5e8944b4d84f9662bd26db257f8934a443c70161"
    );
}

#[test]
fn status_and_diagnose_use_the_refreshed_index_too() {
    // The index is loaded once per run for every command that consults it; `status` and
    // `diagnose` used the built-in snapshot even after `index refresh`. A damaged refresh
    // shows which file a command reads: each one names it.
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    std::fs::create_dir_all(sb.home().join("index")).unwrap();
    std::fs::write(sb.home().join("index/intermediates.bin"), b"not an index").unwrap();
    let status = sb
        .cmd()
        .args(["status", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    let diagnose = sb
        .cmd()
        .arg("diagnose")
        .arg("--chain")
        .arg(ccadb(TRUSTASIA))
        .arg("--bundle")
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    for (what, out) in [("status", &status), ("diagnose", &diagnose)] {
        let err = stderr(out);
        assert_eq!(
            err.matches("cannot use the refreshed index").count(),
            1,
            "{what}: {err}"
        );
    }
    // The snapshot is the fallback: the removed root is still explained.
    assert!(stdout(&diagnose).contains("removed root: DigiCert Global Root CA"));
}

/// `der` with the tag of its outer signatureAlgorithm OID changed from 06 to 83: a
/// change outside the signed part that a lenient reader accepts and OpenSSL refuses.
fn outer_oid_tag_changed(der: &[u8]) -> Vec<u8> {
    // The length of the DER element at `at` (tag, length octets, content).
    let element = |at: usize| -> usize {
        let first = der[at + 1] as usize;
        if first < 0x80 {
            2 + first
        } else {
            let n = first & 0x7f;
            let len = der[at + 2..at + 2 + n]
                .iter()
                .fold(0usize, |l, &b| l << 8 | b as usize);
            2 + n + len
        }
    };
    let header = if der[1] < 0x80 {
        2
    } else {
        2 + (der[1] & 0x7f) as usize
    };
    let sig_alg = header + element(header);
    assert_eq!(der[sig_alg], 0x30, "signatureAlgorithm is a SEQUENCE");
    let oid = sig_alg + 2;
    assert_eq!(der[oid], 0x06, "its first element is the OID");
    let mut out = der.to_vec();
    out[oid] = 0x83;
    out
}

/// A CCADB CSV report holding `der` as its one row.
fn one_row_csv(der: &[u8]) -> Vec<u8> {
    let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
    format!(
        "\"Certificate Name\",\"SHA-256 Fingerprint\",\"PEM Info\"\n\"x\",\"{}\",\"'{}'\"\n",
        sha256(der).to_uppercase(),
        pem.trim()
    )
    .into_bytes()
}

#[test]
fn index_refresh_refuses_a_row_that_is_not_strict_der_and_add_with_issuers_never_writes_it() {
    let sb = Sandbox::new();
    let transit = der(&ccadb("ssl-com-tls-transit-rsa-ca-r2.pem"));
    let bad = outer_oid_tag_changed(&transit);
    // The good row is kept (the strict reading refuses only the altered one).
    let good_csv = sb.file("good.csv", &one_row_csv(&transit));
    let out = sb
        .cmd()
        .args(["index", "refresh", good_csv.to_str().unwrap()])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "refresh with the real certificate");
    let bad_csv = sb.file("bad.csv", &one_row_csv(&bad));
    let out = sb
        .cmd()
        .args(["index", "refresh", bad_csv.to_str().unwrap(), "--json"])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "refresh with only the altered certificate");
    let doc = json(&out);
    assert_eq!(doc["counts"]["malformed"], 1, "{doc:#}");
    // Nothing altered reaches a bundle, whatever index is in use.
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let _ = sb.add(ccadb(CLOUDFLARE), &bundle, &["--with-issuers"]);
    assert_eq!(count_cert(&read(&bundle), &bad), 0, "the altered issuer");
    // At load: a refreshed index that holds it (an older certpatch kept it) is read
    // through the same intake, so the entry is never offered nor added.
    use certpatch::pki::index::Index;
    use certpatch::x509::cert::Cert;
    let lenient = Cert::from_der(&bad).expect("a lenient reader takes it");
    let saved = sb.home().join("index/intermediates.bin");
    std::fs::write(
        &saved,
        Index::encode(&[lenient], "2026-05-01", "older certpatch"),
    )
    .unwrap();
    let bundle = sb.copy_bundle(&real(CERTIFI), "fresh.pem");
    let before = read(&bundle);
    let out = sb
        .cmd()
        .arg("add")
        .arg(ccadb(CLOUDFLARE))
        .arg("--bundle")
        .arg(&bundle)
        .args(["--at", TEST_CLOCK, "--with-issuers"])
        // The AIA fetch that follows fails at once (a closed local proxy).
        .env("HTTP_PROXY", "http://127.0.0.1:1")
        .run_output()
        .unwrap();
    assert_exit(
        &out,
        1,
        "add --with-issuers with the altered entry in the index",
    );
    assert_file_is(&bundle, &before, "nothing written");
}
