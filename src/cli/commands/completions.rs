//! `certpatch completions SHELL`: a completion script on standard output.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Outcome;

pub fn run(shell: clap_complete::Shell) -> Outcome {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "certpatch",
        &mut std::io::stdout(),
    );
    Outcome::Success
}
