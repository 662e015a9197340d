//! Proxies from the environment: `HTTPS_PROXY` for the TLS capture (an HTTP CONNECT
//! tunnel, written here: a few lines, and the capture must own the socket), `HTTP_PROXY`
//! for AIA fetches (handed to ureq), both honouring `NO_PROXY`. Users who need certpatch
//! are often behind such a proxy: a company network that also inspects TLS.

use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine;

/// A proxy named by the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// The variable that named it, for messages.
    pub variable: &'static str,
    /// `host:port` of the proxy.
    pub authority: String,
    /// `user:password` from the URL, sent as Basic credentials; never printed.
    pub credentials: Option<String>,
}

impl Proxy {
    /// The proxy as a URL without its credentials (for messages and JSON).
    pub fn shown(&self) -> String {
        format!("http://{}", self.authority)
    }

    /// The URL with credentials, for ureq.
    pub fn url(&self) -> String {
        match &self.credentials {
            Some(c) => format!("http://{c}@{}", self.authority),
            None => format!("http://{}", self.authority),
        }
    }
}

fn var(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|n| {
        std::env::var(n)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*n, v))
    })
}

/// The proxy for a TLS connection to `host:port`: `HTTPS_PROXY` (or `https_proxy`, or
/// `ALL_PROXY`), unless `NO_PROXY` names the host. `Err` for a proxy URL certpatch cannot
/// use (not `http://`).
pub fn for_https(host: &str, port: u16) -> Result<Option<Proxy>, String> {
    from_env(
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        host,
        port,
    )
}

/// The proxy for a plain-HTTP fetch from `host:port`: `HTTP_PROXY` (or `http_proxy`, or
/// `ALL_PROXY`), unless `NO_PROXY` names the host.
pub fn for_http(host: &str, port: u16) -> Result<Option<Proxy>, String> {
    from_env(
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
        host,
        port,
    )
}

fn from_env(names: &[&'static str], host: &str, port: u16) -> Result<Option<Proxy>, String> {
    let Some((variable, value)) = var(names) else {
        return Ok(None);
    };
    if let Some((_, no)) = var(&["NO_PROXY", "no_proxy"]) {
        if no_proxy_matches(&no, host, port) {
            return Ok(None);
        }
    }
    parse_proxy(variable, &value).map(Some)
}

fn parse_proxy(variable: &'static str, value: &str) -> Result<Proxy, String> {
    let v = value.trim();
    let rest = match v.split_once("://") {
        None => v,
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "{variable} names a `{scheme}://` proxy; certpatch speaks to HTTP proxies (http://HOST:PORT) only; unset {variable} or point it at an HTTP proxy"
            ))
        }
    };
    let rest = rest.split('/').next().unwrap_or("");
    let (credentials, authority) = match rest.rsplit_once('@') {
        Some((c, a)) => (Some(c.to_string()), a),
        None => (None, rest),
    };
    if authority.is_empty() {
        return Err(format!("{variable} names no proxy host"));
    }
    let has_port = match authority.rsplit_once(']') {
        Some((_, after)) => after.starts_with(':'),
        None => authority.contains(':'),
    };
    let authority = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Ok(Proxy {
        variable,
        authority,
        credentials,
    })
}

/// Whether a `NO_PROXY` list names `host` (port `port`): `*`; an exact host or address;
/// a domain that `host` is in (`example.com` and `.example.com` both cover
/// `a.example.com`); an entry with `:PORT` only for that port. Case-insensitive.
pub fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    list.split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.to_ascii_lowercase();
            let (name, entry_port) = split_port(&entry);
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = name
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .trim_start_matches('[')
                .trim_end_matches(']');
            !name.is_empty() && (host == name || host.ends_with(&format!(".{name}")))
        })
}

fn split_port(entry: &str) -> (&str, Option<u16>) {
    if entry.starts_with('[') || entry.matches(':').count() == 1 {
        if let Some((n, p)) = entry.rsplit_once(':') {
            if !n.ends_with(':') {
                if let Ok(p) = p.parse() {
                    return (n, Some(p));
                }
            }
        }
    }
    (entry, None)
}

/// The most a proxy's answer to CONNECT may hold before its blank line.
const MAX_CONNECT_ANSWER: usize = 16 * 1024;

