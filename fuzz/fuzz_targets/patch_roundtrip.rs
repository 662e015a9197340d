//! Fuzz target: see `certpatch::fuzzing::patch_roundtrip` for what it checks.
#![no_main]

use std::sync::OnceLock;

use certpatch::x509::cert::Cert;
use libfuzzer_sys::fuzz_target;

static CERTS: OnceLock<Vec<Cert>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let certs = CERTS.get_or_init(certpatch::fuzzing::roundtrip_certs);
    if let Err(broken) = certpatch::fuzzing::patch_roundtrip(certs, data) {
        panic!("invariant broken: {broken}");
    }
});
