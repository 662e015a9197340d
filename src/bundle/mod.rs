//! A CA bundle as certpatch sees it: certificates, certpatch's own patches, and everything
//! else left exactly as it is.
//!
//! Bundles are read leniently (foreign text, CRLF, no final newline, damaged blocks) because
//! certpatch must never refuse to undo its own work on a bundle someone else edited. Patches
//! are appended as self-describing blocks, so that removing one gives back the bytes that
//! were there before it, whatever order patches are removed in:
//!
//! ```text
//! <blank line: one line ending>          (absent when the bundle was empty)
//! # certpatch: added 2026-11-29T02:03:04Z from le-r10.pem
//! # Issuer: CN=ISRG Root X1 O=Internet Security Research Group
//! # Subject: CN=R10 O=Let's Encrypt
//! # Label: "R10"
//! # Serial: 1234
//! # MD5 Fingerprint: …
//! # SHA1 Fingerprint: …
//! # SHA256 Fingerprint: …
//! -----BEGIN CERTIFICATE-----
//! …
//! -----END CERTIFICATE-----
//! ```
//!
//! When the bundle did not end with a line ending, the patch adds one more line ending
//! before the blank line and says so on its first line (`; final newline added`), so removal
//! takes that away too. The line ending (LF or CRLF) is that of the bundle's last line.
//!
//! A pure layer: bytes in, bytes out, no I/O. It may import only [`crate::x509`]. Its
//! property tests are in `review_properties.rs` (test-only).

use std::borrow::Cow;
use std::ops::Range;

use crate::x509::cert::{hex_colons, Cert};

/// The first line of every patch starts with this.
pub const MARKER: &str = "# certpatch:";
const FINAL_NEWLINE_FLAG: &str = "; final newline added";

/// A parsed bundle.
pub struct Bundle {
    pub bytes: Vec<u8>,
    /// Every certificate in the file, patches included, in file order.
    pub certs: Vec<Cert>,
    /// certpatch's patches, in file order.
    pub patches: Vec<Patch>,
    /// PEM blocks that could not be decoded (left untouched, reported).
    pub damaged_blocks: usize,
}

/// What `find` reports about a bundle.
pub struct Summary {
    pub certificates: usize,
    pub patches: Vec<Patch>,
}

/// One certpatch patch found in a bundle.
pub struct Patch {
    /// The bytes the patch occupies, separator included; removing them undoes it.
    pub range: Range<usize>,
    pub cert: Cert,
    /// When it was added, as written in its first line (RFC 3339).
    pub added: Option<String>,
    /// Where the certificate came from, as written in its first line.
    pub source: Option<String>,
    /// Whether its first line says it added a final newline to what came before.
    flagged: bool,
    /// Whether `range` includes that added line ending (it does while the blank line
    /// before the patch is intact).
    took_terminator: bool,
    /// Where the text of its first line ends (before the line ending).
    marker_end: usize,
    /// The patch's line ending.
    eol: &'static [u8],
}

struct Line {
    start: usize,
    end: usize, // excluding the line ending
    next: usize,
}

fn lines(bytes: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let (end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => {
                let nl = start + i;
                let end = if nl > start && bytes[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (end, nl + 1)
            }
            None => (bytes.len(), bytes.len()),
        };
        out.push(Line { start, end, next });
        start = next;
    }
    out
}

/// A line's text, trimmed (borrowed when the line is valid UTF-8, as nearly every line is).
fn text<'a>(bytes: &'a [u8], line: &Line) -> Cow<'a, str> {
    let raw = &bytes[line.start..line.end];
    if raw.is_ascii() {
        // ASCII is UTF-8: no lossy conversion to pay for.
        return Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default().trim());
    }
    match String::from_utf8_lossy(raw) {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    }
}

impl Bundle {
    pub fn parse(bytes: Vec<u8>) -> Bundle {
        Bundle::scan(bytes, true)
    }

    fn scan(bytes: Vec<u8>, decode: bool) -> Bundle {
        let lines = lines(&bytes);
        let mut certs = Vec::new();
        let mut patches = Vec::new();
        let mut damaged_blocks = 0;
        let mut i = 0;
        while i < lines.len() {
            let t = text(&bytes, &lines[i]);
            if t.starts_with(MARKER) {
                if let Some((patch, after)) = parse_patch(&bytes, &lines, i, 0) {
                    certs.push(patch.cert.clone());
                    patches.push(patch);
                    i = after;
                    continue;
                }
            }
            if opens_certificate(&bytes[lines[i].start..lines[i].end]) {
                match read_block(&bytes, &lines, i, decode) {
                    Some((Ok(cert), after)) => {
                        certs.push(cert);
                        i = after;
                    }
                    Some((Err(()), after)) => {
                        damaged_blocks += 1;
                        i = after;
                    }
                    None => {
                        damaged_blocks += 1;
                        i += 1;
                    }
                }
                continue;
            }
            i += 1;
        }
        if !decode {
            certs.clear();
            damaged_blocks = 0;
        }
        Bundle {
            bytes,
            certs,
            patches,
            damaged_blocks,
        }
    }

