//! Python's own verdict on a chain, without running Python: OpenSSL's `X509_verify_cert`
//! (the library Python's `ssl` module links) configured as `ssl.create_default_context()`
//! configures it.
//!
//! Why OpenSSL itself rather than webpki plus patches: Python's answer *is* OpenSSL's
//! answer, rule for rule (validity of every certificate including the root, exact
//! `notAfter`, critical extensions, key strength at the security level, MD5/SHA-1,
//! `X509_STRICT`'s many checks, partial chains). Modelling each of them beside webpki
//! would always lag; asking the same library cannot. On Windows, where Python ships its
//! own OpenSSL that no crate links here, [`verify`] returns `None` and the webpki
//! judgement stands alone.
//!
//! The configuration (CPython's `Modules/_ssl.c` and `Lib/ssl.py`):
//! - purpose `sslserver` (an SSL client verifies with `X509_STORE_CTX_set_default(…,
//!   "ssl_server")`), the host name with `X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS` (an IP
//!   address as an address), the common name used only without DNS names (CPython's
//!   `hostname_checks_common_name` defaults to true);
//! - security level 2 (CPython 3.10+ puts `@SECLEVEL=2` in its cipher string): RSA and DH
//!   keys under 2048 bits and MD5/SHA-1 signatures are refused;
//! - `X509_V_FLAG_TRUSTED_FIRST` (OpenSSL's default since 1.1.0);
//! - Python 3.13+ adds `VERIFY_X509_STRICT` and `VERIFY_X509_PARTIAL_CHAIN`.

use time::OffsetDateTime;

use crate::x509::cert::Cert;

/// The rules a Python version verifies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// Python before 3.13.
    Before313,
    /// Python 3.13 and newer: `VERIFY_X509_STRICT | VERIFY_X509_PARTIAL_CHAIN`.
    Strict313,
}

impl Rules {
    /// Words for messages: "Python 3.13+" or "Python before 3.13".
    pub fn words(self) -> &'static str {
        match self {
            Rules::Before313 => "Python before 3.13",
            Rules::Strict313 => "Python 3.13+",
        }
    }

    /// The rules that apply to a target: its interpreter's version when known
    /// (`Some(true)` = 3.13 or newer), both when not.
    pub fn for_target(at_least_3_13: Option<bool>) -> Vec<Rules> {
        match at_least_3_13 {
            Some(true) => vec![Rules::Strict313],
            Some(false) => vec![Rules::Before313],
            None => vec![Rules::Before313, Rules::Strict313],
        }
    }
}

/// OpenSSL's verdict under one Python version's rules.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub rules: Rules,
    pub verifies: bool,
    /// OpenSSL's `X509_V_ERR_*` number (0 when it verifies).
    pub code: i32,
    /// OpenSSL's own words for it, e.g. "EE certificate key too weak".
    pub reason: String,
    /// The depth OpenSSL stopped at (0 = the server's certificate).
    pub depth: u32,
}

/// `X509_V_ERR_*` numbers certpatch words itself (OpenSSL 1.1.1 and 3.x agree on these).
pub mod code {
    pub const UNABLE_TO_GET_ISSUER_CERT: i32 = 2;
    pub const CERT_SIGNATURE_FAILURE: i32 = 7;
    pub const CERT_NOT_YET_VALID: i32 = 9;
    pub const CERT_HAS_EXPIRED: i32 = 10;
    pub const DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
    pub const SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
    pub const UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
    pub const UNABLE_TO_VERIFY_LEAF_SIGNATURE: i32 = 21;
    pub const INVALID_PURPOSE: i32 = 26;
    pub const HOSTNAME_MISMATCH: i32 = 62;
    pub const IP_ADDRESS_MISMATCH: i32 = 64;
    pub const EE_KEY_TOO_SMALL: i32 = 66;
    pub const CA_KEY_TOO_SMALL: i32 = 67;
    pub const CA_MD_TOO_WEAK: i32 = 68;
}

/// Whether this build judges with OpenSSL (everywhere but Windows).
pub const AVAILABLE: bool = cfg!(unix);

/// OpenSSL's verdict on `chain` (leaf first, as sent) with `anchors` (the bundle) for
/// `name` at `at`, under `rules`. `None` where OpenSSL is not built in, or when the leaf
/// cannot be read by OpenSSL (then `Some` with the reason is not possible either: the
/// caller falls back to webpki).
#[cfg(unix)]
pub fn verify(
    chain: &[Cert],
    anchors: &[Cert],
    name: Option<&str>,
    at: OffsetDateTime,
    rules: Rules,
) -> Option<Verdict> {
    imp::verify(chain, anchors, name, at, rules).ok()
}

