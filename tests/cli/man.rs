//! `certpatch man [COMMAND]`: manual pages generated from the clap definitions, hidden
//! from `--help` and the completion scripts.

use crate::common::*;

#[test]
fn man_prints_the_program_page_and_one_page_per_command() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("man").output().unwrap();
    assert_exit(&out, 0, "man");
    let page = stdout(&out);
    assert!(page.contains(".TH certpatch 1 "), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    assert!(page.contains("certpatch\\-add(1)"), "{page}");
    assert!(
        !page.contains("certpatch\\-man"),
        "the page lists no man page for man"
    );

    let out = sb.cmd().args(["man", "add"]).output().unwrap();
    assert_exit(&out, 0, "man add");
    let page = stdout(&out);
    assert!(page.contains(".TH certpatch-add 1 "), "{page}");
    assert!(page.contains("\\fBcertpatch add\\fR"), "{page}");
    assert!(page.contains("\\-\\-dry\\-run"), "{page}");
}

#[test]
fn man_for_an_unknown_command_is_a_usage_error() {
    let sb = Sandbox::new();
    let out = sb.cmd().args(["man", "no-such-command"]).output().unwrap();
    assert_exit(&out, 2, "man no-such-command");
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("no page for `no-such-command`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn man_is_hidden_from_help_and_completions() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("--help").output().unwrap();
    assert_exit(&out, 0, "--help");
    assert!(
        !stdout(&out)
            .lines()
            .any(|l| l.trim_start().starts_with("man ")),
        "{}",
        stdout(&out)
    );
    let out = sb.cmd().args(["completions", "bash"]).output().unwrap();
    assert_exit(&out, 0, "completions bash");
    let script = stdout(&out);
    assert!(
        !script.contains(" man ") && !script.contains("subcmd__man"),
        "{script}"
    );
}
