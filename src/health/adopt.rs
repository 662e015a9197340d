//! Finding a hand edit that certpatch can adopt. People fixed this outage by hand before
//! certpatch existed: they pasted a root or an intermediate at the end of `cacert.pem`.
//! Such a bundle is "edited by something else" for ever, and a reinstall (the usual
//! advice) removes what the patches depend on. `certpatch adopt` turns that pasted text
//! into certpatch patches instead — tracked in the ledger, checked again, and reapplied
//! after an upgrade — and keeps the package's own file as the backup.
//!
//! It can do so only when the package's own file is still there, whole, at the start of
//! the bundle: the bundle (without certpatch's blocks) is the file the package's record
//! hashes to, followed by the pasted text. [`find`] decides that, from bytes only.

use sha2::{Digest, Sha256};

use crate::bundle::Bundle;
use crate::x509::cert::{hex, Cert};
use crate::x509::input;

/// A hand edit certpatch can adopt.
#[derive(Debug)]
pub struct HandEdit {
    /// The package's own file (the bundle's first bytes).
    pub original: Vec<u8>,
    /// The pasted certificates, in the order they appear.
    pub certs: Vec<Cert>,
    /// The bundle as it would be after adopting (before the new blocks are rendered):
    /// the original followed by certpatch's existing blocks.
    pub kept: Vec<u8>,
}

/// What [`find`] saw.
#[derive(Debug)]
pub enum Found {
    /// The package keeps no hash of the file, so a hand edit cannot be told from it.
    NoRecord,
    /// The bundle, without certpatch's blocks, is the package's own file.
    Untouched,
    /// The package's file is not a prefix of the bundle: the edit is inside it (a
    /// removed or changed certificate), or the file is another version's.
    NotAnAppend,
    /// The pasted text sits between certpatch's blocks, not in one piece after the
    /// package's file.
    Interleaved,
    /// The pasted text holds no certificate certpatch can read (or something that must
    /// never be copied, such as a private key): why.
    NoCertificate(String),
    Edit(HandEdit),
}

/// The length of the prefix of `text` that hashes to `sha256_hex`, trying every line end.
fn prefix_with_hash(text: &[u8], sha256_hex: &str) -> Option<usize> {
    let mut hasher = Sha256::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            hasher.update(&text[start..=i]);
            start = i + 1;
            if hex(&hasher.clone().finalize()).eq_ignore_ascii_case(sha256_hex) {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Whether `bundle` (whose bytes are `bytes`) is the package's file, recorded with
/// `recorded_sha256`, plus pasted certificates that certpatch can adopt.
pub fn find(bytes: &[u8], bundle: &Bundle, recorded_sha256: Option<&str>) -> Found {
    let Some(recorded) = recorded_sha256 else {
        return Found::NoRecord;
    };
    let pristine = bundle.pristine();
    if hex(&Sha256::digest(&pristine)).eq_ignore_ascii_case(recorded) {
        return Found::Untouched;
    }
    let Some(n) = prefix_with_hash(&pristine, recorded) else {
        return Found::NotAnAppend;
    };
    let pasted = &pristine[n..];
    if !(bytes.starts_with(&pristine[..n]) && bytes[n..].starts_with(pasted)) {
        return Found::Interleaved;
    }
    let certs = match input::parse(pasted, "the pasted text") {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => return Found::NoCertificate("it holds no certificate".into()),
        Err(e) => return Found::NoCertificate(e.to_string()),
    };
    let mut kept = pristine[..n].to_vec();
    kept.extend_from_slice(&bytes[n + pasted.len()..]);
    Found::Edit(HandEdit {
        original: pristine[..n].to_vec(),
        certs,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{rel}")).unwrap()
    }

    fn sha(b: &[u8]) -> String {
        hex(&Sha256::digest(b))
    }

    #[test]
    fn a_pasted_root_after_the_package_file_is_found() {
        let original = read("real/certifi-2026.10.19-cacert.pem");
        let mut edited = original.clone();
        edited.extend(b"\n# my company root\n");
        edited.extend(read("gen/test-root.pem"));
        let bundle = Bundle::parse(edited.clone());
        match find(&edited, &bundle, Some(&sha(&original))) {
            Found::Edit(e) => {
                assert_eq!(e.original, original);
                assert_eq!(e.certs.len(), 1);
                assert_eq!(e.kept, original);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn untouched_missing_record_and_an_inner_edit_are_told_apart() {
        let original = read("real/certifi-2026.10.19-cacert.pem");
        let b = Bundle::parse(original.clone());
        assert!(matches!(
            find(&original, &b, Some(&sha(&original))),
            Found::Untouched
        ));
        assert!(matches!(find(&original, &b, None), Found::NoRecord));
        let inner = original[100..].to_vec();
        let b = Bundle::parse(inner.clone());
        assert!(matches!(
            find(&inner, &b, Some(&sha(&original))),
            Found::NotAnAppend
        ));
        let mut text = original.clone();
        text.extend(b"# just a comment\n");
        let b = Bundle::parse(text.clone());
        assert!(matches!(
            find(&text, &b, Some(&sha(&original))),
            Found::NoCertificate(_)
        ));
    }
}
