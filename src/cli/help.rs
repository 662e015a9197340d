//! What `--help` and the manual pages say beyond each flag's own line: the commands in the
//! order a person in an outage needs them (`fix` first), examples for every command, and
//! the manual page's EXAMPLES, ENVIRONMENT, FILES and EXIT STATUS sections. One table
//! feeds both, so `--help` and `certpatch man` cannot disagree.

use clap::CommandFactory;

use crate::cli::Cli;

/// The commands, in the order `--help` lists them.
pub const ORDER: &[&str] = &[
    "fix",
    "diagnose",
    "add",
    "check",
    "list",
    "remove",
    "restore",
    "status",
    "reapply",
    "adopt",
    "find",
    "index",
    "completions",
];

/// Examples, per command (`""` is the program itself): the command line and what it does.
pub const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "",
        &[
            (
                "certpatch fix https://api.example.com",
                "fetch, check and add the intermediate the server forgets to send (start here)",
            ),
            (
                "certpatch add intermediate.pem",
                "add a CA certificate you already have",
            ),
            (
                "certpatch remove 5b3e9f0c",
                "undo: take that patch out again",
            ),
            (
                "certpatch status",
                "after an upgrade: which patches were lost, and what to run",
            ),
        ],
    ),
    (
        "fix",
        &[
            (
                "certpatch fix https://api.example.com",
                "patch the active environment's bundles",
            ),
            (
                "certpatch fix api.example.com:8443 --dry-run",
                "show what would be fetched and added; write nothing",
            ),
            (
                "certpatch fix api.example.com --env /srv/app/venv --offline",
                "another environment; only the built-in index, no network",
            ),
        ],
    ),
    (
        "diagnose",
        &[
            (
                "certpatch diagnose https://api.example.com",
                "show the chain and why each bundle does or does not verify it",
            ),
            (
                "certpatch diagnose --chain chain.pem --name api.example.com",
                "judge a saved chain instead of connecting",
            ),
        ],
    ),
    (
        "add",
        &[
            (
                "certpatch add intermediate.pem",
                "add it to the active environment's bundles",
            ),
            (
                "certpatch add chain.p7b --python /usr/bin/python3 --yes",
                "the bundles that interpreter uses, without the question",
            ),
            (
                "certpatch add ica.pem --bundle cacert.pem --output patched.pem",
                "write a patched copy; leave the bundle alone",
            ),
        ],
    ),
    (
        "check",
        &[(
            "certpatch check intermediate.pem",
            "would `add` accept it? writes nothing",
        )],
    ),
    (
        "list",
        &[(
            "certpatch list --all",
            "every patch in every bundle `find` reports",
        )],
    ),
    (
        "remove",
        &[
            (
                "certpatch remove 5b3e9f0c",
                "one patch, by fingerprint prefix",
            ),
            (
                "certpatch remove --all --dry-run",
                "show every patch that would be taken out",
            ),
        ],
    ),
    (
        "restore",
        &[(
            "certpatch restore",
            "put back the copy saved before the first patch",
        )],
    ),
    (
        "status",
        &[(
            "certpatch status --all",
            "lost, edited or expiring patches everywhere (exit 1 when something needs attention)",
        )],
    ),
    (
        "reapply",
        &[(
            "certpatch reapply",
            "put back the patches an upgrade removed, each checked again",
        )],
    ),
    (
        "adopt",
        &[(
            "certpatch adopt --allow-root",
            "track a root (and intermediates) pasted into cacert.pem by hand, as patches",
        )],
    ),
    (
        "find",
        &[
            ("certpatch find", "every bundle on this machine"),
            ("certpatch find --root /srv", "only under /srv"),
        ],
    ),
    (
        "index",
        &[(
            "certpatch index lookup 'Let'\\''s Encrypt R10'",
            "look an intermediate up in the built-in index",
        )],
    ),
    (
        "completions",
        &[(
            "certpatch completions bash > ~/.local/share/bash-completion/completions/certpatch",
            "install bash completion",
        )],
    ),
];