#[cfg(not(unix))]
pub fn verify(
    _chain: &[Cert],
    _anchors: &[Cert],
    _name: Option<&str>,
    _at: OffsetDateTime,
    _rules: Rules,
) -> Option<Verdict> {
    None
}

/// Whether `issuer`'s key made `child`'s signature, as OpenSSL checks it: any key size and
/// digest (ring, behind [`Cert::signed_by`], refuses RSA keys under 2048 bits, so a
/// Superfish-signed certificate would look unsigned). `None` without OpenSSL or when
/// OpenSSL cannot read either.
#[cfg(unix)]
pub fn signs(child: &Cert, issuer: &Cert) -> Option<bool> {
    let c = openssl::x509::X509::from_der(&child.der).ok()?;
    let i = openssl::x509::X509::from_der(&issuer.der).ok()?;
    let key = i.public_key().ok()?;
    c.verify(&key).ok()
}

#[cfg(not(unix))]
pub fn signs(_child: &Cert, _issuer: &Cert) -> Option<bool> {
    None
}

/// A verdict under each of `rules` (empty without OpenSSL).
pub fn verify_all(
    chain: &[Cert],
    anchors: &[Cert],
    name: Option<&str>,
    at: OffsetDateTime,
    rules: &[Rules],
) -> Vec<Verdict> {
    rules
        .iter()
        .filter_map(|r| verify(chain, anchors, name, at, *r))
        .collect()
}

#[cfg(unix)]
mod imp {
    use openssl::error::ErrorStack;
    use openssl::stack::Stack;
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::verify::{X509CheckFlags, X509VerifyFlags, X509VerifyParam};
    use openssl::x509::{X509PurposeId, X509StoreContext, X509};
    use time::OffsetDateTime;

    use super::{Rules, Verdict};
    use crate::x509::cert::Cert;

    /// CPython's default security level since 3.10.
    const SECURITY_LEVEL: i32 = 2;

    pub fn verify(
        chain: &[Cert],
        anchors: &[Cert],
        name: Option<&str>,
        at: OffsetDateTime,
        rules: Rules,
    ) -> Result<Verdict, ErrorStack> {
        let leaf = X509::from_der(&chain[0].der)?;
        let mut untrusted = Stack::new()?;
        for c in &chain[1..] {
            // A certificate OpenSSL cannot read is one the server's peer never gets
            // either: Python's handshake fails on it before verification.
            untrusted.push(X509::from_der(&c.der)?)?;
        }
        let mut store = X509StoreBuilder::new()?;
        for a in anchors {
            // X509_STORE_load_file skips what it cannot read, one certificate at a time.
            if let Ok(x) = X509::from_der(&a.der) {
                // A duplicate is not an error in OpenSSL 1.1.1+; ignore any other.
                let _ = store.add_cert(x);
            }
        }
        let mut param = X509VerifyParam::new()?;
        param.set_purpose(X509PurposeId::SSL_SERVER)?;
        param.set_auth_level(SECURITY_LEVEL);
        param.set_time(at.unix_timestamp() as _);
        let mut flags = X509VerifyFlags::TRUSTED_FIRST;
        if rules == Rules::Strict313 {
            flags |= X509VerifyFlags::X509_STRICT | X509VerifyFlags::PARTIAL_CHAIN;
        }
        param.set_flags(flags)?;
        if let Some(name) = name {
            match name.trim_start_matches('[').trim_end_matches(']').parse() {
                Ok(ip) => param.set_ip(ip)?,
                Err(_) => {
                    param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
                    param.set_host(name)?;
                }
            }
        }
        store.set_param(&param)?;
        let store = store.build();
        let mut ctx = X509StoreContext::new()?;
        let (ok, err, depth) = ctx.init(&store, &leaf, &untrusted, |c| {
            let ok = c.verify_cert()?;
            Ok((ok, c.error(), c.error_depth()))
        })?;
        Ok(Verdict {
            rules,
            verifies: ok,
            code: if ok { 0 } else { err.as_raw() },
            reason: if ok {
                "ok".into()
            } else {
                err.error_string().to_string()
            },
            depth: if ok { 0 } else { depth },
        })
    }
}
