//! Undo: `add` then `remove` gives back the bundle byte for byte (real bundles, CRLF, no
//! final newline, empty, foreign text), in any removal order; selectors; `restore`.

use std::path::Path;

use crate::common::*;

/// Copies `bundle_src` into a sandbox, adds `cert` (with `extra` args), checks it was
/// appended once, removes it again with `selector(sha)` and checks the bytes are back.
fn assert_add_remove_exact(
    bundle_src: &[u8],
    cert: &Path,
    extra: &[&str],
    selector: impl Fn(&str) -> Vec<String>,
) {
    let sb = Sandbox::new();
    let bundle = sb.write_bundle("cacert.pem", bundle_src);
    let d = der(cert);
    let sha = sha256(&d);

    sb.add_ok(cert, &bundle, extra);
    let patched = read(&bundle);
    assert_ne!(patched, bundle_src, "add changed the bundle");
    assert_eq!(count_cert(&patched, &d), 1, "certificate present once");
    assert_eq!(patch_count(&patched), 1, "one patch block");
    assert!(
        patched.starts_with(bundle_src),
        "add appends: the original stays the prefix"
    );
    assert_ascii(&patched[bundle_src.len()..], "the appended patch");
    assert_eq!(sb.listed_patches(&bundle), vec![sha.clone()]);

    let sel = selector(&sha);
    let sel: Vec<&str> = sel.iter().map(String::as_str).collect();
    let out = sb.remove(&bundle, &sel);
    assert_exit(&out, 0, &format!("remove {sel:?}"));
    assert_file_is(&bundle, bundle_src, "add then remove is byte-exact");
    assert!(sb.listed_patches(&bundle).is_empty(), "no patches left");
    assert_eq!(
        sb.bundle_dir_entries(),
        vec!["cacert.pem"],
        "nothing beside the bundle"
    );
}

fn full(sha: &str) -> Vec<String> {
    vec![sha.to_string()]
}

fn all(_: &str) -> Vec<String> {
    vec!["--all".to_string()]
}

#[test]
fn undo_is_byte_exact_on_real_certifi_bundle() {
    assert_add_remove_exact(&read(real(CERTIFI)), &real("le-r10.pem"), &[], full);
    assert_add_remove_exact(&read(real(CERTIFI)), &real("le-r10.pem"), &[], all);
}

#[test]
fn undo_is_byte_exact_on_real_pip_vendored_bundle() {
    assert_add_remove_exact(&read(real(PIP_VENDORED)), &real("le-r10.pem"), &[], full);
    assert_add_remove_exact(&read(real(PIP_VENDORED)), &real("le-r10.pem"), &[], all);
}

#[test]
fn undo_is_byte_exact_on_crlf_bundle() {
    let src = read(gen("bundle-crlf.pem"));
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], full);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], all);
}

#[test]
fn crlf_bundle_stays_crlf_after_add() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&gen("bundle-crlf.pem"), "cacert.pem");
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let after = read(&bundle);
    let lf = after.iter().filter(|&&b| b == b'\n').count();
    let crlf = after.windows(2).filter(|w| w == b"\r\n").count();
    assert_eq!(lf, crlf, "every line of a CRLF bundle still ends in CRLF");
}

#[test]
fn undo_is_byte_exact_on_bundle_without_final_newline() {
    let src = read(gen("bundle-no-final-newline.pem"));
    assert!(!src.ends_with(b"\n"));
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], full);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], all);
}

#[test]
fn bundle_without_final_newline_keeps_last_certificate_intact() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&gen("bundle-no-final-newline.pem"), "cacert.pem");
    let before = read(&bundle);
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let after = read(&bundle);
    assert!(after.starts_with(&before));
    assert_eq!(cert_count(&after), cert_count(&before) + 1);
    assert!(
        !String::from_utf8_lossy(&after).contains("-----END CERTIFICATE-----#"),
        "the patch starts on its own line"
    );
    // Every certificate of the original is still readable as one.
    for (i, p) in pem::parse_many(&after).unwrap().iter().enumerate() {
        assert_eq!(p.tag(), "CERTIFICATE", "block {i}");
    }
}

