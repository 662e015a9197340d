//! Replays the fuzzers' committed corpus (`fuzz/corpus/<target>/*`) through the same
//! `certpatch::fuzzing` functions the fuzz targets call, so that stable `cargo test`
//! guards every input the fuzzers kept (seeds from `fixtures/` and regressions) without
//! nightly. A panic or a broken invariant on any file fails the test and names the file.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use certpatch::fuzzing;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every corpus file of `target`; fails listing each file that panicked
/// or broke an invariant. `min` guards against an emptied corpus passing vacuously.
fn replay(target: &str, min: usize, check: impl Fn(&[u8]) -> Result<(), String>) {
    let files = corpus(target);
    assert!(
        files.len() >= min,
        "fuzz/corpus/{target} holds {} files, expected at least {min}",
        files.len()
    );
    let mut broken = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap();
        match catch_unwind(AssertUnwindSafe(|| check(&data))) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => broken.push(format!("{}: {why}", file.display())),
            Err(_) => broken.push(format!("{}: panicked", file.display())),
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn x509_intake_corpus() {
    replay("x509_intake", 50, fuzzing::x509_intake);
}

#[test]
fn bundle_parse_corpus() {
    replay("bundle_parse", 5, fuzzing::bundle_parse);
}

#[test]
fn patch_roundtrip_corpus() {
    let certs = fuzzing::roundtrip_certs();
    replay("patch_roundtrip", 5, |data| {
        fuzzing::patch_roundtrip(&certs, data)
    });
}
