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
        let (end, next) = match bytes[start..].iter().position(|&b| b == b'\n') {
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

fn text(bytes: &[u8], line: &Line) -> String {
    String::from_utf8_lossy(&bytes[line.start..line.end])
        .trim()
        .to_string()
}

impl Bundle {
    pub fn parse(bytes: Vec<u8>) -> Bundle {
        let lines = lines(&bytes);
        let mut certs = Vec::new();
        let mut patches = Vec::new();
        let mut damaged_blocks = 0;
        let mut i = 0;
        while i < lines.len() {
            let t = text(&bytes, &lines[i]);
            if t.starts_with(MARKER) {
                if let Some((patch, after)) = parse_patch(&bytes, &lines, i) {
                    certs.push(patch.cert.clone());
                    patches.push(patch);
                    i = after;
                    continue;
                }
            }
            if t == "-----BEGIN CERTIFICATE-----" || t == "-----BEGIN TRUSTED CERTIFICATE-----" {
                match read_block(&bytes, &lines, i) {
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
        Bundle {
            bytes,
            certs,
            patches,
            damaged_blocks,
        }
    }

    /// The certificate count and the patches, without decoding every certificate: what
    /// `find` needs for hundreds of bundles. Counts `-----BEGIN CERTIFICATE-----` lines.
    pub fn summary(bytes: &[u8]) -> Summary {
        let certificates = memchr::memmem::find_iter(bytes, b"-----BEGIN CERTIFICATE-----").count();
        let mut patches = Vec::new();
        if memchr::memmem::find(bytes, MARKER.as_bytes()).is_some() {
            let lines = lines(bytes);
            let mut i = 0;
            while i < lines.len() {
                if text(bytes, &lines[i]).starts_with(MARKER) {
                    if let Some((patch, after)) = parse_patch(bytes, &lines, i) {
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
        self.certs.iter().any(|c| c.sha256 == cert.sha256)
    }

    /// The bytes with the given patches (indexes into `patches`) taken out.
    pub fn without(&self, remove: &[usize]) -> Vec<u8> {
        // One at a time, last first, re-reading in between: a removal may hand its
        // final-newline flag to the patch after it, which moves that patch's separator, but
        // never moves anything before it. Each patch is found again by its fingerprint and
        // where its first line ends (a patch may be there twice).
        let mut order: Vec<usize> = remove.to_vec();
        order.sort_unstable();
        order.dedup();
        let mut out = self.bytes.clone();
        for &i in order.iter().rev() {
            let Some(orig) = self.patches.get(i) else {
                continue;
            };
            let again = Bundle::parse(out.clone());
            let Some(k) = again
                .patches
                .iter()
                .position(|p| p.cert.sha256 == orig.cert.sha256 && p.marker_end == orig.marker_end)
            else {
                continue;
            };
            out = again.without_one_checked(k);
        }
        out
    }

    /// [`Bundle::without_one`], unless taking the separator away would turn foreign text
    /// into something that reads as a patch (a stray marker line brought next to a
    /// certifi-style block): then only the patch's own lines go and its blank line stays.
    fn without_one_checked(&self, k: usize) -> Vec<u8> {
        let fingerprints = |patches: &[Patch]| -> Vec<[u8; 32]> {
            patches.iter().map(|p| p.cert.sha256).collect()
        };
        let mut want = fingerprints(&self.patches);
        want.remove(k);
        let candidate = self.without_one(k);
        if fingerprints(&Bundle::parse(candidate.clone()).patches) == want {
            return candidate;
        }
        let p = &self.patches[k];
        let line_start = self.bytes[..p.marker_end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |x| x + 1);
        let mut kept = self.bytes[..line_start].to_vec();
        kept.extend_from_slice(&self.bytes[p.range.end..]);
        kept
    }

    /// The bytes with patch `i` taken out (all bytes when there is no such patch).
    fn without_one(&self, i: usize) -> Vec<u8> {
        let Some(p) = self.patches.get(i) else {
            return self.bytes.clone();
        };
        let mut out = self.bytes[..p.range.start].to_vec();
        let rest = &self.bytes[p.range.end..];
        if p.took_terminator && !rest.is_empty() {
            // The patch ended the line before it; something follows, so that line keeps
            // its ending. A patch right after inherits the flag, so that removing it later
            // still takes the added line ending away.
            out.extend_from_slice(p.eol);
            if let Some(next) = self
                .patches
                .get(i + 1)
                .filter(|n| n.range.start == p.range.end)
            {
                if !next.flagged {
                    out.extend_from_slice(&self.bytes[next.range.start..next.marker_end]);
                    out.extend_from_slice(FINAL_NEWLINE_FLAG.as_bytes());
                    out.extend_from_slice(&self.bytes[next.marker_end..]);
                    return out;
                }
            }
        }
        out.extend_from_slice(rest);
        out
    }

    /// The bytes with every certpatch patch taken out: what the bundle was before certpatch.
    pub fn pristine(&self) -> Vec<u8> {
        let all: Vec<usize> = (0..self.patches.len()).collect();
        self.without(&all)
    }
}

/// Reads a PEM certificate block starting at line `i`; returns it and the index after it.
fn read_block(bytes: &[u8], lines: &[Line], i: usize) -> Option<(Result<Cert, ()>, usize)> {
    let begin = text(bytes, &lines[i]);
    let label = begin
        .trim_start_matches("-----BEGIN ")
        .trim_end_matches('-')
        .to_string();
    let end_line = format!("-----END {label}-----");
    let j = (i + 1..lines.len()).find(|&j| {
        let t = text(bytes, &lines[j]);
        t == end_line || t.starts_with("-----BEGIN ")
    })?;
    if text(bytes, &lines[j]) != end_line {
        return None;
    }
    let block = &bytes[lines[i].start..lines[j].end];
    let cert = pem::parse(block)
        .ok()
        .and_then(|p| {
            let der = if label == "TRUSTED CERTIFICATE" {
                trusted_cert_der(p.contents())?
            } else {
                p.contents().to_vec()
            };
            Cert::from_der(&der).ok()
        })
        .ok_or(());
    Some((cert, j + 1))
}

fn trusted_cert_der(contents: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let mut reader = der::SliceReader::new(contents).ok()?;
    let any = der::asn1::AnyRef::decode(&mut reader).ok()?;
    der::Encode::to_der(&any).ok()
}

/// Parses a patch whose first line is line `i`. A marker line that is not followed by a
/// well-formed block is not a patch (and is left alone as foreign text).
fn parse_patch(bytes: &[u8], lines: &[Line], i: usize) -> Option<(Patch, usize)> {
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
    let (cert, after) = read_block(bytes, lines, j)?;
    let cert = cert.ok()?;
    if fingerprint? != hex_colons(&cert.sha256) {
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
    let (start, took_terminator) = match (h, blank_before, flagged) {
        (0, _, _) => (0, false),
        // Only the separator is left before it (the patches before it, on a bundle that
        // was empty, were removed): nothing is joined by taking it away.
        (_, false, _) if &bytes[..h] == eol => (0, false),
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
        format!("# Issuer: {}", escape(&cert.issuer_certifi)),
        format!("# Subject: {}", escape(&cert.subject_certifi)),
        format!("# Label: \"{}\"", escape(&cert.label)),
        format!("# Serial: {}", cert.serial_decimal),
        format!("# MD5 Fingerprint: {}", hex_colons(&cert.md5)),
        format!("# SHA1 Fingerprint: {}", hex_colons(&cert.sha1)),
        format!("# SHA256 Fingerprint: {}", hex_colons(&cert.sha256)),
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
        #![proptest_config(ProptestConfig::with_cases(200))]

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
                    .position(|p| p.cert.sha256 == certs[k].sha256)
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
