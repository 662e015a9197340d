//! Publicly compromised and interception roots: certificates whose private key anyone
//! can download, so that a bundle trusting them lets anyone impersonate any site.
//!
//! Each is identified by the SHA-256 of its SubjectPublicKeyInfo (the key is what is
//! compromised: any certificate with that key, re-issued or not, is as bad), with its
//! subject for the message. `add` and `fix --allow-root` refuse them and any certificate
//! they issued, by name, even with `--allow-root`; `diagnose` flags them on a chain.
//! Sources (README, "Known-bad roots"): the vendors' and US-CERT's advisories, and the
//! certificates Chromium blocks in `net/data/ssl/blocklist/`.

use sha2::{Digest, Sha256};

use crate::x509::cert::{hex, Cert};

/// One known-bad root.
#[derive(Clone, Copy, Debug)]
pub struct KnownBad {
    /// SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex.
    pub spki_sha256: &'static str,
    /// The subject it is known by.
    pub subject: &'static str,
    /// What it is, for "… is the NAME".
    pub name: &'static str,
}

/// The list. Add an entry only with a public source for the key's compromise.
pub const KNOWN_BAD: &[KnownBad] = &[
    KnownBad {
        spki_sha256: "4bb8f35ba1e126f8dde1b0c420625ed86dce61a7bddadbdea9aba578ff13145e",
        subject: "O=Superfish, Inc., L=SF, ST=CA, C=US, CN=Superfish, Inc.",
        name: "Superfish VisualDiscovery root (Lenovo adware, 2015; its private key is public: US-CERT TA15-051A)",
    },
    KnownBad {
        spki_sha256: "cdee9f3305572a677e1a6c82dc1e02a35b11cae6a684338c9f37fe1ac8daec23",
        subject: "CN=eDellRoot",
        name: "eDellRoot root (Dell Foundation Services, 2015; its private key is public: CERT VU#925497)",
    },
    KnownBad {
        spki_sha256: "130ad4e0633521290531b6651f5759b0bc7bc656709ff8f365c2143b0389b6f6",
        subject: "OU=DSDTestProvider, O=DSDTestProvider, CN=DSDTestProvider",
        name: "DSDTestProvider root (Dell System Detect, 2015; its private key is public: CERT VU#925497)",
    },
    KnownBad {
        spki_sha256: "680971cb44b0fd56592102a256e85c58e87109ad8044c2b90d8f3c6e9eeab897",
        subject: "O=Acme Co",
        name: "preact-cli development root (its private key shipped in the npm package, 2017)",
    },
    KnownBad {
        spki_sha256: "2bd1e667ec9ebbe02b9a7da264210c99b3eac1cc9141a0e30e3f623eaccec4e1",
        subject: "CN=localhost",
        name: "webpack-dev-server development root (its private key shipped in the npm package, 2016)",
    },
];

/// The entry of `list` whose key `cert` has.
pub fn lookup_in<'l>(list: &'l [KnownBad], cert: &Cert) -> Option<&'l KnownBad> {
    let key = hex(&Sha256::digest(&cert.spki_raw));
    list.iter().find(|k| k.spki_sha256 == key)
}

/// The known-bad root whose key `cert` has.
pub fn lookup(cert: &Cert) -> Option<&'static KnownBad> {
    lookup_in(KNOWN_BAD, cert)
}

/// The known-bad root among `cert` and the certificates that may have issued it
/// (`issuers`: same name and a signature by that key).
pub fn issued_by<'a>(
    cert: &Cert,
    issuers: impl IntoIterator<Item = &'a Cert>,
) -> Option<&'static KnownBad> {
    lookup(cert).or_else(|| {
        issuers
            .into_iter()
            .filter(|i| cert.issuer_candidate(i))
            // A signature the verifier cannot check (the Superfish root's key is RSA-1024)
            // still names its issuer: only a signature that is checked and wrong clears it.
            .find_map(|i| lookup(i).filter(|_| cert.signed_by(i) != Ok(false)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> Cert {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let c = params.self_signed(&key).unwrap();
        Cert::from_der(c.der()).unwrap()
    }

    #[test]
    fn a_listed_key_is_found_by_its_spki_hash_and_another_is_not() {
        let bad = generated();
        let good = generated();
        let key = hex(&Sha256::digest(&bad.spki_raw));
        let key: &'static str = Box::leak(key.into_boxed_str());
        let list = [KnownBad {
            spki_sha256: key,
            subject: "CN=test",
            name: "test root",
        }];
        assert_eq!(lookup_in(&list, &bad).map(|k| k.name), Some("test root"));
        assert!(lookup_in(&list, &good).is_none());
    }

    #[test]
    fn the_list_holds_well_formed_unique_hashes() {
        for (i, k) in KNOWN_BAD.iter().enumerate() {
            assert_eq!(k.spki_sha256.len(), 64, "{}", k.name);
            assert!(k
                .spki_sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert!(KNOWN_BAD[..i]
                .iter()
                .all(|o| o.spki_sha256 != k.spki_sha256));
        }
    }
}
