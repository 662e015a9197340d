//! Fuzz target: see `certpatch::fuzzing::x509_intake` for what it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = certpatch::fuzzing::x509_intake(data) {
        panic!("invariant broken: {broken}");
    }
});