/// Variables certpatch reads, and what they do.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("CERTPATCH_HOME", "the folder for config.toml, the ledger and backups (see FILES)"),
    (
        "VIRTUAL_ENV, CONDA_PREFIX",
        "the active environment, when no target is named (else .venv in the current folder or a parent, else python3 on PATH)",
    ),
    (
        "REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR, PIP_CERT",
        "make clients ignore the patched bundle; certpatch warns about them (status exits 1) and removes them when it runs an interpreter",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, NO_PROXY",
        "the proxy diagnose and fix connect and fetch through",
    ),
    ("NO_COLOR", "no colour (as --color never)"),
    (
        "CERTPATCH_HOST_ROOT",
        "for tests: look up fixed system folders (/usr, /opt, /etc/ssl) under this folder",
    ),
];

/// Files certpatch reads and writes.
pub const FILES: &[(&str, &str)] = &[
    (
        "$CERTPATCH_HOME/config.toml",
        "configuration (else ~/.config/certpatch/config.toml on Linux); optional",
    ),
    (
        "$CERTPATCH_HOME/ledger.toml",
        "every patch made, with its certificate, so status and reapply survive upgrades (else ~/.local/share/certpatch/ on Linux)",
    ),
    (
        "$CERTPATCH_HOME/backups/HASH/original",
        "each bundle as it was before its first patch, with meta.toml; used by restore",
    ),
];

/// Exit codes.
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "success, or nothing to do"),
    (
        "1",
        "refused or failed, nothing written where it was refused; for check, status and diagnose: problems found",
    ),
    ("2", "usage error"),
];

fn examples_text(name: &str) -> Option<String> {
    let (_, list) = EXAMPLES.iter().find(|(n, _)| *n == name)?;
    let mut text = String::from("Examples:\n");
    for (cmd, what) in *list {
        text.push_str(&format!("  {cmd}\n      {what}\n"));
    }
    Some(text)
}

/// [`Cli`]'s command with the order and examples above.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    let mut top = examples_text("").unwrap_or_default();
    top.push_str(
        "\nExit codes: 0 success or nothing to do, 1 refused or failed (or problems found), 2 usage error.\n`certpatch man` prints the manual page.",
    );
    cmd = cmd.after_help(top);
    for (i, name) in ORDER.iter().enumerate() {
        let examples = examples_text(name);
        cmd = cmd.mut_subcommand(name, |c| {
            let c = c.display_order(i);
            match examples {
                Some(text) => c.after_help(text),
                None => c,
            }
        });
    }
    cmd
}

/// `text` as roff body text: backslashes and hyphens escaped, no line starting a request.
pub fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.') | Some('\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// A manual page section of `(term, description)` items.
pub fn roff_section(title: &str, items: &[(&str, &str)]) -> String {
    let mut out = format!(".SH {title}\n");
    for (term, what) in items {
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_text(term),
            roff_text(what)
        ));
    }
    out
}

/// The extra sections of a page: EXAMPLES for every page; ENVIRONMENT, FILES and EXIT
/// STATUS on the program's page (`name` empty), SEE ALSO on a command's.
pub fn roff_extra(name: &str) -> String {
    let mut out = String::new();
    if let Some((_, list)) = EXAMPLES.iter().find(|(n, _)| *n == name) {
        out.push_str(&roff_section("EXAMPLES", list));
    }
    if name.is_empty() {
        out.push_str(&roff_section("ENVIRONMENT", ENVIRONMENT));
        out.push_str(&roff_section("FILES", FILES));
        out.push_str(&roff_section("EXIT STATUS", EXIT_STATUS));
    } else {
        out.push_str(&roff_section("EXIT STATUS", EXIT_STATUS));
        out.push_str(".SH SEE ALSO\n\\fBcertpatch\\fR(1)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_examples_and_a_place_in_the_order() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            let name = sub.get_name();
            assert!(ORDER.contains(&name), "{name} is missing from ORDER");
            assert!(
                EXAMPLES.iter().any(|(n, _)| *n == name),
                "{name} has no examples"
            );
        }
        for (name, list) in EXAMPLES {
            for (example, _) in *list {
                let prefix = format!("certpatch {name}");
                assert!(example.starts_with(prefix.trim_end()), "{example}");
            }
        }
    }

    #[test]
    fn roff_text_cannot_start_a_request_and_escapes_hyphens() {
        assert_eq!(roff_text(".x --y"), "\\&.x \\-\\-y");
        assert_eq!(roff_text("a\\b"), "a\\\\b");
    }
}
