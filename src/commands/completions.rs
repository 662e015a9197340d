//! `certpatch completions SHELL`: a completion script on standard output.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Outcome;
use crate::output::write_stdout;

pub fn run(shell: clap_complete::Shell) -> Outcome {
    // clap_complete panics when its writer fails (a closed pipe: `… | head -1`), so the
    // script is built in memory and written like all other output.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "certpatch", &mut script);
    write_stdout(&script);
    Outcome::Success
}
