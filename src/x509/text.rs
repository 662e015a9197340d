//! Text that more than one layer writes for people and JSON, made safe once for all of
//! them: names, paths and messages can come from files an attacker wrote (a bundle's
//! `# certpatch:` line, a certificate's subject, a folder name), so [`escape`] writes
//! control and bidirectional formatting characters visibly, messages are cut to
//! [`MAX_MESSAGE_BYTES`] and lists to [`MAX_LISTED`] items ([`capped_list`]). It lives at
//! the bottom so that `discover` and `store` word their notes and problems exactly as the
//! cli words everything else (the cli re-exports these from `cli::output` and `cli::exit`).

use std::borrow::Cow;

/// At most this many items of a list (unknown PEM blocks, certificates, patches) are
/// named in one message; the rest are counted ("… and N more").
pub const MAX_LISTED: usize = 10;

/// No message on standard error is longer than this; the rest is counted, not shown.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// No line of normal output is longer than this (room for an `undo with:` line naming
/// hundreds of fingerprints, not for a multi-megabyte certificate name).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Whether `c` must not reach a terminal as itself: control characters (C0, DEL, C1,
/// which move the cursor, start escape sequences or break lines), bidirectional
/// formatting characters (which reorder what is shown: U+202A–U+202E, U+2066–U+2069,
/// U+200E, U+200F, U+061C), the Unicode line and paragraph separators, and characters
/// that show nothing at all (which make two different names look the same: the zero-width
/// space, non-joiner and joiner U+200B–U+200D, the word joiner and invisible operators
/// U+2060–U+2064, the byte order mark U+FEFF, the soft hyphen U+00AD, the Mongolian vowel
/// separator U+180E and the combining grapheme joiner U+034F).
pub(crate) fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{200b}'..='\u{200d}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                | '\u{00ad}'
                | '\u{180e}'
                | '\u{034f}'
        )
}

/// `s` made safe to show on a terminal: control characters written as `\xNN`, the other
/// characters of `must_escape` as `\u{NNNN}`; everything else as it is. The one escaping
/// for text output: [`path_text`] and `cert::printable` use it.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(must_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

pub(crate) fn push_escaped(out: &mut String, c: char) {
    if !must_escape(c) {
        out.push(c);
    } else if (c as u32) < 0x100 {
        out.push_str(&format!("\\x{:02x}", c as u32));
    } else {
        out.push_str(&format!("\\u{{{:04x}}}", c as u32));
    }
}

/// `s` cut to [`MAX_MESSAGE_BYTES`] (on a character boundary), saying how much was left out:
/// for messages kept as data (JSON) as well as shown.
pub fn bounded(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_MESSAGE_BYTES {
        return Cow::Borrowed(s);
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{} … ({} more bytes not shown)",
        &s[..end],
        s.len() - end
    ))
}

/// The first [`MAX_LISTED`] of `items` joined with `sep`, then "… and N more" for the rest.
pub fn capped_list<I>(items: I, sep: &str) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut shown = Vec::new();
    let mut more = 0usize;
    for item in items {
        if shown.len() < MAX_LISTED {
            shown.push(item.as_ref().to_string());
        } else {
            more += 1;
        }
    }
    let mut out = shown.join(sep);
    if more > 0 {
        out.push_str(&format!("{sep}… and {more} more"));
    }
    out
}

/// An error and its causes on one line each: `msg\n  caused by: cause`, cut to
/// [`MAX_MESSAGE_BYTES`]. This is the data (it goes into JSON as it is); the Printer
/// escapes it for a terminal.
pub fn chain(err: &anyhow::Error) -> String {
    let mut out = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !out.contains(&cause) {
            out.push_str("\n  caused by: ");
            out.push_str(&cause);
        }
    }
    bounded(&out).into_owned()
}

/// A path as text for messages: without a `\\?\` prefix where the plain form means the
/// same (Windows; `dunce`), lossy UTF-8, then [`escape`]d.
pub fn path_text(p: &std::path::Path) -> String {
    escape(&dunce::simplified(p).to_string_lossy()).into_owned()
}

/// A path as a JSON string: the data itself (lossy UTF-8 only, since JSON strings must be
/// UTF-8); serde escapes control characters inside it.
pub fn path_json(p: &std::path::Path) -> String {
    dunce::simplified(p).to_string_lossy().into_owned()
}

/// An optional path as JSON text or `null` (see [`path_json`]).
pub fn opt_path_text(p: Option<&std::path::Path>) -> serde_json::Value {
    p.map_or(serde_json::Value::Null, |p| {
        serde_json::Value::String(path_json(p))
    })
}

/// A fingerprint shortened for people: the first 16 hex digits.
pub fn short(sha256_hex: &str) -> &str {
    &sha256_hex[..16.min(sha256_hex.len())]
}

