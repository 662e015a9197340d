//! Fuzz target: see `certpatch::fuzzing::bundle_parse` for what it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = certpatch::fuzzing::bundle_parse(data) {
        panic!("invariant broken: {broken}");
    }
});
