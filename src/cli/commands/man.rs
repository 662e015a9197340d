//! `certpatch man [COMMAND]`: a manual page in roff on standard output, generated from the
//! clap definitions so it never drifts from `--help`. It is for packagers, who run it
//! once per page:
//!
//! ```text
//! certpatch man > certpatch.1
//! certpatch man add > certpatch-add.1
//! ```
//!
//! The subcommand is added to the command line only when parsing, never to [`Cli`]'s
//! own definition, so `--help`, the completion scripts and the pages do not show it.

use std::io::Write;
use std::process::ExitCode;

use clap::{Arg, FromArgMatches};

use crate::cli::exit;
use crate::cli::json;
use crate::cli::output::{self, Printer};
use crate::cli::{help, Cli, ColorChoice};

/// What the command line asked for.
pub enum Parsed {
    /// A documented command.
    Cli(Cli),
    /// `certpatch man [COMMAND]`.
    Man(Option<String>),
}

/// The hidden subcommand's name.
pub const NAME: &str = "man";

/// Parses the process's arguments: [`Cli`], plus the hidden `man` subcommand.
pub fn try_parse() -> Result<Parsed, clap::Error> {
    let man = clap::Command::new(NAME)
        .hide(true)
        .about("Print the manual page (roff) of certpatch, or of one of its commands")
        .arg(Arg::new("command").value_name("COMMAND"));
    let mut matches = help::command().subcommand(man).try_get_matches()?;
    if let Some((NAME, m)) = matches.subcommand() {
        return Ok(Parsed::Man(m.get_one::<String>("command").cloned()));
    }
    Cli::from_arg_matches_mut(&mut matches)
        .map(Parsed::Cli)
        .map_err(|e| e.format(&mut help::command()))
}

/// clap_mangen's sections, then the EXAMPLES, ENVIRONMENT, FILES and EXIT STATUS of
/// [`help`] (the `after_help` text `--help` shows is not repeated as clap_mangen's EXTRA).
fn render(page: clap::Command, name: &str, w: &mut Vec<u8>) -> std::io::Result<()> {
    let has_args = page.get_arguments().any(|a| !a.is_hide_set());
    let has_subcommands = page.get_subcommands().any(|s| !s.is_hide_set());
    let man = clap_mangen::Man::new(page);
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    if has_args {
        man.render_options_section(w)?;
    }
    if has_subcommands {
        man.render_subcommands_section(w)?;
    }
    w.extend_from_slice(help::roff_extra(name).as_bytes());
    man.render_version_section(w)
}

/// Prints `certpatch(1)`, or `certpatch-COMMAND(1)`; an unknown COMMAND is a usage error.
pub fn main(command: Option<&str>) -> ExitCode {
    // No `help` subcommand: it has no page of its own to list.
    let mut cli = help::command().disable_help_subcommand(true);
    // Gives each subcommand its page name (`certpatch-add`) and usage (`certpatch add`).
    cli.build();
    let documented = |c: &&clap::Command| !c.is_hide_set() && c.get_name() != "help";
    let page = match command {
        None => cli.clone(),
        Some(name) => match cli
            .get_subcommands()
            .filter(documented)
            .find(|c| c.get_name() == name)
        {
            // A subcommand's page carries the program's version in its title line.
            Some(sub) => sub.clone().version(env!("CARGO_PKG_VERSION")),
            None => {
                let known: Vec<&str> = cli
                    .get_subcommands()
                    .filter(documented)
                    .map(|c| c.get_name())
                    .collect();
                let message = format!(
                    "`certpatch man` has no page for `{}`; the commands are: {}",
                    crate::x509::cert::printable(name),
                    known.join(", ")
                );
                Printer::new(false, false, ColorChoice::Auto).error(&message);
                // With --json, a refused command line is still one document (as clap's
                // own refusals are, in `app::usage_error`).
                if std::env::args().any(|a| a == "--json") {
                    output::print_document(&json::failure(
                        NAME,
                        json::Failure::new("usage", message),
                    ));
                }
                return ExitCode::from(exit::USAGE);
            }
        },
    };
    let mut roff = Vec::new();
    if let Err(err) = render(page, command.unwrap_or(""), &mut roff) {
        Printer::new(false, false, ColorChoice::Auto)
            .error(format!("cannot render the manual page: {err}"));
        return ExitCode::from(1);
    }
    // Like `completions`, the page goes straight to standard output; a closed pipe
    // (`certpatch man | head`) is not an error.
    let _ = std::io::stdout().write_all(&roff);
    ExitCode::SUCCESS
}
