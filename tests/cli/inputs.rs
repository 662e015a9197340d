//! Every accepted input form: PEM (one or several certificates, LF, CRLF, BOM, surrounded
//! by text), DER, PKCS#7 (DER and PEM), standard input, and chains completed by another
//! certificate of the same input.

use std::path::Path;

use crate::common::*;

/// Adds `file` to a fresh test bundle and checks that exactly the certificates of
/// `expected` (clean PEM fixtures) were appended, once each, after the original bytes.
fn assert_input_adds(file: &Path, expected: &[&Path]) {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    sb.add_ok(file, &bundle, &[]);
    let after = read(&bundle);
    assert!(
        after.starts_with(&before),
        "add must append: the original bytes stay the prefix"
    );
    assert_eq!(
        patch_count(&after),
        expected.len(),
        "one patch per certificate"
    );
    let mut want: Vec<String> = Vec::new();
    for e in expected {
        let d = der(e);
        assert_eq!(
            count_cert(&after, &d),
            1,
            "{} present exactly once",
            e.display()
        );
        want.push(sha256(&d));
    }
    let mut listed = sb.listed_patches(&bundle);
    listed.sort();
    want.sort();
    assert_eq!(listed, want, "list shows exactly the added certificates");
}

#[test]
fn pem_single_certificate_is_added() {
    assert_input_adds(&gen("int-good.pem"), &[&gen("int-good.pem")]);
}

#[test]
fn pem_with_several_certificates_adds_each() {
    assert_input_adds(&gen("multi.pem"), &[&gen("int-01.pem"), &gen("int-02.pem")]);
}

#[test]
fn pem_with_crlf_line_ends_is_added() {
    assert_input_adds(&gen("int-good.crlf.pem"), &[&gen("int-good.pem")]);
}

#[test]
fn pem_with_utf8_bom_is_added() {
    assert_input_adds(&gen("int-good.bom.pem"), &[&gen("int-good.pem")]);
}

#[test]
fn pem_surrounded_by_comment_text_is_added() {
    assert_input_adds(&gen("int-good.commented.pem"), &[&gen("int-good.pem")]);
}

#[test]
fn der_certificate_is_added() {
    assert_input_adds(&gen("int-good.der"), &[&gen("int-good.pem")]);
}

#[test]
fn pkcs7_der_p7c_adds_every_certificate() {
    assert_input_adds(
        &gen("int-good-and-sub.p7c"),
        &[&gen("int-good.pem"), &gen("sub-int.pem")],
    );
}

#[test]
fn pkcs7_pem_p7b_adds_every_certificate() {
    assert_input_adds(
        &gen("int-good-and-sub.p7b.pem"),
        &[&gen("int-good.pem"), &gen("sub-int.pem")],
    );
}

#[test]
fn real_der_and_pkcs7_from_lets_encrypt_are_added() {
    // R10 chains to ISRG Root X1, E5 to ISRG Root X2: both in the real certifi bundle.
    assert_input_adds(&real("le-r10.der"), &[&real("le-r10.pem")]);
    assert_input_adds(
        &real("le-r10-e5.p7c"),
        &[&real("le-r10.pem"), &real("le-e5.pem")],
    );
    assert_input_adds(
        &real("le-r10-e5.p7b.pem"),
        &[&real("le-r10.pem"), &real("le-e5.pem")],
    );
}

#[test]
fn stdin_dash_is_read() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb
        .cmd()
        .args(["add", "-", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .write_stdin(read(gen("int-good.pem")))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "add - (stdin)");
    assert_eq!(count_cert(&read(&bundle), &der(&gen("int-good.pem"))), 1);
}

#[test]
fn stdin_dash_reads_der_too() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb
        .cmd()
        .args(["check", "-", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .write_stdin(read(gen("int-good.der")))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "check - (DER on stdin)");
    assert_file_is(&bundle, &before, "check writes nothing");
}

