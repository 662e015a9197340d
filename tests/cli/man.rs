//! `certpatch man [COMMAND]`: manual pages generated from the clap definitions, hidden
//! from `--help` and the completion scripts.

use crate::common::*;

#[test]
fn man_prints_the_program_page_and_one_page_per_command() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("man").run_output().unwrap();
    assert_exit(&out, 0, "man");
    let page = stdout(&out);
    assert!(page.contains(".TH certpatch 1 "), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    assert!(page.contains("certpatch\\-add(1)"), "{page}");
    assert!(
        !page.contains("certpatch\\-man"),
        "the page lists no man page for man"
    );

    let out = sb.cmd().args(["man", "add"]).run_output().unwrap();
    assert_exit(&out, 0, "man add");
    let page = stdout(&out);
    assert!(page.contains(".TH certpatch-add 1 "), "{page}");
    assert!(page.contains("\\fBcertpatch add\\fR"), "{page}");
    assert!(page.contains("\\-\\-dry\\-run"), "{page}");
}

#[test]
fn man_for_an_unknown_command_is_a_usage_error() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["man", "no-such-command"])
        .run_output()
        .unwrap();
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
    let out = sb.cmd().arg("--help").run_output().unwrap();
    assert_exit(&out, 0, "--help");
    assert!(
        !stdout(&out)
            .lines()
            .any(|l| l.trim_start().starts_with("man ")),
        "{}",
        stdout(&out)
    );
    let out = sb.cmd().args(["completions", "bash"]).run_output().unwrap();
    assert_exit(&out, 0, "completions bash");
    let script = stdout(&out);
    assert!(
        !script.contains(" man ") && !script.contains("subcmd__man"),
        "{script}"
    );
}

#[test]
fn every_page_the_man_page_lists_can_be_produced_and_none_is_help() {
    let sb = Sandbox::new();
    let page = stdout(&sb.cmd().arg("man").run_output().unwrap());
    assert!(!page.contains("certpatch\\-help(1)"), "{page}");
    let listed: Vec<String> = page
        .lines()
        .filter_map(|l| l.strip_prefix("certpatch\\-")?.strip_suffix("(1)"))
        .map(|n| n.replace("\\-", "-"))
        .collect();
    assert!(listed.len() >= 12, "{listed:?}");
    assert_eq!(listed[0], "fix", "the page leads with fix: {listed:?}");
    for name in &listed {
        let out = sb.cmd().args(["man", name]).run_output().unwrap();
        assert_exit(&out, 0, &format!("man {name}"));
        let sub = stdout(&out);
        assert!(sub.contains(".SH EXAMPLES"), "man {name}: {sub}");
        assert!(sub.contains(".SH EXIT STATUS"), "man {name}: {sub}");
    }
}

#[test]
fn the_man_page_has_examples_environment_files_and_exit_status() {
    let sb = Sandbox::new();
    let page = stdout(&sb.cmd().arg("man").run_output().unwrap());
    for section in [
        ".SH EXAMPLES",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH EXIT STATUS",
    ] {
        assert!(page.contains(section), "{section}: {page}");
    }
    for text in [
        "certpatch fix https://api.example.com",
        "CERTPATCH_HOME",
        "REQUESTS_CA_BUNDLE",
        "ledger.toml",
        "config.toml",
        "backups",
    ] {
        assert!(page.replace("\\-", "-").contains(text), "{text}: {page}");
    }
    let fix = stdout(&sb.cmd().args(["man", "fix"]).run_output().unwrap());
    assert!(
        fix.replace("\\-", "-")
            .contains("certpatch fix api.example.com:8443 --dry-run"),
        "{fix}"
    );
}

#[test]
fn help_leads_with_fix_and_shows_examples_and_at_forms() {
    let sb = Sandbox::new();
    let help = stdout(&sb.cmd().arg("--help").run_output().unwrap());
    let commands = help.split("Commands:").nth(1).unwrap();
    assert!(commands.trim_start().starts_with("fix "), "{help}");
    assert!(
        help.contains("Examples:\n  certpatch fix https://api.example.com"),
        "{help}"
    );
    assert!(help.contains("`now`"), "--at names `now`: {help}");
    let add = stdout(&sb.cmd().args(["add", "--help"]).run_output().unwrap());
    assert!(
        add.contains("Examples:\n  certpatch add intermediate.pem"),
        "{add}"
    );
}