    /// The certificate count and the patches, without decoding every certificate: what
    /// `find` needs for hundreds of bundles. Counts the `-----BEGIN CERTIFICATE-----` lines
    /// OpenSSL reads as one (at a line's start, or after the file's byte order mark; see
    /// [`opens_certificate`]).
    pub fn summary(bytes: &[u8]) -> Summary {
        let certificates = memchr::memmem::find_iter(bytes, b"-----BEGIN CERTIFICATE-----")
            .filter(|&at| {
                at == 0 || bytes[at - 1] == b'\n' || (at == 3 && bytes.starts_with(b"\xEF\xBB\xBF"))
            })
            .count();
        let mut patches = Vec::new();
        if memchr::memmem::find(bytes, MARKER.as_bytes()).is_some() {
            let lines = lines(bytes);
            let mut i = 0;
            while i < lines.len() {
                if text(bytes, &lines[i]).starts_with(MARKER) {
                    if let Some((patch, after)) = parse_patch(bytes, &lines, i, 0) {
                        patches.push(patch);
                        i = after;
                        continue;
                    }
                }
                i += 1;
            }
        }
        Summary {
            certificates,
            patches,
        }
    }

    /// Whether this exact certificate is already in the bundle.
    pub fn contains(&self, cert: &Cert) -> bool {
        self.certs.iter().any(|c| c.der == cert.der)
    }

    /// The bytes with the given patches (indexes into `patches`) taken out.
    ///
    /// One pass over the bytes, with no second parse of the bundle: the same result as
    /// taking the patches out one at a time, last first, re-reading the bundle in between
    /// (`without_reference`, kept for the differential test). Taking out a patch changes
    /// bytes only at its seam: it may hand its final-newline flag to the patch right after
    /// it (which moves that patch's separator), and it never moves anything before it. So
    /// the text is kept as its untouched beginning `bytes[..kept]` plus the already-joined
    /// rest (stored reversed, so each removal only prepends), and what a re-read would
    /// tell about the seam is found by reading a few lines around it ([`read_seam`]).
    pub fn without(&self, remove: &[usize]) -> Vec<u8> {
        let mut order: Vec<usize> = remove
            .iter()
            .copied()
            .filter(|&i| i < self.patches.len())
            .collect();
        order.sort_unstable();
        order.dedup();
        let bytes = &self.bytes;
        let mut kept = bytes.len();
        let mut tail_rev: Vec<u8> = Vec::new();
        for &i in order.iter().rev() {
            // Everything before `kept` is as parsed, so this patch reads as it did in
            // `self` (same separator, flag and line ending), except that a flagged patch
            // after it may have taken its last line ending (when nothing followed).
            let p = &self.patches[i];
            let end = p.range.end.min(kept);
            tail_rev.extend(bytes[end..kept].iter().rev());
            match read_seam(bytes, p, end, &tail_rev) {
                Some(flag_at) => {
                    if let Some(m) = flag_at {
                        let head: Vec<u8> = (0..m).map(|_| tail_rev.pop().unwrap()).collect();
                        tail_rev.extend(FINAL_NEWLINE_FLAG.bytes().rev());
                        tail_rev.extend(head.iter().rev());
                    }
                    // The line before keeps its ending when something follows: the
                    // patch's range begins with exactly those bytes.
                    kept = if p.took_terminator && !tail_rev.is_empty() {
                        p.range.start + p.eol.len()
                    } else {
                        p.range.start
                    };
                }
                None => kept = line_start(bytes, p.marker_end),
            }
        }
        let mut out = Vec::with_capacity(kept + tail_rev.len());
        out.extend_from_slice(&bytes[..kept]);
        out.extend(tail_rev.iter().rev());
        out
    }

    /// The bytes with every certpatch patch taken out: what the bundle was before certpatch.
    pub fn pristine(&self) -> Vec<u8> {
        let all: Vec<usize> = (0..self.patches.len()).collect();
        self.without(&all)
    }
}