/// Why no tunnel was opened.
#[derive(Debug)]
pub enum TunnelError {
    /// The time limit of `sock` passed (a silent, or a byte-a-second, proxy).
    TimedOut,
    /// What the proxy did instead (for a message).
    Failed(String),
}

impl From<String> for TunnelError {
    fn from(s: String) -> Self {
        TunnelError::Failed(s)
    }
}

impl From<&str> for TunnelError {
    fn from(s: &str) -> Self {
        TunnelError::Failed(s.to_string())
    }
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// Asks the proxy on `sock` for a tunnel to `authority`. `sock` bounds the time (the
/// capture gives it one deadline for the tunnel and the handshake together).
pub fn connect_tunnel(
    sock: &mut (impl Read + Write),
    proxy: &Proxy,
    authority: &str,
) -> Result<(), TunnelError> {
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(c) = &proxy.credentials {
        request.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64::engine::general_purpose::STANDARD.encode(c)
        ));
    }
    request.push_str("\r\n");
    sock.write_all(request.as_bytes()).map_err(|e| {
        if timed_out(&e) {
            TunnelError::TimedOut
        } else {
            TunnelError::Failed(format!("sending CONNECT to the proxy failed: {e}"))
        }
    })?;
    // Read byte by byte up to the blank line, so nothing of the tunnel is consumed.
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        match sock.read(&mut byte) {
            Ok(0) => {
                return Err("the proxy closed the connection instead of answering CONNECT".into())
            }
            Ok(_) => answer.push(byte[0]),
            Err(e) if timed_out(&e) => return Err(TunnelError::TimedOut),
            Err(e) => return Err(format!("no answer from the proxy to CONNECT: {e}").into()),
        }
        if answer.len() > MAX_CONNECT_ANSWER {
            return Err("the proxy's answer to CONNECT is too long".into());
        }
    }
    let text = String::from_utf8_lossy(&answer);
    let status = text.lines().next().unwrap_or("");
    let code = status.split_whitespace().nth(1).unwrap_or("");
    if code == "200" {
        Ok(())
    } else {
        let shown = crate::x509::text::escape(status.trim()).into_owned();
        Err(TunnelError::Failed(match code {
            "407" => format!("the proxy wants credentials ({shown}); put them in {} as http://USER:PASSWORD@HOST:PORT", proxy.variable),
            "403" => format!("the proxy refused the tunnel ({shown}); it may not allow CONNECT to this port, or set NO_PROXY if the server is reachable directly"),
            _ => format!("the proxy refused the tunnel: {shown}"),
        }))
    }
}

/// Default time to reach a proxy or server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_entries_match_hosts_domains_ports_and_star() {
        assert!(no_proxy_matches("*", "x.org", 443));
        assert!(no_proxy_matches("example.com", "example.com", 443));
        assert!(no_proxy_matches("example.com", "a.Example.com", 443));
        assert!(no_proxy_matches(".example.com", "a.example.com", 443));
        assert!(no_proxy_matches("*.example.com", "a.example.com", 443));
        assert!(!no_proxy_matches("example.com", "badexample.com", 443));
        assert!(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1", 8443));
        assert!(no_proxy_matches("example.com:8443", "example.com", 8443));
        assert!(!no_proxy_matches("example.com:8443", "example.com", 443));
        assert!(no_proxy_matches("::1", "::1", 443));
        assert!(no_proxy_matches("[::1]:443", "::1", 443));
        assert!(!no_proxy_matches("", "example.com", 443));
    }

    #[test]
    fn proxy_urls_read_to_host_port_and_hidden_credentials() {
        let p = parse_proxy("HTTPS_PROXY", "http://u:p@proxy.corp:3128/").unwrap();
        assert_eq!(p.authority, "proxy.corp:3128");
        assert_eq!(p.credentials.as_deref(), Some("u:p"));
        assert_eq!(p.shown(), "http://proxy.corp:3128");
        assert_eq!(
            parse_proxy("HTTPS_PROXY", "proxy.corp").unwrap().authority,
            "proxy.corp:80"
        );
        assert!(parse_proxy("HTTPS_PROXY", "socks5://proxy:1080").is_err());
    }
}