#[test]
fn undo_is_byte_exact_on_empty_bundle_with_allow_root() {
    let src = read(gen("bundle-empty.pem"));
    assert!(src.is_empty());
    assert_add_remove_exact(&src, &gen("test-root.pem"), &["--allow-root"], full);
    assert_add_remove_exact(&src, &gen("test-root.pem"), &["--allow-root"], all);
}

#[test]
fn undo_is_byte_exact_on_bundle_with_foreign_text() {
    let src = read(gen("bundle-foreign-text.pem"));
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], full);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], all);
}

#[test]
fn undo_of_a_pkcs7_pair_is_byte_exact() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    sb.add_ok(gen("int-good-and-sub.p7c"), &bundle, &[]);
    assert_eq!(patch_count(&read(&bundle)), 2);
    let out = sb.remove(
        &bundle,
        &[&fp(&gen("int-good.pem")), &fp(&gen("sub-int.pem"))],
    );
    assert_exit(&out, 0, "remove both");
    assert_file_is(&bundle, &before, "both removed: original bytes");
}

#[test]
fn selector_accepts_prefix_colons_and_uppercase() {
    let colons_upper = |sha: &str| {
        let bytes: Vec<String> = (0..sha.len())
            .step_by(2)
            .map(|i| sha[i..i + 2].to_uppercase())
            .collect();
        vec![bytes.join(":")]
    };
    let short_prefix_colons = |sha: &str| {
        vec![format!(
            "{}:{}:{}:{}",
            &sha[0..2],
            &sha[2..4].to_uppercase(),
            &sha[4..6],
            &sha[6..8]
        )]
    };
    assert_add_remove_exact(&read(real(CERTIFI)), &real("le-r10.pem"), &[], |sha| {
        vec![sha[..12].to_string()]
    });
    let src = test_bundle_bytes();
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], colons_upper);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], short_prefix_colons);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], |sha| {
        vec![sha[..8].to_uppercase()]
    });
}

#[test]
fn removal_in_another_order_than_adding_is_byte_exact() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    let names = ["int-01.pem", "int-02.pem", "int-03.pem", "int-04.pem"];
    let mut states = vec![original.clone()];
    for n in names {
        sb.add_ok(gen(n), &bundle, &[]);
        states.push(read(&bundle));
    }
    assert_eq!(patch_count(&read(&bundle)), 4);

    // Remove the second, then the fourth, then the first, then the third.
    let mut present: Vec<&str> = names.to_vec();
    for n in ["int-02.pem", "int-04.pem", "int-01.pem", "int-03.pem"] {
        let out = sb.remove(&bundle, &[&fp(&gen(n))[..16]]);
        assert_exit(&out, 0, &format!("remove {n}"));
        present.retain(|p| *p != n);
        let now = read(&bundle);
        assert_eq!(count_cert(&now, &der(&gen(n))), 0, "{n} is gone");
        for p in &present {
            assert_eq!(count_cert(&now, &der(&gen(p))), 1, "{p} still present once");
        }
        assert_eq!(patch_count(&now), present.len());
        assert!(now.starts_with(&original), "the original stays untouched");
    }
    assert_file_is(&bundle, &original, "every patch removed: original bytes");

    // Re-adding after removal works, and a middle removal equals never having added it.
    sb.add_ok(gen("int-01.pem"), &bundle, &[]);
    let only_01 = read(&bundle);
    sb.add_ok(gen("int-02.pem"), &bundle, &[]);
    let out = sb.remove(&bundle, &[&fp(&gen("int-02.pem"))]);
    assert_exit(&out, 0, "remove int-02");
    assert_file_is(
        &bundle,
        &only_01,
        "removing the last patch gives the previous bytes",
    );
    sb.add_ok(gen("int-02.pem"), &bundle, &[]);
    let out = sb.remove(&bundle, &[&fp(&gen("int-01.pem"))]);
    assert_exit(&out, 0, "remove int-01");
    let after = read(&bundle);
    assert!(after.starts_with(&original));
    assert_eq!(patch_count(&after), 1);
    assert_eq!(count_cert(&after, &der(&gen("int-02.pem"))), 1);
}

