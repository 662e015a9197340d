//! How results reach the user: text for people (stdout), problems on stderr, or one JSON
//! document with `--json`. Commands build their JSON from the `#[derive(Serialize)]` types
//! of [`crate::cli::json`] and their own entry types, and print text through a
//! [`Printer`], which knows about `--quiet` and colour.
//!
//! This module is also where text shown to a person is made safe: names, paths and
//! messages can come from files an attacker wrote (a bundle's `# certpatch:` line, a
//! certificate's subject, a folder name), so [`escape`] writes control and bidirectional
//! formatting characters visibly, and every message is cut to [`MAX_MESSAGE_BYTES`], with
//! lists cut to [`MAX_LISTED`] items ([`capped_list`]). JSON carries the data itself (serde
//! escapes control characters inside JSON strings).
//!
//! A closed standard output (`certpatch … | head -1`) is not an error: the Printer stops
//! writing to it and the command finishes its work quietly (no panic, no message).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::ColorChoice;
pub use crate::x509::text::{
    bounded, capped_list, escape, opt_path_text, path_json, path_text, shell_path, shell_word,
    short, MAX_LISTED, MAX_MESSAGE_BYTES,
};
use crate::x509::text::{push_escaped, MAX_LINE_BYTES};

/// The colour codes [`Printer::tone`] writes (kept by [`shown`] when colour is on).
const SGR: [&str; 5] = ["\x1b[32m", "\x1b[33m", "\x1b[31;1m", "\x1b[2m", "\x1b[0m"];

/// A whole message as it reaches the terminal: cut to `max` bytes, with every character of
/// [`must_escape`] escaped except the line breaks the program wrote (callers escape the
/// names and paths they embed, so a line break in those is already `\x0a`) and, when
/// `colour` is on, the program's own colour codes. A second line of defence: an
/// unescaped name in a message can still not recolour the terminal or reorder text.
fn shown(s: &str, colour: bool, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    let mut piece = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        piece.clear();
        let taken = match SGR.iter().find(|code| colour && rest.starts_with(**code)) {
            Some(code) => {
                piece.push_str(code);
                code.len()
            }
            None if c == '\n' => {
                piece.push(c);
                1
            }
            None => {
                push_escaped(&mut piece, c);
                c.len_utf8()
            }
        };
        if out.len() + piece.len() > max {
            let left = rest.len();
            out.push_str(&format!(" … ({left} more bytes not shown)"));
            if colour {
                out.push_str(SGR[4]);
            }
            return out;
        }
        out.push_str(&piece);
        rest = &rest[taken..];
    }
    out
}

/// Set once writing to standard output failed (the reader went away, or another error).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// Set when that failure was not a closed pipe: the output is incomplete, the run failed.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `bytes` to standard output. A closed pipe (the reader exited, as `head` does)
/// is remembered and later output is dropped: the command goes on with its work (a
/// bundle write is never cut short) and ends without a message. Other errors (a full
/// disk behind a redirect) are reported once on standard error and fail the run
/// ([`stdout_failed`]).
pub fn write_stdout(bytes: &[u8]) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let result = out.write_all(bytes).and_then(|()| out.flush());
    if let Err(e) = result {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            STDOUT_FAILED.store(true, Ordering::Relaxed);
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot write to standard output: {e}"
            );
        }
    }
}

/// Whether standard output failed other than by a closed pipe: what was written there
/// is incomplete, so the run must not end with success.
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::Relaxed)
}

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
            Tone::Good => SGR[0],
            Tone::Warn => SGR[1],
            Tone::Bad => SGR[2],
            Tone::Dim => SGR[3],
        };
        format!("{code}{s}{}", SGR[4])
    }

    /// Colours `s` for standard output.
    pub fn tone(&self, tone: Tone, s: &str) -> String {
        Self::paint(self.color_out, tone, s)
    }

    /// A labelled message on standard error; write errors are ignored (there is nowhere
    /// left to report them).
    fn to_stderr(&self, label: Option<(Tone, &str)>, s: &str) {
        let body = shown(s, false, MAX_MESSAGE_BYTES);
        let _ = match label {
            Some((tone, label)) => writeln!(
                std::io::stderr(),
                "{} {body}",
                Self::paint(self.color_err, tone, label)
            ),
            None => writeln!(std::io::stderr(), "{body}"),
        };
    }

    /// A line of normal output (hidden by `--quiet` and `--json`).
    pub fn line(&self, s: impl AsRef<str>) {
        if !self.json && !self.quiet {
            let mut text = shown(s.as_ref(), self.color_out, MAX_LINE_BYTES);
            text.push('\n');
            write_stdout(text.as_bytes());
        }
    }

    /// A warning on standard error (shown with `--json` too: the document is on stdout).
    pub fn warn(&self, s: impl AsRef<str>) {
        self.to_stderr(Some((Tone::Warn, "warning:")), s.as_ref());
    }

    /// A problem on standard error (always shown, also with `--json`).
    pub fn error(&self, s: impl AsRef<str>) {
        self.to_stderr(Some((Tone::Bad, "error:")), s.as_ref());
    }

    /// A continuation line on standard error (e.g. the reasons of a refusal).
    pub fn error_detail(&self, s: impl AsRef<str>) {
        self.to_stderr(None, s.as_ref());
    }

    /// A hint on standard error (what to do next; hidden by `--quiet`).
    pub fn hint(&self, s: impl AsRef<str>) {
        if !self.quiet {
            self.to_stderr(Some((Tone::Dim, "hint:")), s.as_ref());
        }
    }

    /// What a slow step is about to do, on standard error (hidden by `--quiet`, `--json`),
    /// so that a wait has a reason on screen.
    pub fn progress(&self, s: impl AsRef<str>) {
        if !self.json && !self.quiet {
            self.to_stderr(Some((Tone::Dim, "…")), s.as_ref());
        }
    }

    /// A note on standard error: worth knowing, not a problem (hidden by `--quiet`, `--json`).
    pub fn note(&self, s: impl AsRef<str>) {
        if !self.json && !self.quiet {
            self.to_stderr(Some((Tone::Dim, "note:")), s.as_ref());
        }
    }

    /// The JSON document, when `--json` was given.
    pub fn document(&self, value: &impl serde::Serialize) {
        if self.json {
            print_document(value);
        }
    }
}

