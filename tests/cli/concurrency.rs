//! Several certpatch processes patching one bundle at once never lose each other's patches.

use std::process::{Output, Stdio};

use crate::common::*;

const EIGHT: [&str; 8] = [
    "int-01.pem",
    "int-02.pem",
    "int-03.pem",
    "int-04.pem",
    "int-05.pem",
    "int-06.pem",
    "int-07.pem",
    "int-08.pem",
];

fn spawn_adds(sb: &Sandbox, bundle: &std::path::Path, files: &[std::path::PathBuf]) -> Vec<Output> {
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            sb.std_cmd()
                .arg("add")
                .arg(f)
                .args(["--at", TEST_CLOCK, "--bundle"])
                .arg(bundle)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn eight_processes_adding_eight_intermediates_at_once_keep_all_eight() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    let files: Vec<_> = EIGHT.iter().map(|n| gen(n)).collect();

    for (out, name) in spawn_adds(&sb, &bundle, &files).iter().zip(EIGHT) {
        assert_exit(out, 0, &format!("concurrent add {name}"));
    }

    let after = read(&bundle);
    assert!(
        after.starts_with(&original),
        "the original bytes stay the prefix"
    );
    for f in &files {
        assert_eq!(
            count_cert(&after, &der(f)),
            1,
            "{} present exactly once",
            f.display()
        );
    }
    assert_eq!(patch_count(&after), 8, "eight patch blocks");
    let mut listed = sb.listed_patches(&bundle);
    listed.sort();
    let mut want: Vec<String> = files.iter().map(|f| fp(f)).collect();
    want.sort();
    assert_eq!(listed, want, "list shows the eight patches");
    // The ledger, updated under its own lock, lost none of the eight records.
    let ledger = std::fs::read_to_string(sb.home().join("ledger.toml")).unwrap();
    for sha in &want {
        assert_eq!(
            ledger.matches(sha.as_str()).count(),
            1,
            "{sha} in the ledger once:\n{ledger}"
        );
    }
    assert_eq!(
        sb.bundle_dir_entries(),
        vec!["cacert.pem"],
        "nothing beside the bundle"
    );

    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all");
    assert_file_is(
        &bundle,
        &original,
        "remove --all gives back the original bytes",
    );
}

#[test]
fn concurrent_adds_of_the_same_certificate_add_it_once() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    let files = vec![gen("int-good.pem"); 6];
    for out in spawn_adds(&sb, &bundle, &files) {
        assert_exit(&out, 0, "concurrent add of the same certificate");
    }
    let after = read(&bundle);
    assert_eq!(
        count_cert(&after, &der(&gen("int-good.pem"))),
        1,
        "added once"
    );
    assert_eq!(patch_count(&after), 1);
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    assert_file_is(&bundle, &original, "original bytes");
}

#[test]
fn concurrent_add_and_remove_do_not_lose_updates() {
    // Four patches present; four processes remove them while four others add new ones.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    for n in &EIGHT[..4] {
        sb.add_ok(gen(n), &bundle, &[]);
    }
    let mut children = Vec::new();
    for (old, new) in EIGHT[..4].iter().zip(&EIGHT[4..]) {
        children.push(
            sb.std_cmd()
                .arg("remove")
                .arg(fp(&gen(old)))
                .arg("--bundle")
                .arg(&bundle)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        children.push(
            sb.std_cmd()
                .arg("add")
                .arg(gen(new))
                .args(["--at", TEST_CLOCK, "--bundle"])
                .arg(&bundle)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    for c in children {
        assert_exit(&c.wait_with_output().unwrap(), 0, "concurrent add/remove");
    }
    let after = read(&bundle);
    for n in &EIGHT[..4] {
        assert_eq!(count_cert(&after, &der(&gen(n))), 0, "{n} removed");
    }
    for n in &EIGHT[4..] {
        assert_eq!(count_cert(&after, &der(&gen(n))), 1, "{n} added once");
    }
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    assert_file_is(&bundle, &original, "original bytes");
}