#[test]
fn remove_several_selectors_at_once() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    for n in ["int-05.pem", "int-06.pem", "int-07.pem"] {
        sb.add_ok(gen(n), &bundle, &[]);
    }
    let out = sb.remove(
        &bundle,
        &[&fp(&gen("int-07.pem")), &fp(&gen("int-05.pem"))[..10]],
    );
    assert_exit(&out, 0, "remove two");
    assert_eq!(sb.listed_patches(&bundle), vec![fp(&gen("int-06.pem"))]);
    let out = sb.remove(&bundle, &[&fp(&gen("int-06.pem"))]);
    assert_exit(&out, 0, "remove the last");
    assert_file_is(&bundle, &original, "original bytes");
}

#[test]
fn remove_unmatched_selector_is_exit_1_and_unchanged() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let patched = read(&bundle);
    // A hex prefix that matches no patch (flip the first digit of int-good's fingerprint).
    let sha = fp(&gen("int-good.pem"));
    let first = u8::from_str_radix(&sha[..1], 16).unwrap();
    let other = format!("{:x}{}", (first + 1) % 16, &sha[1..12]);
    let out = sb.remove(&bundle, &[&other]);
    assert_exit(&out, 1, "remove unmatched selector");
    assert!(!stderr(&out).trim().is_empty());
    assert_file_is(&bundle, &patched, "unmatched: bundle unchanged");

    // A selector matching a root of the bundle (not a certpatch patch) is unmatched too.
    let x1 = fp(&real("isrg-root-x1.pem"));
    let out = sb.remove(&bundle, &[&x1]);
    assert_exit(&out, 1, "remove a certificate certpatch did not add");
    assert_file_is(&bundle, &patched, "bundle's own roots are never removed");
}

#[test]
fn remove_on_unpatched_bundle_all_is_nothing_to_do() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all with no patches: nothing to do");
    assert_file_is(&bundle, &before, "nothing removed");
}

#[test]
fn remove_ambiguous_prefix_is_refused() {
    // Ten patches: find a one-digit prefix that two of them share.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let names = [
        "int-01.pem",
        "int-02.pem",
        "int-03.pem",
        "int-04.pem",
        "int-05.pem",
        "int-06.pem",
        "int-07.pem",
        "int-08.pem",
        "int-good.pem",
        "int-good-twin.pem",
    ];
    let mut shas = Vec::new();
    for n in names {
        sb.add_ok(gen(n), &bundle, &[]);
        shas.push(fp(&gen(n)));
    }
    let patched = read(&bundle);
    let shared = (0..16u8)
        .map(|d| format!("{d:x}"))
        .find(|p| shas.iter().filter(|s| s.starts_with(p.as_str())).count() >= 2);
    let Some(prefix) = shared else {
        eprintln!("no two fixtures share a first hex digit; ambiguity not exercised");
        return;
    };
    let out = sb.remove(&bundle, &[&prefix]);
    assert_exit(&out, 1, &format!("remove ambiguous prefix {prefix}"));
    assert_file_is(&bundle, &patched, "ambiguous selector: nothing removed");
    let out = sb.remove(&bundle, &["--json", &prefix]);
    assert_exit(&out, 1, "remove --json ambiguous");
    let v = json(&out);
    // Ambiguity is judged across all targets before anything is touched.
    assert_eq!(v["error"]["code"], "ambiguous", "{v:#}");
    assert_eq!(v["ok"], false, "{v:#}");
    assert_file_is(&bundle, &patched, "ambiguous selector: nothing removed");
}

#[test]
fn remove_keeps_foreign_edits_made_after_the_patch() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let mut edited = read(&bundle);
    edited.extend_from_slice(b"\n# added by hand after certpatch\n");
    std::fs::write(&bundle, &edited).unwrap();

    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all after a foreign edit");
    let after = read(&bundle);
    assert!(after.starts_with(&original), "the original stays");
    assert!(
        String::from_utf8_lossy(&after).contains("# added by hand after certpatch"),
        "the foreign edit stays"
    );
    assert_eq!(count_cert(&after, &der(&gen("int-good.pem"))), 0);
    assert_eq!(patch_count(&after), 0);
}

#[test]
fn remove_dry_run_writes_nothing() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let patched = read(&bundle);
    for args in [
        vec!["--all", "--dry-run"],
        vec!["--dry-run", "--json", "--all"],
    ] {
        let out = sb.remove(&bundle, &args);
        assert_exit(&out, 0, &format!("remove {args:?}"));
        assert_file_is(&bundle, &patched, "dry run: unchanged");
    }
    let out = sb.remove(&bundle, &["--dry-run", "--json", &fp(&gen("int-good.pem"))]);
    assert_exit(&out, 0, "remove --dry-run --json");
    let v = json(&out);
    assert_eq!(v["bundles"][0]["status"], "would-remove", "{v:#}");
    assert_file_is(&bundle, &patched, "dry run: unchanged");
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);
}

