//! `certpatch completions SHELL`: a completion script on standard output.

use clap::CommandFactory;

use crate::cli::exit::Outcome;
use crate::cli::output::write_stdout;
use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> Outcome {
    // clap_complete panics when its writer fails (a closed pipe: `… | head -1`), so the
    // script is built in memory and written like all other output.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "certpatch", &mut script);
    write_stdout(&script);
    Outcome::Success
}
