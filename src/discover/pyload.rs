//! Nothing Python cannot load is installed: the checks a new bundle passes before it
//! replaces the old one.
//!
//! A PEM bundle that OpenSSL rejects breaks every HTTPS request of that Python, which is
//! far worse than the missing intermediate certpatch set out to fix. So before the rename:
//! - the new bundle must parse in full: every certificate block of it decodes, it holds
//!   exactly the old certificates plus the added ones, and no block that decoded before is
//!   damaged now ([`parse_check`]);
//! - when the target's interpreter is known (`--python`, `--env`, the active environment),
//!   a private temporary copy of the new bytes must load in that interpreter with
//!   `ssl.create_default_context(cafile=…)`, run isolated (`-I -S`), with the CA override
//!   variables removed and the host's interpreter timeout ([`python_loads`]). The
//!   interpreter is run only as `trust` allows: as its owner when another account owns it
//!   (the copy is then made readable to it), or not at all — the check is then
//!   [`Load::Unknown`] with the reason, and the parse check above is what stands.

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;

use crate::bundle::Bundle;
use crate::discover::interpreter::{run_script, QueryError};
use crate::discover::trust::{self, Decision};
use crate::discover::Host;

/// Mode 0644 on the private copy, for an interpreter run as another account.
fn readable_to_all(file: &std::fs::File) -> std::io::Result<()> {
    crate::os::set_mode(file, 0o644)
}

/// What Python is asked: load the file as its CA bundle. A refusal of the file is told
/// apart from an interpreter that cannot run at all (a broken venv, a fake, Python 2
/// without `-I`) by the marker and exit status 2: only the former stops an install.
const LOAD_SCRIPT: &str = r#"import sys
import ssl
try:
    ssl.create_default_context(cafile=sys.argv[1])
except Exception as e:
    sys.stderr.write("certpatch-load-error: %s: %s\n" % (type(e).__name__, e))
    sys.exit(2)
"#;
const MARKER: &str = "certpatch-load-error: ";

/// Whether Python loads a bundle.
#[derive(Debug, PartialEq, Eq)]
pub enum Load {
    Loads,
    /// Python ran and refused it (the reason is its error).
    Rejects(String),
    /// Python could not be asked (it could not start or did not answer in time).
    Unknown(String),
}

/// The structural check of `new` (the bundle `old` with `added` certificates appended).
pub fn parse_check(old: &Bundle, new: &Bundle, added: usize) -> Result<(), String> {
    if new.damaged_blocks > old.damaged_blocks {
        return Err(format!(
            "the patched bundle would hold {} certificate block(s) that do not decode (it holds {} now)",
            new.damaged_blocks, old.damaged_blocks
        ));
    }
    if new.certs.len() != old.certs.len() + added {
        return Err(format!(
            "the patched bundle would hold {} certificates, not the {} + {added} expected",
            new.certs.len(),
            old.certs.len()
        ));
    }
    let kept = old.certs.iter().zip(&new.certs).all(|(a, b)| a.same_as(b));
    if !kept {
        return Err("the patched bundle would not keep the existing certificates in order".into());
    }
    Ok(())
}