#[test]
fn the_bundle_gets_reencoded_pem_never_the_users_bytes() {
    // CRLF input into an LF bundle, and input with surrounding text: the bundle gets clean
    // LF PEM and none of the user's text.
    for input in [
        "int-good.crlf.pem",
        "int-good.commented.pem",
        "int-good.bom.pem",
    ] {
        let sb = Sandbox::new();
        let bundle = sb.test_bundle();
        sb.add_ok(gen(input), &bundle, &[]);
        let after = read(&bundle);
        assert!(!after.contains(&b'\r'), "{input}: no CR in an LF bundle");
        assert!(
            !after.starts_with(b"\xEF\xBB\xBF") && !after.windows(3).any(|w| w == b"\xEF\xBB\xBF"),
            "{input}: no BOM copied"
        );
        let text = String::from_utf8_lossy(&after);
        for foreign in [
            "vendor's support page",
            "end of paste",
            "Certificate:",
            "Signature Value",
        ] {
            assert!(
                !text.contains(foreign),
                "{input}: `{foreign}` copied into the bundle"
            );
        }
        let expected_pem = pem::encode_config(
            &pem::Pem::new("CERTIFICATE", der(&gen("int-good.pem"))),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        assert!(
            text.contains(&expected_pem),
            "{input}: the patch holds the PEM re-encoded from the DER (64-column lines)"
        );
    }
}

#[test]
fn chain_through_another_certificate_in_file_is_accepted() {
    // sub-int is signed by int-good, which is not in the bundle but is in the same file.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb
        .cmd()
        .args(["check", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(gen("chain-sub-and-int.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "check chain-sub-and-int");
    assert_input_adds(
        &gen("chain-sub-and-int.pem"),
        &[&gen("sub-int.pem"), &gen("int-good.pem")],
    );
}

#[test]
fn sub_intermediate_alone_is_refused_naming_its_issuer() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.add(gen("sub-int.pem"), &bundle, &[]);
    assert_exit(&out, 1, "add sub-int without its issuer");
    assert!(
        stderr(&out).contains("certpatch Test Intermediate A"),
        "stderr names the missing issuer: {}",
        stderr(&out)
    );
    assert_file_is(&bundle, &before, "refused: bundle unchanged");
}

#[test]
fn sub_intermediate_is_accepted_once_its_issuer_was_added() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    sb.add_ok(gen("sub-int.pem"), &bundle, &[]);
    assert_eq!(sb.listed_patches(&bundle).len(), 2);
}

#[test]
fn real_chain_root_yr_cross_signed_by_x1_lets_yr1_in() {
    // YR1's issuer, Root YR, is in no bundle; its cross-signature by ISRG Root X1 (in the
    // same file) makes YR1 chain.
    let sb = Sandbox::new();
    let mut both = read(real("le-root-yr-by-x1.pem"));
    both.extend(read(real("le-int-yr1.pem")));
    let input = sb.file("yr-chain.pem", &both);
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let before = read(&bundle);

    let alone = sb.add(real("le-int-yr1.pem"), &bundle, &[]);
    assert_exit(&alone, 1, "YR1 alone");
    assert!(
        stderr(&alone).contains("Root YR"),
        "names Root YR: {}",
        stderr(&alone)
    );
    assert_file_is(&bundle, &before, "refused: bundle unchanged");

    let out = sb
        .cmd()
        .args(["check", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(&input)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "check Root YR + YR1");

    sb.add_ok(&input, &bundle, &[]);
    let after = read(&bundle);
    assert_eq!(count_cert(&after, &der(&real("le-int-yr1.pem"))), 1);
    assert_eq!(count_cert(&after, &der(&real("le-root-yr-by-x1.pem"))), 1);
}

#[test]
fn check_accepts_without_writing_anything() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb
        .cmd()
        .args(["check", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(gen("int-good.pem"))
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "check int-good");
    assert_file_is(&bundle, &before, "check writes nothing");
    assert!(!sb.backups_exist(), "check takes no backup");
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);
}

#[test]
fn allow_root_adds_a_self_signed_root() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let refused = sb.add(gen("self-signed-root.pem"), &bundle, &[]);
    assert_exit(&refused, 1, "self-signed root without --allow-root");
    assert_file_is(&bundle, &before, "refused: bundle unchanged");

    sb.add_ok(gen("self-signed-root.pem"), &bundle, &["--allow-root"]);
    assert_eq!(
        count_cert(&read(&bundle), &der(&gen("self-signed-root.pem"))),
        1
    );
    assert_eq!(
        sb.listed_patches(&bundle),
        vec![fp(&gen("self-signed-root.pem"))]
    );
}

#[test]
fn same_certificate_twice_in_one_input_is_added_once() {
    let sb = Sandbox::new();
    let mut twice = read(gen("int-good.pem"));
    twice.extend(read(gen("int-good.crlf.pem")));
    let f = sb.file("twice.pem", &twice);
    assert_input_adds(&f, &[&gen("int-good.pem")]);
}

#[test]
fn issuer_after_subject_or_before_it_both_chain() {
    // chain-sub-and-int lists the sub-intermediate first; the reverse order works too.
    let sb = Sandbox::new();
    let mut rev = read(gen("int-good.pem"));
    rev.extend(read(gen("sub-int.pem")));
    let f = sb.file("int-then-sub.pem", &rev);
    assert_input_adds(&f, &[&gen("int-good.pem"), &gen("sub-int.pem")]);
}

#[test]
fn issuer_lookup_tries_every_bundle_certificate_with_that_name() {
    // The bundle holds an impostor with test-root's name (and SKI) but another key, before
    // or after the real test-root: int-good must still verify against the real one.
    for impostor_first in [true, false] {
        let mut src = read(real(CERTIFI));
        let (a, b) = if impostor_first {
            (gen("impostor-root.pem"), gen("test-root.pem"))
        } else {
            (gen("test-root.pem"), gen("impostor-root.pem"))
        };
        src.extend(read(a));
        src.extend(read(b));
        let sb = Sandbox::new();
        let bundle = sb.write_bundle("cacert.pem", &src);
        sb.add_ok(gen("int-good.pem"), &bundle, &[]);
        assert_eq!(sb.listed_patches(&bundle), vec![fp(&gen("int-good.pem"))]);
    }
}

#[test]
fn root_given_with_its_intermediate_needs_allow_root() {
    let sb = Sandbox::new();
    let mut both = read(gen("int-unknown-issuer.pem"));
    both.extend(read(gen("other-root.pem")));
    let input = sb.file("int-and-its-root.pem", &both);
    let bundle = sb.test_bundle();
    let before = read(&bundle);

    let out = sb.add(&input, &bundle, &["--json"]);
    assert_exit(&out, 1, "a new root without --allow-root");
    let v = json(&out);
    assert!(
        cert_entry(&v, &fp(&gen("other-root.pem")))["reasons"]
            .to_string()
            .contains("self-signed-root"),
        "{v:#}"
    );
    assert_file_is(&bundle, &before, "refused: unchanged");

    sb.add_ok(&input, &bundle, &["--allow-root"]);
    let mut listed = sb.listed_patches(&bundle);
    listed.sort();
    let mut want = vec![
        fp(&gen("int-unknown-issuer.pem")),
        fp(&gen("other-root.pem")),
    ];
    want.sort();
    assert_eq!(listed, want);
}

#[test]
fn key_label_without_closing_dashes_is_refused_without_echoing_the_key() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let body = "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu";
    let input = sb.file(
        "key.pem",
        format!("-----BEGIN RSA PRIVATE KEY\n{body}\n-----END RSA PRIVATE KEY-----\n").as_bytes(),
    );
    for json_flag in [false, true] {
        let mut extra = vec![];
        if json_flag {
            extra.push("--json");
        }
        let out = sb.add(&input, &bundle, &extra);
        assert_exit(&out, 1, "add a key without closing dashes");
        let all = stdout(&out) + &stderr(&out);
        assert!(all.contains("private key"), "{all}");
        assert!(!all.contains(body), "key material echoed:\n{all}");
        if json_flag {
            assert_eq!(json(&out)["error"]["code"], "private-key");
        }
    }
    assert_file_is(&bundle, &test_bundle_bytes(), "bundle unchanged");
}

#[test]
fn der_keys_of_every_structure_are_refused_and_named() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let key_der = |file: &str, label: &str| {
        pem::parse_many(read(gen(file)))
            .unwrap()
            .into_iter()
            .find(|p| p.tag() == label)
            .unwrap()
            .into_contents()
    };
    for (file, label, kind) in [
        ("int-good.key", "PRIVATE KEY", "PKCS#8 PrivateKeyInfo"),
        ("key-first.pem", "RSA PRIVATE KEY", "PKCS#1 RSAPrivateKey"),
        ("ec-key.pem", "EC PRIVATE KEY", "SEC1 ECPrivateKey"),
        (
            "encrypted-key.pem",
            "ENCRYPTED PRIVATE KEY",
            "PKCS#8 EncryptedPrivateKeyInfo",
        ),
    ] {
        let der = key_der(file, label);
        let input = sb.file("key.der", &der);
        let out = sb.add(&input, &bundle, &["--json"]);
        assert_exit(&out, 1, kind);
        let v = json(&out);
        assert_eq!(v["error"]["code"], "private-key", "{kind}: {v:#}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(kind),
            "{kind}: {v:#}"
        );
        assert!(
            !stdout(&out).contains(&hex(&der[..16])),
            "{kind}: key bytes echoed"
        );
    }
    assert_file_is(&bundle, &test_bundle_bytes(), "bundle unchanged");
}

