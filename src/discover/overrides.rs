//! Environment variables that make Python ignore the bundles certpatch
//! patches. `find`, `add` and `status` report them when set.

use super::host::{vars, Host};
use super::kinds::Kind;

/// One variable that is set, and what it does.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Override {
    /// The variable's name.
    pub var: &'static str,
    /// Its value.
    pub value: String,
    /// What it means for requests, pip and the `ssl` module.
    pub effect: &'static str,
}

/// Every variable, in the order they are reported, with its effect.
pub const OVERRIDES: [(&str, &str); 5] = [
    (
        vars::REQUESTS_CA_BUNDLE,
        "requests uses this file instead of certifi's bundle (and so does pip, through its \
         vendored requests); patching certifi has no effect on requests while it is set",
    ),
    (
        vars::CURL_CA_BUNDLE,
        "requests uses this file instead of certifi's bundle when `REQUESTS_CA_BUNDLE` is not \
         set (and so does pip; curl reads it too); patching certifi has no effect on requests \
         while it is set",
    ),
    (
        vars::SSL_CERT_FILE,
        "the ssl module's default context (`ssl.create_default_context()`, urllib, \
         http.client) trusts this file, and httpx uses it instead of certifi; requests and pip \
         still use their certifi bundles",
    ),
    (
        vars::SSL_CERT_DIR,
        "the ssl module's default context also trusts the hashed certificates in this folder, \
         and httpx uses it instead of certifi; requests and pip still use their certifi bundles",
    ),
    (
        vars::PIP_CERT,
        "pip verifies against this file instead of its vendored certifi bundle; patching pip's \
         bundle has no effect on pip while it is set (requests and the ssl module ignore it)",
    ),
];

/// The overriding variables set on this host (an empty value counts as
/// unset, as requests treats it).
pub fn overrides(host: &Host) -> Vec<Override> {
    OVERRIDES
        .iter()
        .filter_map(|(var, effect)| {
            host.var(var).map(|value| Override {
                var,
                value: value.to_string(),
                effect,
            })
        })
        .collect()
}

impl Override {
    /// Whether this variable makes the users of this kind of bundle read another file:
    /// requests (and pip's vendored requests) for `REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE`,
    /// pip for `PIP_CERT`, and the `ssl` module (which conda's `ssl/cacert.pem` serves)
    /// for `SSL_CERT_FILE`/`SSL_CERT_DIR`.
    pub fn ignores(&self, kind: Kind) -> bool {
        match self.var {
            vars::REQUESTS_CA_BUNDLE | vars::CURL_CA_BUNDLE => kind != Kind::Conda,
            vars::PIP_CERT => kind == Kind::PipVendored,
            vars::SSL_CERT_FILE | vars::SSL_CERT_DIR => kind == Kind::Conda,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn reports_only_set_variables_in_order() {
        let host = Host::for_tests(
            Path::new("/"),
            &[
                ("PIP_CERT", "/p.pem"),
                ("REQUESTS_CA_BUNDLE", "/r.pem"),
                ("SSL_CERT_DIR", ""),
                ("HOME", "/h"),
            ],
            Path::new("/"),
        );
        let got = overrides(&host);
        let names: Vec<&str> = got.iter().map(|o| o.var).collect();
        assert_eq!(names, ["REQUESTS_CA_BUNDLE", "PIP_CERT"]);
        assert_eq!(got[0].value, "/r.pem");
        assert!(got[0]
            .effect
            .contains("patching certifi has no effect on requests"));
        assert!(got[1].effect.starts_with("pip verifies"));
    }

    #[test]
    fn nothing_set_nothing_reported() {
        let host = Host::for_tests(Path::new("/"), &[], Path::new("/"));
        assert!(overrides(&host).is_empty());
    }
}