/// What re-reading the text around one removal's seam tells, without reading the rest of
/// the bundle: `None` when joining the text around the patch would turn foreign text into
/// something that reads as a patch (then only the patch's own lines go, its blank line
/// stays), else where in the rest to add the final-newline flag the patch hands to the
/// patch right after it, if it does.
///
/// `p` is read as in the whole bundle, but ends at `end`; the text now is `bytes[..end]`
/// then the rest (`tail_rev` reversed). Whether a line begins a patch depends only on that line, the
/// few bytes before it (its blank line) and the lines after it up to the end of its
/// certificate block: its `#` lines, a `-----BEGIN CERTIFICATE-----` line, and the lines
/// to the next `-----BEGIN ` or `-----END CERTIFICATE-----` line (a *fence*); such a line
/// never lies inside another patch or block (a patch's own fence would end that block
/// first). So a line reads differently after the join only if it is within two fences of
/// the seam: the window read here runs from the second fence before the seam to the second
/// fence after the lines the join changes, and patches found in it are compared before and
/// after, as the whole bundle's would be.
fn read_seam(bytes: &[u8], p: &Patch, end: usize, tail_rev: &[u8]) -> Option<Option<usize>> {
    let ws = window_start(bytes, p.range.start);
    let fwd = rest_window(tail_rev.iter().rev().copied());
    let mut now = bytes[ws..end].to_vec();
    now.extend_from_slice(&fwd);
    let now_patches = window_patches(&now, ws);
    let joined_with_eol = p.took_terminator && !tail_rev.is_empty();
    let mut flag_at = None;
    if joined_with_eol {
        // The patch right after, if it begins where this one ends, inherits the flag.
        let at = end - ws;
        if let Some((_, next)) = now_patches.iter().find(|(_, n)| n.range.start == at) {
            if !next.flagged {
                flag_at = Some(next.marker_end - at);
            }
        }
    }
    let mut joined = bytes[ws..p.range.start].to_vec();
    if joined_with_eol {
        joined.extend_from_slice(p.eol);
    }
    match flag_at {
        Some(m) => {
            joined.extend_from_slice(&fwd[..m]);
            joined.extend_from_slice(FINAL_NEWLINE_FLAG.as_bytes());
            joined.extend_from_slice(&fwd[m..]);
        }
        None => joined.extend_from_slice(&fwd),
    }
    let own = line_start(bytes, p.marker_end) - ws;
    let want: Vec<[u8; 32]> = now_patches
        .iter()
        .filter(|(line, _)| *line != own)
        .map(|(_, n)| n.cert.sha256())
        .collect();
    let got: Vec<[u8; 32]> = window_patches(&joined, ws)
        .iter()
        .map(|(_, n)| n.cert.sha256())
        .collect();
    (got == want).then_some(flag_at)
}

/// The patches that begin in `window` (which begins at `base` in the file), each with
/// where its first line starts in the window.
fn window_patches(window: &[u8], base: usize) -> Vec<(usize, Patch)> {
    let lines = lines(window);
    (0..lines.len())
        .filter(|&i| text(window, &lines[i]).starts_with(MARKER))
        .filter_map(|i| parse_patch(window, &lines, i, base).map(|(p, _)| (lines[i].start, p)))
        .collect()
}

/// Where the line holding `bytes[pos]` (or the line that would begin at `pos`) starts.
fn line_start(bytes: &[u8], pos: usize) -> usize {
    memchr::memrchr(b'\n', &bytes[..pos]).map_or(0, |i| i + 1)
}

/// A line that ends the lookahead of a certificate block.
fn is_fence(t: &str) -> bool {
    t.starts_with("-----BEGIN ") || t == "-----END CERTIFICATE-----"
}

/// The start of the second fence line before the line holding the byte before `seam`
/// (0 when there are fewer): no line before it reads past the first of those fences.
fn window_start(bytes: &[u8], seam: usize) -> usize {
    if seam == 0 {
        return 0;
    }
    let mut start = line_start(bytes, seam - 1);
    let mut fences = 0;
    while start > 0 && fences < 2 {
        let prev = line_start(bytes, start - 1);
        let mut end = start - 1;
        if end > prev && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let line = Line {
            start: prev,
            end,
            next: start,
        };
        if is_fence(&text(bytes, &line)) {
            fences += 1;
        }
        start = prev;
    }
    start
}

/// The beginning of the rest after a seam: past the first line starting 5 bytes in (a
/// patch beginning at the seam has its first line before that: at most two CRLF blank
/// lines come first), 8 bytes more (so the lines after it look back at no changed byte),
/// then up to the end of the second fence line from there, or all of it.
fn rest_window(rest: impl Iterator<Item = u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut line = 0;
    let mut first_after = None;
    let mut from = None;
    let mut fences = 0;
    for b in rest {
        out.push(b);
        if b != b'\n' {
            continue;
        }
        if from.is_some_and(|from| line >= from) {
            let mut end = out.len() - 1;
            if end > line && out[end - 1] == b'\r' {
                end -= 1;
            }
            let l = Line {
                start: line,
                end,
                next: out.len(),
            };
            if is_fence(&text(&out, &l)) {
                fences += 1;
                if fences == 2 {
                    break;
                }
            }
        }
        line = out.len();
        if first_after.is_none() && line >= 5 {
            first_after = Some(line);
        }
        if let Some(f) = first_after {
            if from.is_none() && line >= f + 8 {
                from = Some(line);
            }
        }
    }
    out
}