/// A PKCS#12 archive (`.p12`/`.pfx`, what browsers and Windows export with "include the
/// private key") was called a damaged certificate ("not strict DER as OpenSSL requires
/// …"), which sent the user looking for a fault that is not there. It is refused as what
/// it is — a container of a private key — with the command that takes the certificates
/// out of it, and none of its bytes are echoed.
#[test]
fn a_pkcs12_archive_is_refused_as_a_key_container_with_the_command_to_export_the_certificates() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let p12 = read(gen("int-good.p12"));
    let input = sb.file("export.pfx", &p12);
    for command in ["check", "add"] {
        let out = sb
            .cmd()
            .arg(command)
            .arg(&input)
            .arg("--bundle")
            .arg(&bundle)
            .args(["--at", TEST_CLOCK, "--json"])
            .run_output()
            .unwrap();
        assert_exit(&out, 1, command);
        let v = json(&out);
        assert_eq!(v["error"]["code"], "private-key", "{command}: {v:#}");
        let err = stderr(&out);
        assert!(err.contains("PKCS#12"), "{command}: {err}");
        assert!(err.contains("openssl pkcs12"), "{command}: {err}");
        assert!(!err.contains("strict DER"), "{command}: {err}");
        assert!(
            !stdout(&out).contains(&hex(&p12[..16])),
            "{command}: archive bytes echoed"
        );
    }
    assert_file_is(&bundle, &test_bundle_bytes(), "bundle unchanged");
}