// ---------------------------------------------------------------------------------------
// restore

#[test]
fn restore_after_add_gives_the_original_back() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    sb.add_ok(gen("int-01.pem"), &bundle, &[]);
    sb.add_ok(real("le-r10.pem"), &bundle, &[]);
    assert!(
        sb.backups_exist(),
        "a backup was taken under CERTPATCH_HOME"
    );

    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore");
    assert_file_is(&bundle, &original, "restore gives the pre-certpatch bytes");
    assert_eq!(
        sb.bundle_dir_entries(),
        vec!["cacert.pem"],
        "nothing beside the bundle"
    );
    assert!(sb.listed_patches(&bundle).is_empty());
}

#[test]
fn restore_uses_the_copy_from_before_the_first_patch() {
    // After add, remove, add again the backup still is the pristine file.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    sb.add_ok(gen("int-02.pem"), &bundle, &[]);
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    sb.add_ok(gen("int-03.pem"), &bundle, &[]);
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore");
    assert_file_is(&bundle, &original, "pristine bytes");
}

#[test]
fn restore_dry_run_writes_nothing() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let patched = read(&bundle);
    let out = sb.restore(&bundle, &["--dry-run"]);
    assert_exit(&out, 0, "restore --dry-run");
    assert_file_is(&bundle, &patched, "dry run: unchanged");
}

#[test]
fn restore_refuses_after_a_foreign_edit_and_offers_no_override() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);

    // Something else (a hand edit, an upgrade) changes the bundle.
    let mut edited = read(&bundle);
    let at = edited.len() / 2;
    edited.splice(at..at, b"\n# hand edit in the middle\n".iter().copied());
    std::fs::write(&bundle, &edited).unwrap();

    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 1, "restore after a foreign edit");
    let err = stderr(&out);
    assert!(
        err.contains("nothing was written"),
        "the refusal is explained: {err}"
    );
    assert!(
        err.contains("certpatch remove --all --bundle"),
        "and says what to run instead: {err}"
    );
    // No flag that could downgrade: `restore --force` is gone (the refusal used to offer
    // it), so asking for it is a usage error and writes nothing.
    let forced = sb.restore(&bundle, &["--force"]);
    assert_exit(&forced, 2, "restore --force");
    assert!(
        stderr(&forced).contains("unexpected argument '--force'"),
        "{}",
        stderr(&forced)
    );
    assert_file_is(&bundle, &edited, "refused restore: bundle unchanged");

    // The flag that used to override the refusal is gone.
    let out = sb.restore(&bundle, &["--force"]);
    assert_exit(&out, 2, "restore --force is not an option any more");
    assert_file_is(&bundle, &edited, "still unchanged");

    // What it says to run works and keeps the foreign edit.
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    assert_eq!(patch_count(&read(&bundle)), 0);
    assert!(read(&bundle).windows(17).any(|w| w == b"# hand edit in th"));
}

#[test]
fn restore_keeps_a_foreign_edit_made_after_all_patches_were_removed() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    let mut edited = read(&bundle);
    edited.extend_from_slice(b"# upgrade added this\n");
    std::fs::write(&bundle, &edited).unwrap();
    let out = sb.restore(&bundle, &[]);
    assert_ne!(out.status.code(), Some(2), "not a usage error");
    assert_file_is(&bundle, &edited, "restore never throws away a foreign edit");
}

#[test]
fn undo_is_byte_exact_on_crlf_bundle_without_final_newline() {
    let mut src = read(gen("bundle-crlf.pem"));
    assert!(src.ends_with(b"\r\n"));
    src.truncate(src.len() - 2);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], full);
}

#[test]
fn undo_is_byte_exact_on_bundle_ending_in_blank_lines_and_spaces() {
    let mut src = test_bundle_bytes();
    src.extend_from_slice(b"\n\n   \n\t\n\n");
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], full);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], all);
}