/// Whether a line opens a certificate block as OpenSSL's PEM reader sees one, and so as
/// Python loads the bundle: `-----BEGIN CERTIFICATE-----` (or `TRUSTED CERTIFICATE`) from
/// the line's first byte, after at most one UTF-8 byte order mark (which OpenSSL 3 skips),
/// with only white space after it. OpenSSL skips an indented block, so it is not a
/// certificate of the bundle here either: counting it would accept an intermediate
/// "issued by a root the bundle trusts" that Python then cannot chain.
fn opens_certificate(raw: &[u8]) -> bool {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    let end = raw
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    matches!(
        &raw[..end],
        b"-----BEGIN CERTIFICATE-----" | b"-----BEGIN TRUSTED CERTIFICATE-----"
    )
}

/// Reads a PEM certificate block starting at line `i`; returns it and the index after it.
/// With `decode` false, only finds where the block ends (its certificate is `Err`).
fn read_block(
    bytes: &[u8],
    lines: &[Line],
    i: usize,
    decode: bool,
) -> Option<(Result<Cert, ()>, usize)> {
    let begin = text(bytes, &lines[i]);
    let label = begin
        .trim_start_matches('\u{feff}')
        .trim_start_matches("-----BEGIN ")
        .trim_end_matches('-')
        .to_string();
    let end_line = format!("-----END {label}-----");
    let j = (i + 1..lines.len()).find(|&j| {
        // A base64 line holds no '-': only the others need to be read as text.
        memchr::memchr(b'-', &bytes[lines[j].start..lines[j].end]).is_some() && {
            let t = text(bytes, &lines[j]);
            t == end_line || t.starts_with("-----BEGIN ")
        }
    })?;
    if text(bytes, &lines[j]) != end_line {
        return None;
    }
    if !decode {
        return Some((Err(()), j + 1));
    }
    let contents = match plain_base64(bytes, &lines[i + 1..j]) {
        Some(contents) => contents,
        None => pem::parse(&bytes[lines[i].start..lines[j].end])
            .ok()
            .map(pem::Pem::into_contents),
    };
    let cert = contents
        .and_then(|contents| {
            let der = if label == "TRUSTED CERTIFICATE" {
                trusted_cert_der(&contents)?
            } else {
                contents
            };
            Cert::from_der(&der).ok()
        })
        .ok_or(());
    Some((cert, j + 1))
}

/// The decoded body of a PEM block whose lines (between BEGIN and END) hold nothing but
/// base64 and white space, as every block of a real bundle does: the bytes `pem::parse`
/// would give, without its general parser. `None` when a line holds anything else
/// (headers, stray text), for `pem::parse` to decide; `Some(None)` when the base64 is bad.
fn plain_base64(bytes: &[u8], body: &[Line]) -> Option<Option<Vec<u8>>> {
    use base64::Engine;
    let mut data = Vec::with_capacity(body.iter().map(|l| l.end - l.start).sum());
    for line in body {
        data.extend_from_slice(&bytes[line.start..line.end]);
    }
    // The decoder refuses any byte outside the alphabet, so when it succeeds on the lines
    // as they are, every line was plain base64; otherwise they are looked at byte by byte.
    if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&data) {
        return Some(Some(der));
    }
    data.clear();
    for line in body {
        for &b in &bytes[line.start..line.end] {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => data.push(b),
                b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c' => {}
                _ => return None,
            }
        }
    }
    Some(base64::engine::general_purpose::STANDARD.decode(&data).ok())
}

fn trusted_cert_der(contents: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let mut reader = der::SliceReader::new(contents).ok()?;
    let any = der::asn1::AnyRef::decode(&mut reader).ok()?;
    der::Encode::to_der(&any).ok()
}

