//! Usage errors exit 2; `completions`; `--help`.

use crate::common::*;

fn assert_usage_error(args: &[&str]) {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let before = read(&bundle);
    let out = sb
        .cmd()
        .args(args)
        .arg("--bundle")
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 2, &format!("{args:?}"));
    assert!(
        !stderr(&out).trim().is_empty(),
        "{args:?}: usage error explained"
    );
    assert_file_is(&bundle, &before, "usage error: bundle unchanged");
}

#[test]
fn unknown_flag_is_exit_2() {
    let f = gen("int-good.pem");
    assert_usage_error(&["add", f.to_str().unwrap(), "--no-such-flag"]);
}

#[test]
fn bad_at_time_is_exit_2() {
    let f = gen("int-good.pem");
    // A plain date (`2026-06-01`) is accepted as midnight UTC; a time without an offset
    // is ambiguous and refused.
    for bad in [
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-06-01T00:00:00",
        "",
    ] {
        assert_usage_error(&["add", f.to_str().unwrap(), "--at", bad]);
    }
}

#[test]
fn missing_file_argument_is_exit_2() {
    assert_usage_error(&["add"]);
    assert_usage_error(&["check"]);
}

#[test]
fn unknown_command_is_exit_2() {
    assert_usage_error(&["frobnicate"]);
}

#[test]
fn remove_without_selector_is_exit_2() {
    assert_usage_error(&["remove"]);
}

#[test]
fn remove_non_hex_selector_is_exit_2() {
    assert_usage_error(&["remove", "not-a-fingerprint"]);
    assert_usage_error(&["remove", "zz"]);
}

#[test]
fn remove_selector_and_all_together_is_exit_2() {
    assert_usage_error(&["remove", "abcd", "--all"]);
}

#[test]
fn bad_color_value_is_exit_2() {
    let f = gen("int-good.pem");
    assert_usage_error(&["check", f.to_str().unwrap(), "--color", "sometimes"]);
}

#[test]
fn completions_bash_mentions_certpatch() {
    let sb = Sandbox::new();
    let out = sb.cmd().args(["completions", "bash"]).run_output().unwrap();
    assert_exit(&out, 0, "completions bash");
    assert!(stdout(&out).contains("certpatch"), "{}", stdout(&out));
    let out = sb.cmd().args(["completions", "zsh"]).run_output().unwrap();
    assert_exit(&out, 0, "completions zsh");
    assert!(stdout(&out).contains("certpatch"));
    let out = sb
        .cmd()
        .args(["completions", "no-such-shell"])
        .run_output()
        .unwrap();
    assert_exit(&out, 2, "completions for an unknown shell");
}

#[test]
fn help_and_version_exit_0() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("--help").run_output().unwrap();
    assert_exit(&out, 0, "--help");
    assert!(stdout(&out).contains("add"));
    let out = sb.cmd().arg("--version").run_output().unwrap();
    assert_exit(&out, 0, "--version");
    assert!(stdout(&out).contains("certpatch"));
}

#[test]
fn json_usage_error_into_a_closed_pipe_does_not_panic() {
    let sb = Sandbox::new();
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = sb
        .std_cmd()
        .args(["--json", "frobnicate"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap();
    // Still the usage error's exit code (the document had nowhere to go), never a panic.
    assert_exit(&out, 2, "--json frobnicate | head -0");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// A refused command line with `--json` gives one failure document whose message still
/// says what is missing: clap puts the missing argument on the lines after "not
/// provided:", and the document once kept only that first line (`not provided:; see …`).
#[test]
fn json_usage_error_names_the_missing_argument() {
    let sb = Sandbox::new();
    for (args, command, missing) in [
        (&["add", "--json"][..], "add", "<FILE>"),
        (&["--json", "check"][..], "check", "<FILE>"),
        (&["remove", "--json"][..], "remove", "<SELECTOR|--all>"),
    ] {
        let out = sb.cmd().args(args).run_output().unwrap();
        assert_exit(&out, 2, &format!("{args:?}"));
        let doc = json(&out);
        assert_eq!(doc["command"], command, "{doc}");
        assert_eq!(doc["ok"], false, "{doc}");
        assert_eq!(doc["error"]["code"], "usage", "{doc}");
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("not provided: ") && message.contains(missing),
            "{args:?}: the message names {missing}: {message}"
        );
    }
}

/// `man` is a command like the others for `--json`: a page it does not have, or an extra
/// argument, gives the failure document with `command` "man" (not a command named in
/// the arguments after it), and a usage exit code.
#[test]
fn man_with_json_and_a_bad_command_line_gives_one_failure_document() {
    let sb = Sandbox::new();
    for args in [
        &["man", "no-such-command", "--json"][..],
        &["--json", "man", "no-such-command"][..],
        &["man", "add", "extra", "--json"][..],
    ] {
        let out = sb.cmd().args(args).run_output().unwrap();
        assert_exit(&out, 2, &format!("{args:?}"));
        let doc = json(&out);
        assert_eq!(doc["command"], "man", "{args:?}: {doc}");
        assert_eq!(doc["ok"], false, "{doc}");
        assert_eq!(doc["error"]["code"], "usage", "{doc}");
        assert_eq!(doc["bundles"], serde_json::json!([]), "{doc}");
        assert!(
            !stderr(&out).trim().is_empty(),
            "{args:?}: explained on stderr"
        );
    }
}
