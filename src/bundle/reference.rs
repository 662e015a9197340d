//! The slow, obviously right ways of reading and changing a bundle that the fast ones are
//! checked against (test-only): taking patches out one at a time, re-reading the bundle in
//! between (the differential test of [`Bundle::without`]), and reading only the patches.
//! Kept out of the production `impl Bundle`.

use super::*;

impl Bundle {
    /// The bundle with its patches only (`certs` empty, `damaged_blocks` 0): the same walk
    /// over the lines as [`Bundle::parse`], so the same patches, but other certificate
    /// blocks are stepped over without being decoded. What taking patches out needs.
    pub(super) fn patches_only(bytes: Vec<u8>) -> Bundle {
        Bundle::scan(bytes, false)
    }

    /// The old algorithm of [`Bundle::without`]: one patch at a time, last first, parsing
    /// the whole bundle again before each. The differential test checks they agree.
    pub(super) fn without_reference(&self, remove: &[usize]) -> Vec<u8> {
        let mut order: Vec<usize> = remove.to_vec();
        order.sort_unstable();
        order.dedup();
        let mut out = self.bytes.clone();
        for &i in order.iter().rev() {
            let Some(orig) = self.patches.get(i) else {
                continue;
            };
            let again = Bundle::parse(out.clone());
            let Some(k) = again.patches.iter().position(|p| {
                p.cert.sha256() == orig.cert.sha256() && p.marker_end == orig.marker_end
            }) else {
                continue;
            };
            out = again.without_one_checked(k);
        }
        out
    }

    /// [`Bundle::without_one`], unless taking the separator away would turn foreign text
    /// into something that reads as a patch (a stray marker line brought next to a
    /// certifi-style block): then only the patch's own lines go and its blank line stays.
    pub(super) fn without_one_checked(&self, k: usize) -> Vec<u8> {
        let fingerprints = |patches: &[Patch]| -> Vec<[u8; 32]> {
            patches.iter().map(|p| p.cert.sha256()).collect()
        };
        let mut want = fingerprints(&self.patches);
        want.remove(k);
        let candidate = self.without_one(k);
        if fingerprints(&Bundle::parse(candidate.clone()).patches) == want {
            return candidate;
        }
        let p = &self.patches[k];
        let mut kept = self.bytes[..line_start(&self.bytes, p.marker_end)].to_vec();
        kept.extend_from_slice(&self.bytes[p.range.end..]);
        kept
    }

    /// The bytes with patch `i` taken out (all bytes when there is no such patch).
    pub(super) fn without_one(&self, i: usize) -> Vec<u8> {
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
}
