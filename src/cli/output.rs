//! How results reach the user: text for people (stdout), problems on stderr, or one JSON
//! document with `--json`. Commands build their JSON with `serde_json::json!` and print
//! text through a [`Printer`], which knows about `--quiet` and colour.

use std::io::{IsTerminal, Write};

use crate::cli::ColorChoice;

#[derive(Clone, Copy, Debug)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Dim,
}

#[derive(Clone, Debug)]
pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    color_out: bool,
    color_err: bool,
}

impl Printer {
    pub fn new(json: bool, quiet: bool, color: ColorChoice) -> Printer {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Printer {
            json,
            quiet,
            color_out: decide(std::io::stdout().is_terminal()),
            color_err: decide(std::io::stderr().is_terminal()),
        }
    }

    fn paint(on: bool, tone: Tone, s: &str) -> String {
        if !on {
            return s.to_string();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Warn => "33",
            Tone::Bad => "31;1",
            Tone::Dim => "2",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }

    /// Colours `s` for standard output.
    pub fn tone(&self, tone: Tone, s: &str) -> String {
        Self::paint(self.color_out, tone, s)
    }

    /// A line of normal output (hidden by `--quiet` and `--json`).
    pub fn line(&self, s: impl AsRef<str>) {
        if !self.json && !self.quiet {
            let _ = writeln!(std::io::stdout(), "{}", s.as_ref());
        }
    }

    /// A warning on standard error (shown with `--json` too: the document is on stdout).
    pub fn warn(&self, s: impl AsRef<str>) {
        let label = Self::paint(self.color_err, Tone::Warn, "warning:");
        let _ = writeln!(std::io::stderr(), "{label} {}", s.as_ref());
    }

    /// A problem on standard error (always shown, also with `--json`).
    pub fn error(&self, s: impl AsRef<str>) {
        let label = Self::paint(self.color_err, Tone::Bad, "error:");
        let _ = writeln!(std::io::stderr(), "{label} {}", s.as_ref());
    }

    /// A continuation line on standard error (e.g. the reasons of a refusal).
    pub fn error_detail(&self, s: impl AsRef<str>) {
        let _ = writeln!(std::io::stderr(), "{}", s.as_ref());
    }

    /// A hint on standard error (what to do next; hidden by `--quiet`).
    pub fn hint(&self, s: impl AsRef<str>) {
        if !self.quiet {
            let label = Self::paint(self.color_err, Tone::Dim, "hint:");
            let _ = writeln!(std::io::stderr(), "{label} {}", s.as_ref());
        }
    }

    /// A note on standard error: worth knowing, not a problem (hidden by `--quiet`, `--json`).
    pub fn note(&self, s: impl AsRef<str>) {
        if !self.json && !self.quiet {
            let label = Self::paint(self.color_err, Tone::Dim, "note:");
            let _ = writeln!(std::io::stderr(), "{label} {}", s.as_ref());
        }
    }

    /// The JSON document, when `--json` was given.
    pub fn document(&self, value: &serde_json::Value) {
        if self.json {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let _ = serde_json::to_writer_pretty(&mut out, value);
            let _ = writeln!(out);
            let _ = out.flush();
        }
    }
}

pub use crate::x509::text::{opt_path_text, path_text};

/// A fingerprint shortened for people: the first 16 hex digits.
pub fn short(sha256_hex: &str) -> &str {
    &sha256_hex[..16.min(sha256_hex.len())]
}
