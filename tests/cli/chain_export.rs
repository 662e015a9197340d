//! Chain exports given to `add`/`check` (issue 9, item 7): a browser's "PEM (chain)" or a
//! server's fullchain holds the leaf, its intermediate(s) and maybe the root. The CA
//! certificates the bundle lacks are added, the leaf is skipped with a note, a root the
//! bundle already has is skipped as present; a file holding only a leaf is still refused.

use crate::common::*;

fn concat(files: &[&str]) -> Vec<u8> {
    files.iter().flat_map(|f| read(gen(f))).collect()
}

#[test]
fn a_browser_chain_export_adds_only_the_missing_intermediate() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let export = sb.file(
        "chain.pem",
        &concat(&["leaf.pem", "int-good.pem", "test-root.pem"]),
    );
    let check = sb
        .cmd()
        .args(["check"])
        .arg(&export)
        .arg("--bundle")
        .arg(&bundle)
        .args(["--at", TEST_CLOCK, "--json"])
        .run_output()
        .unwrap();
    assert_exit(&check, 0, "check of a chain export");
    let v = json(&check);
    let decisions: Vec<&str> = v["bundles"][0]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["skipped-leaf", "add", "already-present"]);

    let out = sb.add_ok(&export, &bundle, &[]);
    let text = stdout(&out);
    assert!(text.contains("server's own certificate"), "{text}");
    let after = read(&bundle);
    assert_eq!(count_cert(&after, &der(&gen("int-good.pem"))), 1);
    assert_eq!(
        count_cert(&after, &der(&gen("leaf.pem"))),
        0,
        "the leaf is never added"
    );
    assert_eq!(
        count_cert(&after, &der(&gen("test-root.pem"))),
        1,
        "the root the bundle has is not added again"
    );
    assert_eq!(patch_count(&after), 1);
    // And `remove` gives the bundle back byte for byte.
    let rm = sb.remove(&bundle, &[&fp(&gen("int-good.pem"))]);
    assert_exit(&rm, 0, "remove");
    assert_file_is(&bundle, &test_bundle_bytes(), "removed");
}

#[test]
fn a_server_fullchain_adds_its_intermediate() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add_ok(gen("leaf-fullchain.pem"), &bundle, &[]);
    assert!(stdout(&out).contains("skipped"), "{}", stdout(&out));
    let after = read(&bundle);
    assert_eq!(count_cert(&after, &der(&gen("int-good.pem"))), 1);
    assert_eq!(count_cert(&after, &der(&gen("leaf.pem"))), 0);
}

#[test]
fn a_file_holding_only_a_leaf_is_still_refused_with_add_its_issuer_instead() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add(gen("leaf.pem"), &bundle, &[]);
    assert_exit(&out, 1, "a lone leaf");
    assert!(
        stderr(&out).contains("add its issuer instead"),
        "{}",
        stderr(&out)
    );
    assert_file_is(&bundle, &test_bundle_bytes(), "refused: unchanged");
}

#[test]
fn a_leaf_beside_a_ca_that_did_not_issue_it_is_refused_as_before() {
    // int-01 did not sign leaf.pem: this is no chain export, and the leaf is no CA.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let file = sb.file("mixed.pem", &concat(&["leaf.pem", "int-01.pem"]));
    let out = sb.add(&file, &bundle, &[]);
    assert_exit(&out, 1, "leaf + unrelated CA");
    assert!(stderr(&out).contains("not a CA"), "{}", stderr(&out));
    assert_file_is(&bundle, &test_bundle_bytes(), "refused: unchanged");
}