/// Parses a patch whose first line is line `i`. A marker line that is not followed by a
/// well-formed block is not a patch (and is left alone as foreign text).
///
/// `base` is where `bytes` begins in the file (not 0 when reading a window around a seam):
/// only the file's beginning is special.
fn parse_patch(bytes: &[u8], lines: &[Line], i: usize, base: usize) -> Option<(Patch, usize)> {
    let first = text(bytes, &lines[i]);
    // Only certpatch's own block is a patch: `added TIME from SOURCE` on the first line,
    // and a `# SHA256 Fingerprint:` line that is the certificate's. A hand-written
    // `# certpatch:` comment above a certificate, or a block whose base64 was edited, is
    // foreign text and is never removed.
    let header = first[MARKER.len()..].trim();
    let flagged = header.ends_with(FINAL_NEWLINE_FLAG);
    let rest = header
        .trim_end_matches(FINAL_NEWLINE_FLAG)
        .strip_prefix("added ")?;
    // An empty source (or one of spaces, written before they were escaped) leaves the
    // line ending in ` from` once trimmed.
    let (added, source) = rest
        .split_once(" from ")
        .or_else(|| Some((rest.strip_suffix(" from")?, "")))?;
    let mut fingerprint = None;
    let mut j = i + 1;
    while j < lines.len() && text(bytes, &lines[j]).starts_with('#') {
        let t = text(bytes, &lines[j]);
        if t.starts_with(MARKER) {
            // Another marker before the certificate: that one begins the patch.
            return None;
        }
        if let Some(f) = t.strip_prefix("# SHA256 Fingerprint:") {
            fingerprint = Some(f.trim().to_ascii_lowercase());
        }
        j += 1;
    }
    if j >= lines.len() || text(bytes, &lines[j]) != "-----BEGIN CERTIFICATE-----" {
        return None;
    }
    let (cert, after) = read_block(bytes, lines, j, true)?;
    let cert = cert.ok()?;
    if fingerprint? != hex_colons(&cert.sha256()) {
        return None;
    }
    let eol: &'static [u8] = if lines[i].next > lines[i].end + 1 {
        b"\r\n"
    } else {
        b"\n"
    };
    // The separator this patch put before itself: a blank line (one line ending after the
    // previous line's own), plus the previous line's ending when the patch added it. If
    // the blank line is gone (someone stripped blank lines), the bytes before the patch
    // are left alone, so removing it can never join two lines.
    let h = lines[i].start;
    let blank_before = if flagged {
        bytes[..h].ends_with(&[eol, eol].concat())
    } else {
        // One patch line ending after whatever ending the line before it has (a bundle
        // may mix CRLF and LF).
        bytes[..h].ends_with(eol) && bytes[..h - eol.len()].ends_with(b"\n")
    };
    let (start, took_terminator) = match (base + h, blank_before, flagged) {
        (0, _, _) => (0, false),
        // Only the separator is left before it (the patches before it, on a bundle that
        // was empty, were removed): nothing is joined by taking it away.
        (_, false, _) if base == 0 && &bytes[..h] == eol => (0, false),
        (_, true, true) => (h - 2 * eol.len(), true),
        (_, true, false) => (h - eol.len(), false),
        (_, false, _) => (h, false),
    };
    let end = lines[after - 1].next;
    Some((
        Patch {
            range: start..end,
            cert,
            added: Some(added.to_string()),
            source: Some(unescape(source)),
            flagged,
            took_terminator,
            marker_end: lines[i].end,
            eol,
        },
        after,
    ))
}

/// The bytes to append to `existing` to add `cert`.
pub fn render_patch(existing: &[u8], cert: &Cert, added: &str, source: &str) -> Vec<u8> {
    // The ending of the last line, which is the one the patch follows.
    let eol = match existing.iter().rposition(|&b| b == b'\n') {
        Some(i) if i > 0 && existing[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    };
    let mut out = String::new();
    // Lines are read back trimmed, so trailing spaces in the source are escaped too (a
    // file named ` ` would otherwise leave `from` at the end of the line, not a patch).
    let source = escape(source).replace(';', "\\x3b");
    let kept = source.trim_end_matches(' ');
    let source = format!("{kept}{}", "\\x20".repeat(source.len() - kept.len()));
    let mut first = format!("{MARKER} added {added} from {source}");
    if !existing.is_empty() {
        if !existing.ends_with(b"\n") {
            out.push_str(eol);
            first.push_str(FINAL_NEWLINE_FLAG);
        }
        out.push_str(eol);
    }
    for line in [
        first,
        format!("# Issuer: {}", escape(cert.issuer_certifi())),
        format!("# Subject: {}", escape(cert.subject_certifi())),
        format!("# Label: \"{}\"", escape(cert.label())),
        format!("# Serial: {}", cert.serial_decimal()),
        format!("# MD5 Fingerprint: {}", hex_colons(&cert.md5())),
        format!("# SHA1 Fingerprint: {}", hex_colons(&cert.sha1())),
        format!("# SHA256 Fingerprint: {}", hex_colons(&cert.sha256())),
    ] {
        out.push_str(&line);
        out.push_str(eol);
    }
    out.push_str(&cert.pem(eol));
    debug_assert!(out.is_ascii());
    out.into_bytes()
}

/// Escapes text to ASCII the way certifi's headers do (Python's `unicode_escape`):
/// `\xNN` below U+0100, `\uNNNN` in the BMP, `\UNNNNNNNN` above; control characters and
/// backslashes escaped too, so a header is always one ASCII line.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out
}

