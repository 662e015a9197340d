//! Fetching a missing issuer from an AIA "CA Issuers" URL over plain HTTP (ureq, no TLS:
//! AIA is plain HTTP by design, and what comes back is checked by its signature anyway).
//!
//! Limits, since the URL comes from a certificate anyone can make: 10 s per answer,
//! 64 KiB per answer, at most 5 fetches per run, each URL once (no loops), and no
//! redirect followed (a redirect is an answer refused as `redirect`: following it would
//! let whoever made the certificate send certpatch's GET to another host — an internal
//! service — outside the budget); `HTTP_PROXY` and `NO_PROXY` are honoured. The answer is read by the same code as a FILE (DER, PEM
//! or PKCS#7), and a certificate counts only if it signs the certificate that named it.

use std::time::Duration;

use crate::net::proxy;
use crate::x509::cert::Cert;

pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const MAX_ANSWER: u64 = 64 * 1024;
pub const MAX_FETCHES: usize = 5;

/// One fetch and what came of it.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub url: String,
    /// `ok`, or why the answer was refused (`too-large`, `timed-out`, `not-certificates`,
    /// `wrong-signer`, `http-status`, `redirect`, `unreachable`), or why nothing was fetched
    /// (`not-http`, `limit`).
    pub outcome: &'static str,
    pub detail: String,
}

/// Fetches with the run's budget.
pub struct Fetcher {
    pub timeout: Duration,
    pub budget: usize,
    pub attempts: Vec<Attempt>,
    /// What each URL gave, so that several bundles (or a second walk) reuse one fetch.
    answers: std::collections::HashMap<String, Option<Cert>>,
}

impl Default for Fetcher {
    fn default() -> Self {
        Fetcher {
            timeout: TIMEOUT,
            budget: MAX_FETCHES,
            attempts: Vec::new(),
            answers: Default::default(),
        }
    }
}

impl Fetcher {
    fn note(&mut self, url: &str, outcome: &'static str, detail: impl Into<String>) {
        self.attempts.push(Attempt {
            url: url.to_string(),
            outcome,
            detail: detail.into(),
        });
    }

    /// The certificate at `url` that signs `child`, if the answer holds one.
    pub fn issuer_of(&mut self, child: &Cert, url: &str) -> Option<Cert> {
        if let Some(answer) = self.answers.get(url) {
            // Fetched once already: the same answer, checked against this child again.
            return answer
                .clone()
                .filter(|c| child.issuer_candidate(c) && child.signed_by(c) == Ok(true));
        }
        let found = self.fetch_issuer(child, url);
        self.answers.insert(url.to_string(), found.clone());
        found
    }

    fn fetch_issuer(&mut self, child: &Cert, url: &str) -> Option<Cert> {
        if !url.to_ascii_lowercase().starts_with("http://") {
            self.note(url, "not-http", "only http:// CA Issuers URLs are fetched");
            return None;
        }
        if self
            .attempts
            .iter()
            .filter(|a| a.outcome != "repeat" && a.outcome != "not-http" && a.outcome != "limit")
            .count()
            >= self.budget
        {
            self.note(
                url,
                "limit",
                format!("at most {} fetches per run", self.budget),
            );
            return None;
        }
        let certs = match self.get(url) {
            Ok(bytes) => match crate::x509::input::parse(&bytes, url) {
                Ok(certs) => certs,
                Err(e) => {
                    self.note(
                        url,
                        "not-certificates",
                        crate::x509::text::bounded(&e.to_string()).into_owned(),
                    );
                    return None;
                }
            },
            Err((code, why)) => {
                self.note(url, code, why);
                return None;
            }
        };
        let signer = certs
            .into_iter()
            .find(|c| child.issuer_candidate(c) && child.signed_by(c) == Ok(true));
        match signer {
            Some(c) => {
                self.note(
                    url,
                    "ok",
                    format!("`{}` signs `{}`", c.subject(), child.subject()),
                );
                Some(c)
            }
            None => {
                self.note(
                    url,
                    "wrong-signer",
                    format!("no certificate in the answer signs `{}`", child.subject()),
                );
                None
            }
        }
    }

    fn get(&self, url: &str) -> Result<Vec<u8>, (&'static str, String)> {
        let (host, port) = host_port(url);
        let proxy = proxy::for_http(&host, port).map_err(|e| ("unreachable", e))?;
        let proxy = match proxy {
            Some(p) => Some(
                ureq::Proxy::new(&p.url())
                    .map_err(|e| ("unreachable", format!("{}: {e}", p.variable)))?,
            ),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .proxy(proxy)
            .max_redirects(0)
            .https_only(false)
            .http_status_as_error(false)
            .build()
            .into();
        let mut answer = agent.get(url).call().map_err(|e| match e {
            ureq::Error::Timeout(_) => (
                "timed-out",
                format!("no full answer within {} s", self.timeout.as_secs()),
            ),
            other => ("unreachable", other.to_string()),
        })?;
        let status = answer.status();
        if status.is_redirection() {
            let to = answer
                .headers()
                .get("location")
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
                .unwrap_or_default();
            return Err((
                "redirect",
                format!(
                    "HTTP status {status} to `{}`: certpatch follows no AIA redirect (fetch that URL yourself and give the file to `certpatch add`)",
                    crate::x509::text::bounded(&to)
                ),
            ));
        }
        if !status.is_success() {
            return Err(("http-status", format!("HTTP status {status}")));
        }
        answer
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => (
                    "too-large",
                    format!("the answer is larger than {} KiB", MAX_ANSWER / 1024),
                ),
                ureq::Error::Timeout(_) => (
                    "timed-out",
                    format!("no full answer within {} s", self.timeout.as_secs()),
                ),
                other => ("unreachable", other.to_string()),
            })
    }
}

fn host_port(url: &str) -> (String, u16) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let auth = rest.split(['/', '?', '#']).next().unwrap_or("");
    let auth = auth.rsplit_once('@').map_or(auth, |(_, a)| a);
    let has_port = match auth.rsplit_once(']') {
        Some((_, after)) => after.starts_with(':'),
        None => auth.matches(':').count() == 1,
    };
    match crate::net::endpoint::parse(auth) {
        Ok(e) if has_port => (e.host, e.port),
        Ok(e) => (e.host, 80),
        Err(_) => (auth.to_string(), 80),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_port_of_an_aia_url_defaults_to_80() {
        assert_eq!(
            super::host_port("http://a.example/x.crt"),
            ("a.example".into(), 80)
        );
        assert_eq!(
            super::host_port("http://a.example:8080/x"),
            ("a.example".into(), 8080)
        );
        assert_eq!(super::host_port("http://[::1]/x"), ("::1".into(), 80));
        assert_eq!(super::host_port("http://[::1]:81/x"), ("::1".into(), 81));
    }
}