/// Whether the interpreter `python` loads `bytes` as its CA bundle (from a private
/// temporary copy, deleted afterwards).
pub fn python_loads(host: &Host, python: &Path, bytes: &[u8]) -> Load {
    let tmp = tempfile::Builder::new()
        .prefix("certpatch-load-check-")
        .suffix(".pem")
        .tempfile();
    let mut tmp = match tmp {
        Ok(t) => t,
        Err(e) => return Load::Unknown(format!("cannot create a temporary file: {e}")),
    };
    if let Err(e) = tmp.write_all(bytes).and_then(|_| tmp.flush()) {
        return Load::Unknown(format!("cannot write a temporary file: {e}"));
    }
    if let Decision::RunAs(_) = trust::decide(&host.absolute(python)) {
        // Its owner runs the check: it must read the copy (public certificates), not
        // write it.
        if let Err(e) = readable_to_all(tmp.as_file()) {
            return Load::Unknown(format!("cannot share a temporary file: {e}"));
        }
    }
    let arg: &OsStr = tmp.path().as_os_str();
    match run_script(host, python, &["-I", "-S"], LOAD_SCRIPT, &[arg]) {
        Ok(_) => Load::Loads,
        Err(QueryError::Failed { status, stderr }) => match stderr.find(MARKER) {
            Some(at) if status.ends_with(": 2") => {
                let why = stderr[at + MARKER.len()..].lines().next().unwrap_or("");
                Load::Rejects(why.trim().to_string())
            }
            _ => Load::Unknown(QueryError::Failed { status, stderr }.to_string()),
        },
        Err(e) => Load::Unknown(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(text: &str) -> Bundle {
        Bundle::parse(text.as_bytes().to_vec())
    }

    #[test]
    fn parse_check_catches_a_new_damaged_block_and_a_wrong_count() {
        let old = bundle("# nothing\n");
        let damaged =
            bundle("# nothing\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert!(parse_check(&old, &damaged, 1)
            .unwrap_err()
            .contains("do not decode"));
        assert!(parse_check(&old, &old, 1).unwrap_err().contains("expected"));
        assert_eq!(parse_check(&old, &old, 0), Ok(()));
        // A damaged block that was there before is not a new one.
        assert_eq!(parse_check(&damaged, &damaged, 0), Ok(()));
    }

    /// R10's DER with the tag of its outer signatureAlgorithm OID changed (06 -> 83): the
    /// review's reproduction. certpatch's lenient bundle reader still reads it; OpenSSL
    /// refuses the whole file.
    fn r10_with_outer_oid_tag_changed() -> Vec<u8> {
        let mut der = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real/le-r10.der"),
        )
        .unwrap();
        // Skips a DER header at `at`, returning where its contents start and their length.
        fn header(der: &[u8], at: usize) -> (usize, usize) {
            let first = der[at + 1] as usize;
            if first < 0x80 {
                return (at + 2, first);
            }
            let n = first & 0x7f;
            let len = der[at + 2..at + 2 + n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | b as usize);
            (at + 2 + n, len)
        }
        let (tbs_at, _) = header(&der, 0);
        let (tbs_body, tbs_len) = header(&der, tbs_at);
        let alg_at = tbs_body + tbs_len;
        assert_eq!(der[alg_at], 0x30, "outer signatureAlgorithm SEQUENCE");
        let (oid_at, _) = header(&der, alg_at);
        assert_eq!(der[oid_at], 0x06, "its OID");
        der[oid_at] = 0x83;
        der
    }

    fn pem_block(der: &[u8]) -> String {
        ::pem::encode(&::pem::Pem::new("CERTIFICATE", der.to_vec()))
    }

    #[test]
    #[cfg_attr(
        not(feature = "test-python"),
        ignore = "runs python3: feature test-python"
    )]
    fn a_real_python_refuses_a_bundle_with_a_certificate_openssl_cannot_parse() {
        let python = which::which("python3").unwrap_or_else(|e| {
            panic!(
                "python3 is not on PATH ({e}): install it (Debian: apt-get install python3), \
                 or switch off the `test-python` feature (README, \"Run the tests\")"
            )
        });
        let host = Host::from_process();
        let good = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/real/certifi-2026.10.19-cacert.pem"),
        )
        .unwrap();
        assert_eq!(python_loads(&host, &python, &good), Load::Loads);
        let mut bad = good.clone();
        bad.extend(pem_block(&r10_with_outer_oid_tag_changed()).as_bytes());
        // certpatch's own reader still sees a certificate there: only Python can tell.
        assert_eq!(
            Bundle::parse(bad.clone()).certs.len(),
            Bundle::parse(good).certs.len() + 1
        );
        match python_loads(&host, &python, &bad) {
            Load::Rejects(why) => assert!(!why.is_empty()),
            other => panic!("expected Python to refuse the bundle, got {other:?}"),
        }
    }
}