/// `word` quoted for the POSIX shell (with the `shlex` crate), for every command certpatch
/// prints for a person to paste: a folder or package name may hold `;`, `$(…)` or
/// quotes, and a pasted command must run only what it says. A NUL (which no argument can
/// hold) is dropped.
///
/// On Windows the word is quoted for cmd and PowerShell instead ([`windows_word`]).
///
/// The quoted word is then [`escape`]d like any name shown on a terminal: quotes keep a
/// line break in a folder's name as itself, and the Printer leaves the line breaks of
/// the text it is given alone, so a name holding `\n` would otherwise put a line of
/// its author's choosing under certpatch's own. Such a word shows its line break as
/// `\x0a` (the command then names the folder only for a person to read).
pub fn shell_word(word: &str) -> String {
    #[cfg(windows)]
    let quoted = windows_word(word);
    #[cfg(not(windows))]
    let quoted = posix_word(word);
    escape(&quoted).into_owned()
}

/// `word` quoted for the POSIX shell.
pub fn posix_word(word: &str) -> String {
    match shlex::try_quote(word) {
        Ok(q) => q.into_owned(),
        Err(_) => posix_word(&word.replace('\0', "")),
    }
}

/// `word` quoted for a person pasting into cmd or PowerShell: left as it is when it holds
/// only characters neither shell treats specially (ASCII letters, digits, `\ / : . _ -`);
/// else in double quotes, which both shells read literally when the word holds none of
/// `" % ! $` and the backtick (backslashes stay single: neither shell escapes with them);
/// else (rare: such characters in a path) in PowerShell's single quotes, with `'` doubled,
/// which cmd does not understand. A NUL and line breaks (which no pasted argument can
/// hold) are dropped.
pub fn windows_word(word: &str) -> String {
    let word: String = word
        .chars()
        .filter(|c| !matches!(c, '\0' | '\r' | '\n'))
        .collect();
    let plain = |c: char| c.is_ascii_alphanumeric() || "\\/:._-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word;
    }
    if !word.chars().any(|c| "\"%!$`".contains(c)) {
        return format!("\"{word}\"");
    }
    format!("'{}'", word.replace('\'', "''"))
}

/// A path as one shell word ([`shell_word`] of its text).
pub fn shell_path(path: &std::path::Path) -> String {
    shell_word(&path.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::{escape, windows_word};

    #[test]
    fn windows_words_are_quoted_for_cmd_and_powershell() {
        assert_eq!(
            windows_word(r"C:\envs\py\cacert.pem"),
            r"C:\envs\py\cacert.pem"
        );
        assert_eq!(
            windows_word(r"C:\Program Files\Python312\Lib\site-packages\certifi\cacert.pem"),
            r#""C:\Program Files\Python312\Lib\site-packages\certifi\cacert.pem""#
        );
        assert_eq!(windows_word(r"D:\a&b (x)\c.pem"), r#""D:\a&b (x)\c.pem""#);
        assert_eq!(windows_word(r"C:\100%\it's $x"), r"'C:\100%\it''s $x'");
        assert_eq!(windows_word(""), r#""""#);
        assert_eq!(windows_word("a\nb"), "ab");
    }

    /// On Windows every printed command is quoted for cmd/PowerShell, never for POSIX
    /// (whose `"C:\\x y"` doubles every backslash).
    #[cfg(windows)]
    #[test]
    fn printed_paths_on_windows_keep_single_backslashes() {
        let p = std::path::Path::new(r"Z:\tmp\my envs\cacert.pem");
        assert_eq!(super::shell_path(p), r#""Z:\tmp\my envs\cacert.pem""#);
    }

    #[test]
    fn a_line_break_in_a_quoted_word_is_written_visibly() {
        let word = super::shell_word("/srv/p\nerror: forged/cacert.pem");
        assert!(!word.contains('\n'), "{word}");
        // POSIX names may hold a line break: it is shown. Windows names cannot: the
        // cmd/PowerShell quoting drops it (`windows_word`).
        #[cfg(not(windows))]
        assert!(word.contains("p\\x0aerror: forged"), "{word}");
        #[cfg(windows)]
        assert!(word.contains("perror: forged"), "{word}");
        // A plain path is quoted as before.
        assert_eq!(super::shell_word("/srv/p/cacert.pem"), "/srv/p/cacert.pem");
    }

    #[test]
    fn invisible_characters_are_written_visibly() {
        assert_eq!(
            escape("R\u{200b}1\u{200c}0\u{200d}x\u{2060}y\u{2064}z\u{feff}"),
            "R\\u{200b}1\\u{200c}0\\u{200d}x\\u{2060}y\\u{2064}z\\u{feff}"
        );
        assert_eq!(
            escape("soft\u{ad}hyphen\u{180e}\u{34f}"),
            "soft\\xadhyphen\\u{180e}\\u{034f}"
        );
        // Visible neighbours stay as they are.
        assert!(matches!(
            escape("R10 \u{200a}\u{2010}\u{2065}\u{fefe}"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
