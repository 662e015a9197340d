//! certpatch: add a missing intermediate CA certificate to Python's CA bundles, safely
//! and reversibly. `main` parses, runs, and maps the result to an exit code.

use std::process::ExitCode;

use crate::cli::commands::{self, Context};
use crate::cli::exit::{self, Outcome};
use crate::cli::json::{self, Failure};
use crate::cli::output::{self, Printer};
use crate::cli::{Cli, Command};
use crate::discover;
use crate::usecase::remove::{normalize, Selection};

pub fn main() -> ExitCode {
    let cli = match commands::man::try_parse() {
        Ok(commands::man::Parsed::Cli(cli)) => cli,
        Ok(commands::man::Parsed::Man(page)) => return commands::man::main(page.as_deref()),
        Err(err) => return usage_error(err),
    };
    let printer = Printer::new(cli.global.json, cli.global.quiet, cli.global.color);
    let command = cli.command.name();
    match run(cli, &printer) {
        // Output lost to a full disk or an I/O error is a failure; a closed pipe is not.
        Ok(_) if output::stdout_failed() => ExitCode::from(1),
        Ok(outcome) => outcome.into(),
        Err(err) => {
            let failure = Failure::of_run(&err);
            let usage = failure.code == "usage";
            printer.error(&failure.message);
            // With --json, a failure is still one JSON document on standard output.
            printer.document(&json::failure(command, failure));
            ExitCode::from(if usage { exit::USAGE } else { 1 })
        }
    }
}

/// A command line clap refused: its message on stderr, and with `--json` also the JSON
/// failure document on stdout, so a script always gets one document.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) || !std::env::args().any(|a| a == "--json")
    {
        err.exit();
    }
    let _ = err.print();
    let command = command_named(std::env::args().skip(1)).unwrap_or_default();
    let rendered = err.render().to_string();
    let message = first_paragraph(&rendered);
    output::print_document(&json::failure(
        &command,
        Failure::new("usage", format!("{message}; see `certpatch --help`")),
    ));
    ExitCode::from(exit::USAGE)
}

/// clap's message without its `error: ` prefix and usage lines: the first line, and when
/// it ends with a colon (`the following required arguments were not provided:`) the
/// indented lines that follow it, which name what is missing.
fn first_paragraph(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let mut message = lines
        .next()
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ")
        .to_string();
    if message.ends_with(':') {
        let items: Vec<&str> = lines
            .take_while(|l| l.starts_with("  ") && !l.trim().is_empty())
            .map(str::trim)
            .collect();
        if !items.is_empty() {
            message.push(' ');
            message.push_str(&items.join(", "));
        }
    }
    message
}

/// The subcommand a refused command line names, for the failure document's `command`:
/// the first argument that is one of clap's subcommands or the hidden `man` (which only
/// [`commands::man::try_parse`] adds), so the list can never lag behind [`Command`].
fn command_named(args: impl Iterator<Item = String>) -> Option<String> {
    use clap::CommandFactory;
    let cli = Cli::command();
    let names: Vec<&str> = cli
        .get_subcommands()
        .map(|c| c.get_name())
        .chain([commands::man::NAME])
        .collect();
    args.into_iter().find(|a| names.contains(&a.as_str()))
}

fn run(cli: Cli, printer: &Printer) -> anyhow::Result<Outcome> {
    let ctx = Context {
        printer: printer.clone(),
        at: cli.global.at.unwrap_or_else(time::OffsetDateTime::now_utc),
        host: discover::Host::from_process(),
        knowledge: std::cell::OnceCell::new(),
        yes: cli.global.yes,
        verbose: cli.global.verbose,
        shown: Default::default(),
        resolve: cli.global.resolve.clone(),
    };
    match cli.command {
        Command::Find { roots, pythons } => commands::find::run(&ctx, &roots, &pythons),
        Command::Check {
            file,
            targets,
            allow_root,
            with_issuers,
        } => commands::check::run(&ctx, &file, &targets, allow_root, with_issuers),
        Command::Add {
            file,
            targets,
            dry_run,
            allow_root,
            output,
            with_issuers,
        } => commands::add::run(
            &ctx,
            commands::add::AddArgs {
                file: &file,
                targets: &targets,
                dry_run,
                allow_root,
                output: output.as_deref(),
                with_issuers,
            },
        ),
        Command::List { targets } => commands::list::run(&ctx, &targets),
        Command::Remove {
            selectors,
            all_patches,
            targets,
            dry_run,
        } => {
            let selection = if all_patches {
                Selection::All
            } else {
                Selection::Prefixes(
                    selectors
                        .iter()
                        .map(|s| normalize(s))
                        .collect::<Result<_, _>>()?,
                )
            };
            commands::remove::run(&ctx, &selection, &targets.into(), dry_run)
        }
        Command::Restore { targets, dry_run } => commands::restore::run(&ctx, &targets, dry_run),
        Command::Status { targets } => commands::status::run(&ctx, &targets),
        Command::Reapply { targets, dry_run } => commands::reapply::run(&ctx, &targets, dry_run),
        Command::Adopt {
            targets,
            dry_run,
            allow_root,
        } => commands::adopt::run(&ctx, &targets, dry_run, allow_root),
        Command::Diagnose {
            server,
            chain,
            name,
            targets,
        } => {
            let origin = match (&server, &chain) {
                (_, Some(file)) => crate::usecase::diagnose::Origin::File {
                    file,
                    name: name.as_deref(),
                },
                (Some(s), None) => crate::usecase::diagnose::Origin::Server(s),
                (None, None) => unreachable!("clap requires HOST or --chain"),
            };
            commands::diagnose::run(&ctx, origin, &targets)
        }
        Command::Fix {
            server,
            targets,
            dry_run,
            offline,
            allow_root,
        } => commands::fix::run(
            &ctx,
            commands::fix::FixArgs {
                server: &server,
                targets: &targets,
                dry_run,
                offline,
                allow_root,
            },
        ),
        Command::Index { action } => {
            use crate::cli::args::IndexAction;
            use commands::index::Action;
            let action = match &action {
                None => Action::Show,
                Some(IndexAction::Lookup { query }) => Action::Lookup(query),
                Some(IndexAction::Refresh { file }) => Action::Refresh(file),
                Some(IndexAction::Reset) => Action::Reset,
            };
            commands::index::run(&ctx, action)
        }
        Command::Completions { shell } => Ok(commands::completions::run(shell)),
    }
}

#[cfg(test)]
mod tests {
    use super::command_named;

    fn named(args: &[&str]) -> Option<String> {
        command_named(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn every_subcommand_is_named_from_clap() {
        use clap::CommandFactory;
        for sub in crate::cli::Cli::command().get_subcommands() {
            let name = sub.get_name();
            assert_eq!(named(&["--json", name, "--bogus"]).as_deref(), Some(name));
        }
        assert_eq!(
            named(&["--json", "status", "--bogus"]).as_deref(),
            Some("status")
        );
        assert_eq!(named(&["--json", "reapply"]).as_deref(), Some("reapply"));
        assert_eq!(named(&["--json", "frobnicate"]), None);
    }
}
