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

/// An error and its causes on one line each: `msg\n  caused by: cause`.
pub fn chain(err: &anyhow::Error) -> String {
    let mut out = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !out.contains(&cause) {
            out.push_str("\n  caused by: ");
            out.push_str(&cause);
        }
    }
    out
}

/// A mistake in the command line that clap cannot see (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