/// Writes one JSON document to standard output (pretty, with a final newline).
pub fn print_document(value: &impl serde::Serialize) {
    let value = serde_json::to_value(value)
        .map(crate::cli::json::with_bundle_paths)
        .unwrap_or_default();
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    write_stdout(text.as_bytes());
}

/// The last line of a command, one per run: `done: WHAT`, `dry run: WHAT; nothing was
/// written`, or `failed: WHAT` (the reasons are above it).
pub fn summary_text(ok: bool, dry_run: bool, what: &str) -> String {
    match (ok, dry_run) {
        (true, false) => format!("done: {what}"),
        (_, true) => format!("dry run: {what}; nothing was written"),
        (false, false) => format!("failed: {what} (see above)"),
    }
}

/// `--bundle PATH`, the path quoted for the shell ([`shell_path`]): how every command
/// certpatch prints for pasting names a bundle.
pub fn bundle_flag(path: &std::path::Path) -> String {
    format!("--bundle {}", shell_path(path))
}

/// The first [`MAX_LISTED`] of `items`, for a list printed one item a line (or a few lines
/// per item), and the line that counts the rest ("… and N more WHAT; `--json` has them
/// all"), if any: what [`capped_list`] does for a list inside one message.
pub fn capped_lines<'a, T>(items: &'a [T], what: &str) -> (&'a [T], Option<String>) {
    let shown = &items[..items.len().min(MAX_LISTED)];
    let more = items.len() - shown.len();
    (
        shown,
        (more > 0).then(|| format!("… and {more} more {what}; `--json` has them all")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_writes_controls_and_bidi_visibly() {
        assert_eq!(escape("R10"), "R10");
        assert!(matches!(
            escape("R10 \u{e9}\u{4e2d}"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            escape("a\nb\u{1b}[31m\u{7f}\u{85}\t"),
            "a\\x0ab\\x1b[31m\\x7f\\x85\\x09"
        );
        assert_eq!(
            escape("evil\u{202e}gpj.exe\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}\u{2028}"),
            "evil\\u{202e}gpj.exe\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{061c}\\u{2028}"
        );
        assert_eq!(crate::x509::cert::printable("x\u{202b}y"), "x\\u{202b}y");
        assert_eq!(
            path_text(std::path::Path::new("/tmp/a\u{202a}\n")),
            "/tmp/a\\u{202a}\\x0a"
        );
        assert_eq!(path_json(std::path::Path::new("/tmp/a\n")), "/tmp/a\n");
    }

    #[test]
    fn shown_keeps_own_line_breaks_and_colours_only() {
        let max = MAX_MESSAGE_BYTES;
        assert_eq!(
            shown("a\nb\rc\u{1b}]0;x", false, max),
            "a\nb\\x0dc\\x1b]0;x"
        );
        let painted = Printer::paint(true, Tone::Good, "ok:");
        assert_eq!(shown(&painted, true, max), painted);
        assert_eq!(shown(&painted, false, max), "\\x1b[32mok:\\x1b[0m");
        assert_eq!(shown("\u{1b}[2J", true, max), "\\x1b[2J");
        let cut = shown(&"\u{1b}".repeat(100_000), false, max);
        assert!(cut.len() < max + 64, "{}", cut.len());
        assert!(cut.ends_with(" … (98976 more bytes not shown)"), "{cut}");
    }

    #[test]
    fn lines_are_capped_with_a_count_of_the_rest() {
        let items: Vec<usize> = (0..25).collect();
        let (shown, more) = capped_lines(&items, "rows");
        assert_eq!(shown.len(), MAX_LISTED);
        assert_eq!(
            more.as_deref(),
            Some("… and 15 more rows; `--json` has them all")
        );
        assert_eq!(capped_lines(&items[..3], "rows"), (&items[..3], None));
    }

    #[test]
    fn messages_and_lists_are_capped() {
        let long = "é".repeat(MAX_MESSAGE_BYTES);
        let cut = bounded(&long);
        assert!(cut.len() < MAX_MESSAGE_BYTES + 64, "{}", cut.len());
        assert!(cut.ends_with(&format!("({} more bytes not shown)", MAX_MESSAGE_BYTES)));
        assert_eq!(bounded("short"), "short");
        let items: Vec<String> = (0..25).map(|i| i.to_string()).collect();
        assert_eq!(
            capped_list(&items, ", "),
            "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … and 15 more"
        );
        assert_eq!(capped_list(["a", "b"], ", "), "a, b");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::x509::text::must_escape;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a name holds, what is shown holds no control or bidirectional
        /// formatting character, and only the program's line breaks survive `shown`.
        #[test]
        fn nothing_dangerous_survives(s in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{200b}-\\u{200f}\\u{2060}-\\u{2064}\\u{feff}\\u{ad}\\u{61c}a-z]*") {
            let e = escape(&s);
            prop_assert!(!e.chars().any(must_escape), "{:?}", e);
            let m = shown(&s, false, MAX_MESSAGE_BYTES);
            prop_assert!(!m.chars().any(|c| c != '\n' && must_escape(c)), "{:?}", m);
            prop_assert!(m.len() <= MAX_MESSAGE_BYTES + 64);
        }
    }
}