/// Reverses [`escape`] (lenient: unknown escapes stay as written).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let width = match chars.peek() {
            Some('x') => 2,
            Some('u') => 4,
            Some('U') => 8,
            Some('\\') => {
                chars.next();
                out.push('\\');
                continue;
            }
            Some(&c @ ('n' | 'r' | 't')) => {
                chars.next();
                out.push(match c {
                    'n' => '\n',
                    'r' => '\r',
                    _ => '\t',
                });
                continue;
            }
            _ => {
                out.push('\\');
                continue;
            }
        };
        let kind = chars.next().unwrap_or('x');
        let digits: String = chars.by_ref().take(width).collect();
        match u32::from_str_radix(&digits, 16)
            .ok()
            .and_then(char::from_u32)
        {
            Some(ch) if digits.len() == width => out.push(ch),
            _ => {
                out.push('\\');
                out.push(kind);
                out.push_str(&digits);
            }
        }
    }
    out
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    fn r10() -> Cert {
        let text = std::fs::read(format!(
            "{}/fixtures/real/le-r10.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        Cert::from_der(pem::parse(text).unwrap().contents()).unwrap()
    }

    fn round_trip(original: &[u8]) {
        let cert = r10();
        let mut patched = original.to_vec();
        patched.extend(render_patch(
            original,
            &cert,
            "2026-01-01T00:00:00Z",
            "r10.pem",
        ));
        let bundle = Bundle::parse(patched.clone());
        assert_eq!(bundle.patches.len(), 1, "patch found in {patched:?}");
        assert_eq!(bundle.pristine(), original, "undo of {original:?}");
        assert!(patched.is_ascii() || !original.is_ascii());
    }

    #[test]
    fn parse_and_summary_count_the_blocks_openssl_reads() {
        let pem = std::fs::read(format!(
            "{}/fixtures/real/le-r10.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let indented: Vec<u8> = String::from_utf8(pem.clone())
            .unwrap()
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
            .into_bytes();
        for (bytes, want) in [
            (pem.clone(), 1),
            ([b"\xEF\xBB\xBF".to_vec(), pem.clone()].concat(), 1),
            (indented.clone(), 0),
            ([pem.clone(), indented].concat(), 1),
        ] {
            assert_eq!(Bundle::parse(bytes.clone()).certs.len(), want, "{bytes:?}");
            assert_eq!(Bundle::summary(&bytes).certificates, want, "{bytes:?}");
        }
    }

    #[test]
    fn undo_is_exact_for_awkward_bundles() {
        round_trip(b"");
        round_trip(b"\n");
        round_trip(b"# just a comment");
        round_trip(b"# just a comment\n\n\n");
        round_trip(b"foreign\r\ntext\r\n");
        round_trip(b"foreign\r\ntext");
        round_trip(b"\r\n");
    }

    #[test]
    fn two_patches_undo_in_either_order() {
        let cert = r10();
        for original in [&b""[..], b"x", b"x\n", b"x\r\n"] {
            let mut bytes = original.to_vec();
            bytes.extend(render_patch(&bytes, &cert, "t1", "a"));
            let one = bytes.clone();
            bytes.extend(render_patch(&bytes, &cert, "t2", "b"));
            let bundle = Bundle::parse(bytes);
            assert_eq!(bundle.patches.len(), 2);
            assert_eq!(bundle.without(&[1]), one);
            let first_gone = Bundle::parse(bundle.without(&[0]));
            assert_eq!(first_gone.patches.len(), 1);
            assert_eq!(first_gone.pristine(), original);
            assert_eq!(bundle.pristine(), original);
        }
    }

    #[test]
    fn patches_only_finds_the_patches_parse_finds() {
        // Real certificates, a damaged block, a block with PEM headers (decoded by
        // pem::parse, not the plain-base64 path), an unterminated block and three patches.
        let cert = r10();
        let certifi = std::fs::read(format!(
            "{}/fixtures/real/certifi-2026.10.19-cacert.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut bytes = certifi[..20_000].to_vec();
        bytes.extend(render_patch(&bytes, &cert, "t1", "a"));
        bytes.extend_from_slice(
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        );
        bytes.extend_from_slice(b"-----BEGIN CERTIFICATE-----\nProc-Type: 4,X\n\n");
        bytes.extend_from_slice(cert.pem("\n").lines().nth(1).unwrap().as_bytes());
        bytes.extend_from_slice(b"\n-----END CERTIFICATE-----\n");
        bytes.extend(render_patch(&bytes, &cert, "t2", "b"));
        bytes.extend_from_slice(b"-----BEGIN CERTIFICATE-----\nMIIB\n");
        bytes.extend(render_patch(&bytes, &cert, "t3", "c"));
        bytes.extend_from_slice(&certifi[20_000..]);
        let full = Bundle::parse(bytes.clone());
        let light = Bundle::patches_only(bytes);
        let key = |b: &Bundle| -> Vec<(Range<usize>, [u8; 32])> {
            b.patches
                .iter()
                .map(|p| (p.range.clone(), p.cert.sha256()))
                .collect()
        };
        assert_eq!(full.patches.len(), 3);
        assert_eq!(key(&full), key(&light));
        assert!(full.certs.len() > 3 && full.damaged_blocks >= 2);
        assert!(light.certs.is_empty() && light.damaged_blocks == 0);
    }

    #[test]
    fn plain_base64_blocks_decode_as_pem_parse_does() {
        let certifi = std::fs::read(format!(
            "{}/fixtures/real/certifi-2026.10.19-cacert.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let expected: Vec<[u8; 32]> = pem::parse_many(&certifi)
            .unwrap()
            .iter()
            .map(|p| Cert::from_der(p.contents()).unwrap().sha256())
            .collect();
        let bundle = Bundle::parse(certifi);
        let got: Vec<[u8; 32]> = bundle.certs.iter().map(|c| c.sha256()).collect();
        assert_eq!(got.len(), 117);
        assert_eq!(got, expected);
        assert_eq!(bundle.damaged_blocks, 0);
    }

    #[test]
    fn stripped_blank_lines_never_join_two_lines() {
        let cert = r10();
        let mut bytes = b"-----END CERTIFICATE-----\n".to_vec();
        for when in ["t1", "t2", "t3"] {
            bytes.extend(render_patch(&bytes, &cert, when, "p"));
        }
        // `sed '/^$/d'`: every blank line gone.
        let text = String::from_utf8(bytes).unwrap();
        let stripped: String = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| format!("{l}\n"))
            .collect();
        let bundle = Bundle::parse(stripped.into_bytes());
        assert_eq!(bundle.patches.len(), 3);
        let out = String::from_utf8(bundle.without(&[0])).unwrap();
        assert!(!out.contains("-----# certpatch"), "{out}");
        assert!(
            out.starts_with("-----END CERTIFICATE-----\n# certpatch: added t2"),
            "{out}"
        );
        let none = String::from_utf8(bundle.pristine()).unwrap();
        assert_eq!(none, "-----END CERTIFICATE-----\n");
    }

    #[test]
    fn only_certpatch_blocks_are_patches() {
        let cert = r10();
        let pem = cert.pem("\n");
        // A hand-written marker above a certificate is not a patch.
        let hand = format!("# certpatch: pinned by ops\n{pem}");
        assert!(Bundle::parse(hand.into_bytes()).patches.is_empty());
        // A real patch whose fingerprint line no longer matches (edited base64) is not.
        let real = String::from_utf8(render_patch(b"", &cert, "t", "p")).unwrap();
        let line = real
            .lines()
            .find(|l| l.starts_with("# SHA256"))
            .unwrap()
            .to_string();
        let wrong = real.replace(&line, "# SHA256 Fingerprint: 00:11");
        assert!(Bundle::parse(wrong.into_bytes()).patches.is_empty());
        assert_eq!(Bundle::parse(real.into_bytes()).patches.len(), 1);
    }

    #[test]
    fn header_is_read_back() {
        let cert = r10();
        let bytes = render_patch(b"x", &cert, "2026-01-01T00:00:00Z", "caf\u{e9}; r10.pem");
        let bundle = Bundle::parse(bytes);
        let patch = &bundle.patches[0];
        assert_eq!(patch.added.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(patch.source.as_deref(), Some("caf\u{e9}; r10.pem"));
    }

    /// Found by the `patch_roundtrip` fuzzer: a source of only spaces (`add ' '`) wrote
    /// a first line that, trimmed, ended in `from`, so the patch was never found again
    /// and `remove` could not take it out.
    #[test]
    fn a_source_of_spaces_or_nothing_is_read_back() {
        let cert = r10();
        for source in [" ", "   ", "", "r10.pem ", " r10.pem"] {
            let bytes = render_patch(b"x\n", &cert, "2026-01-01T00:00:00Z", source);
            let mut patched = b"x\n".to_vec();
            patched.extend(&bytes);
            let bundle = Bundle::parse(patched);
            assert_eq!(bundle.patches.len(), 1, "source {source:?}");
            assert_eq!(bundle.patches[0].source.as_deref(), Some(source));
            assert_eq!(bundle.pristine(), b"x\n");
        }
        // Written by an earlier version, with the spaces unescaped: still a patch.
        let old = String::from_utf8(render_patch(b"", &cert, "t", "s"))
            .unwrap()
            .replacen(" from s", " from   ", 1);
        let bundle = Bundle::parse(old.into_bytes());
        assert_eq!(bundle.patches.len(), 1);
        assert_eq!(bundle.patches[0].source.as_deref(), Some(""));
        assert!(bundle.pristine().is_empty());
    }

    /// Times taking 1, 10 and 50 patches out of a 9 MB bundle (the real certifi bundle
    /// repeated, patches appended by `render_patch`), one pass against the old one at a
    /// time. Prints the times; asserts only that both give the same bytes. Run with
    /// `cargo test --release --lib -- --ignored --nocapture time_without`.
    #[test]
    #[ignore]
    fn time_without_one_pass_against_one_at_a_time() {
        let certifi = std::fs::read(format!(
            "{}/fixtures/real/certifi-2026.10.19-cacert.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut bytes = Vec::new();
        while bytes.len() < 9_000_000 {
            bytes.extend_from_slice(&certifi);
        }
        let pool = review_properties::pool();
        for n in 0..50 {
            let patch = render_patch(
                &bytes,
                &pool[n % pool.len()],
                "2026-01-01T00:00:00Z",
                "p.pem",
            );
            bytes.extend(patch);
        }
        let started = std::time::Instant::now();
        let bundle = Bundle::parse(bytes);
        let parse = started.elapsed();
        eprintln!(
            "bundle: {} bytes, {} certificates, {} patches; one parse: {parse:?}",
            bundle.bytes.len(),
            bundle.certs.len(),
            bundle.patches.len()
        );
        for count in [1usize, 10, 50] {
            let idx: Vec<usize> = (bundle.patches.len() - count..bundle.patches.len()).collect();
            let started = std::time::Instant::now();
            let new = bundle.without(&idx);
            let one_pass = started.elapsed();
            let started = std::time::Instant::now();
            let old = bundle.without_reference(&idx);
            let reference = started.elapsed();
            assert!(new == old, "removing {count}");
            eprintln!(
                "remove {count:>2}: one pass {one_pass:?}, one at a time {reference:?}, ratio {:.0}x",
                reference.as_secs_f64() / one_pass.as_secs_f64()
            );
        }
    }

    #[test]
    fn escape_matches_certifi() {
        assert_eq!(
            escape("NetLock Arany (Class Gold) F\u{151}tan\u{fa}s\u{ed}tv\u{e1}ny"),
            "NetLock Arany (Class Gold) F\\u0151tan\\xfas\\xedtv\\xe1ny"
        );
        assert_eq!(escape("\u{2603}"), "\\u2603");
        assert_eq!(escape("\u{1F600}"), "\\U0001f600");
        assert_eq!(
            unescape(&escape("a\\b\u{1F600}\u{e9}\n\r\t")),
            "a\\b\u{1F600}\u{e9}\n\r\t"
        );
    }
}

#[cfg(test)]
mod review_properties;

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn pool() -> Vec<Cert> {
        ["le-r10.pem", "le-r11.pem", "le-e5.pem", "le-e6.pem"]
            .iter()
            .map(|name| {
                let path = format!("{}/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"));
                let text = std::fs::read(path).unwrap();
                Cert::from_der(::pem::parse(text).unwrap().contents()).unwrap()
            })
            .collect()
    }

    /// Bundle-like text: certifi headers, foreign lines, blank lines, a marker line with
    /// no certificate after it, in LF or CRLF, with or without a final line ending.
    fn original() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just("# Issuer: CN=Example O=Example".to_string()),
            Just(String::new()),
            Just("# certpatch: a hand-written line, not a patch".to_string()),
            Just("-----BEGIN CERTIFICATE-----".to_string()),
            "[ -~]{0,40}",
        ];
        (
            prop::collection::vec(piece, 0..12),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(lines, crlf, final_eol)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                let mut text = lines.join(eol);
                if final_eol && !lines.is_empty() {
                    text.push_str(eol);
                }
                text.into_bytes()
            })
    }

    proptest! {
        #![proptest_config(crate::x509::proptest_cases::cases(200))]

        #[test]
        fn any_removal_order_gives_back_the_original(
            original in original(),
            count in 1usize..=4,
            order in Just((0..4usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let certs = pool();
            let mut bytes = original.clone();
            for cert in certs.iter().take(count) {
                let patch = render_patch(&bytes, cert, "2026-01-01T00:00:00Z", "p.pem");
                bytes.extend(patch);
            }
            prop_assert!(bytes[original.len()..].is_ascii());
            // Remove the patches one at a time, in a random order, re-reading each time.
            for &k in order.iter().filter(|&&k| k < count) {
                let bundle = Bundle::parse(bytes.clone());
                let i = bundle
                    .patches
                    .iter()
                    .position(|p| p.cert.same_as(&certs[k]))
                    .expect("patch found");
                bytes = bundle.without(&[i]);
            }
            prop_assert_eq!(bytes, original);
        }

        /// After someone strips every blank line, removing patches may no longer be exact,
        /// but it never joins two lines: every line left is a line that was there.
        #[test]
        fn removal_after_stripping_blank_lines_never_joins_lines(
            original in original(),
            count in 1usize..=4,
            first in 0usize..4,
        ) {
            let certs = pool();
            let mut bytes = original.clone();
            for cert in certs.iter().take(count) {
                bytes.extend(render_patch(&bytes, cert, "t", "p.pem"));
            }
            let text = String::from_utf8(bytes).unwrap();
            let stripped: Vec<&str> = text.split('\n').filter(|l| !l.trim_end_matches('\r').is_empty()).collect();
            let stripped_text = stripped.join("\n");
            let bundle = Bundle::parse(stripped_text.clone().into_bytes());
            let k = first % bundle.patches.len().max(1);
            let out = String::from_utf8(bundle.without(&[k])).unwrap();
            let mut remaining = stripped.iter();
            for line in out.split('\n').filter(|l| !l.is_empty()) {
                prop_assert!(
                    remaining.any(|l| *l == line),
                    "line {:?} was not in the input:\n{}", line, stripped_text
                );
            }
        }
    }
}
