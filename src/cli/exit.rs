//! Every way the program can end, and how an error is written out.

use std::process::ExitCode;

/// The result of a command, folded into the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 0: success, or nothing to do.
    Success,
    /// 1: refused, failed, or (for `check`) problems found.
    Failure,
}

impl Outcome {
    /// Keeps the worst of two outcomes (a run goes on past one bad bundle).
    pub fn and(self, other: Outcome) -> Outcome {
        if self == Outcome::Failure || other == Outcome::Failure {
            Outcome::Failure
        } else {
            Outcome::Success
        }
    }

    pub fn from_ok(ok: bool) -> Outcome {
        if ok {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Failure => ExitCode::from(1),
        }
    }
}

/// 2: the command line itself is wrong.
pub const USAGE: u8 = 2;

pub use crate::x509::text::chain;

/// A mistake in the command line that clap cannot see (exit code 2).
pub use crate::usecase::UsageError;