#[test]
fn undo_is_byte_exact_on_bundle_of_only_comments() {
    let src = b"# no certificates here yet\n# managed elsewhere\n".to_vec();
    assert_add_remove_exact(&src, &gen("test-root.pem"), &["--allow-root"], full);
}

#[test]
fn undo_is_byte_exact_on_bundle_with_a_damaged_block() {
    // A foreign PEM block whose base64 is damaged sits between the roots.
    let mut src = read(real(CERTIFI));
    src.extend(read(gen("bad-base64.pem")));
    src.extend(read(gen("test-root.pem")));
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], full);
}

#[test]
fn undo_is_byte_exact_on_pip_vendored_bundle_with_several_patches() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(PIP_VENDORED), "cacert.pem");
    let original = read(&bundle);
    for f in [real("le-r10.pem"), real("le-e5.pem"), real("le-r11.pem")] {
        sb.add_ok(&f, &bundle, &[]);
    }
    for f in [real("le-e5.pem"), real("le-r10.pem"), real("le-r11.pem")] {
        assert_exit(&sb.remove(&bundle, &[&fp(&f)[..20]]), 0, "remove");
    }
    assert_file_is(&bundle, &original, "original bytes");
}

#[test]
fn hand_written_certpatch_comment_is_not_taken_for_a_patch() {
    let mut src = test_bundle_bytes();
    src.extend_from_slice(b"\n# certpatch: a note a human wrote, not a patch\n");
    let sb = Sandbox::new();
    let bundle = sb.write_bundle("cacert.pem", &src);
    assert!(
        sb.listed_patches(&bundle).is_empty(),
        "no patch in a hand-written note"
    );
    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all with no real patch");
    assert_file_is(&bundle, &src, "the note stays");

    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    assert_eq!(sb.listed_patches(&bundle), vec![fp(&gen("int-good.pem"))]);
    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all");
    assert_file_is(&bundle, &src, "only the real patch was removed");
}

#[test]
fn restore_without_backup_is_nothing_to_do() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore with nothing to restore");
    assert_file_is(&bundle, &before, "unchanged");
}

#[test]
fn each_bundle_has_its_own_backup() {
    let sb = Sandbox::new();
    let a = sb.test_bundle();
    let b = sb.write_bundle("other.pem", &read(gen("bundle-foreign-text.pem")));
    let a0 = read(&a);
    let b0 = read(&b);
    sb.add_ok(gen("int-01.pem"), &a, &[]);
    sb.add_ok(gen("int-02.pem"), &b, &[]);
    let b1 = read(&b);
    let out = sb
        .cmd()
        .args(["restore", "--bundle"])
        .arg(&a)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "restore a");
    assert_file_is(&a, &a0, "a restored");
    assert_file_is(&b, &b1, "b untouched by a's restore");
    let out = sb
        .cmd()
        .args(["restore", "--bundle"])
        .arg(&b)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "restore b");
    assert_file_is(&b, &b0, "b restored");
}

#[test]
fn undo_is_byte_exact_on_bundle_with_bom_and_non_ascii_foreign_bytes() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(test_bundle_bytes());
    assert_add_remove_exact(&bom, &gen("int-good.pem"), &[], full);

    let mut odd = test_bundle_bytes();
    odd.extend_from_slice("# café ☃ and a raw byte: ".as_bytes());
    odd.extend_from_slice(b"\xff\xfe\n");
    assert_add_remove_exact(&odd, &gen("int-good.pem"), &[], all);
}

#[test]
fn undo_is_byte_exact_on_bundle_with_mixed_line_endings() {
    let mut src = read(real(CERTIFI));
    let crlf_root: Vec<u8> = String::from_utf8(read(gen("test-root.pem")))
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    src.extend_from_slice(b"# a CRLF section pasted from Windows\r\n");
    src.extend(crlf_root);
    assert_add_remove_exact(&src, &gen("int-good.pem"), &[], full);
}

#[test]
fn empty_or_colon_only_selector_never_matches_every_patch() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    sb.add_ok(gen("int-01.pem"), &bundle, &[]);
    let patched = read(&bundle);
    for sel in ["", ":", "::", " ", "0x9b", "g"] {
        let out = sb.remove(&bundle, &[sel]);
        assert_exit(&out, 2, &format!("remove {sel:?}"));
        assert_file_is(
            &bundle,
            &patched,
            &format!("remove {sel:?}: nothing removed"),
        );
    }
}
