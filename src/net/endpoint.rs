//! What the user names as a server (`HOST`, `HOST:PORT`, `[v6]:PORT`, `https://URL`) read
//! into a host and a port, so that every later step (SNI, the proxy's CONNECT, the Python
//! check) uses one reading of it.

use std::fmt;
use std::net::IpAddr;

/// A server to connect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The host name or address, without brackets.
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// The address literal, when the host is one (no SNI is sent for it).
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// `host:port`, with brackets around an IPv6 address (for CONNECT and messages).
    pub fn authority(&self) -> String {
        match self.ip() {
            Some(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.authority())
    }
}

/// Reads `HOST`, `HOST:PORT`, `[v6]`, `[v6]:PORT`, a bare IPv6 address, or an `https://`
/// URL (its path, query and user part ignored). Without a scheme, a path, query or
/// fragment after the authority (`localhost:8443/`, copied from a browser's address bar
/// that hides `https://`) is ignored as in a URL. The port defaults to 443.
pub fn parse(text: &str) -> Result<Endpoint, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let before_path = |s: &str| s.find(['/', '?', '#']).unwrap_or(s.len());
    let authority = if lower.starts_with("https://") {
        let rest = &t["https://".len()..];
        let auth = &rest[..before_path(rest)];
        auth.rsplit_once('@').map_or(auth, |(_, a)| a)
    } else if let Some(scheme) = lower.split_once("://").map(|(s, _)| s) {
        return Err(format!(
            "`{scheme}://` has no certificate chain to read; certpatch reads a TLS server's chain: give HOST, HOST:PORT or an https:// URL"
        ));
    } else {
        &t[..before_path(t)]
    };
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(format!(
                "`{authority}`: an IPv6 address in [ ] lacks its `]`"
            ));
        };
        match after {
            "" => (host.to_string(), None),
            p if p.starts_with(':') => (host.to_string(), Some(&p[1..])),
            _ => return Err(format!("`{authority}`: expected `[ADDRESS]:PORT`")),
        }
    } else if authority.matches(':').count() > 1 {
        // A bare IPv6 address: no port can be told apart from it.
        (authority.to_string(), None)
    } else if let Some((h, p)) = authority.split_once(':') {
        (h.to_string(), Some(p))
    } else {
        (authority.to_string(), None)
    };
    let port = match port {
        None => 443,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(format!("`{p}` is not a port number (1 to 65535)")),
        },
    };
    let host = host.trim_end_matches('.').to_string();
    if host.is_empty() {
        return Err("no host name given; give HOST, HOST:PORT or an https:// URL".to_string());
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "/\\?#@[]".contains(c))
    {
        return Err(format!(
            "`{}` is not a host name",
            crate::x509::text::escape(&host)
        ));
    }
    if host.contains(':') && host.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(format!("`{host}` is not an IPv6 address"));
    }
    Ok(Endpoint { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(h: &str, p: u16) -> Endpoint {
        Endpoint {
            host: h.to_string(),
            port: p,
        }
    }

    #[test]
    fn every_accepted_form_reads_to_host_and_port() {
        assert_eq!(parse("example.com").unwrap(), ep("example.com", 443));
        assert_eq!(parse("example.com:8443").unwrap(), ep("example.com", 8443));
        assert_eq!(parse("[::1]:8443").unwrap(), ep("::1", 8443));
        assert_eq!(parse("[::1]").unwrap(), ep("::1", 443));
        assert_eq!(parse("::1").unwrap(), ep("::1", 443));
        assert_eq!(
            parse("HTTPS://user@example.com:444/a/b?c#d").unwrap(),
            ep("example.com", 444)
        );
        assert_eq!(
            parse("https://example.com").unwrap(),
            ep("example.com", 443)
        );
        assert_eq!(parse("[::1]:8443").unwrap().authority(), "[::1]:8443");
    }

    /// Regression (contract sweep): `localhost:18443/` was "`18443/` is not a port
    /// number" while `https://localhost:18443/` was read; without a scheme, what follows
    /// the authority is ignored as in a URL.
    #[test]
    fn a_path_after_host_and_port_is_ignored_without_a_scheme_too() {
        assert_eq!(parse("localhost:18443/").unwrap(), ep("localhost", 18443));
        assert_eq!(
            parse("example.com:8443/api/v1?x=1#top").unwrap(),
            ep("example.com", 8443)
        );
        assert_eq!(parse("example.com/").unwrap(), ep("example.com", 443));
        assert_eq!(parse("example.com?q").unwrap(), ep("example.com", 443));
        assert_eq!(parse("[::1]:8443/x").unwrap(), ep("::1", 8443));
        assert!(parse("/path-only").is_err());
        assert!(parse("example.com:x/").unwrap_err().contains("`x`"));
    }

    #[test]
    fn wrong_forms_are_refused_with_a_reason() {
        assert!(parse("http://example.com")
            .unwrap_err()
            .contains("https://"));
        assert!(parse("example.com:0").is_err());
        assert!(parse("example.com:99999").is_err());
        assert!(parse("").is_err());
        assert!(parse("[::1").is_err());
        assert!(parse("a b").is_err());
    }
}

/// One `--resolve HOST:PORT:ADDR` (curl's syntax): connect to ADDR when the server named
/// is HOST on PORT, while sending and checking HOST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolve {
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
}

impl Resolve {
    /// Reads `HOST:PORT:ADDR`; ADDR may be an IPv6 address, bracketed or not.
    pub fn parse(text: &str) -> Result<Resolve, String> {
        let bad = |why: &str| {
            format!("--resolve `{text}`: {why}; the form is HOST:PORT:ADDR, e.g. example.com:443:10.0.0.7")
        };
        let (host, rest) = text.split_once(':').ok_or_else(|| bad("no port"))?;
        let (port, addr) = rest.split_once(':').ok_or_else(|| bad("no address"))?;
        if host.is_empty() || host.contains(['/', '[', ']', ' ']) {
            return Err(bad("not a host name"));
        }
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
        let addr: IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad("ADDR is not an IP address"))?;
        Ok(Resolve {
            host: host.to_ascii_lowercase(),
            port,
            addr,
        })
    }

    /// The address `resolves` gives `endpoint`, if one names it.
    pub fn find(resolves: &[Resolve], endpoint: &Endpoint) -> Option<IpAddr> {
        resolves.iter().find(|r| r.names(endpoint)).map(|r| r.addr)
    }

    /// Whether this entry is for `endpoint`: the same host (any case) and port.
    pub fn names(&self, endpoint: &Endpoint) -> bool {
        self.port == endpoint.port && self.host.eq_ignore_ascii_case(&endpoint.host)
    }

    /// The entries that do not name `endpoint`, so are not used for it (curl ignores
    /// them silently; a user who typed one meant it, and should hear why it did nothing).
    pub fn unused<'r>(resolves: &'r [Resolve], endpoint: &Endpoint) -> Vec<&'r Resolve> {
        resolves.iter().filter(|r| !r.names(endpoint)).collect()
    }
}

/// `HOST:PORT:ADDR` as given (the host lowercased), an IPv6 ADDR in brackets.
impl fmt::Display for Resolve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr {
            IpAddr::V6(a) => write!(f, "{}:{}:[{a}]", self.host, self.port),
            IpAddr::V4(a) => write!(f, "{}:{}:{a}", self.host, self.port),
        }
    }
}

#[cfg(test)]
mod resolve_tests {
    use super::*;

    #[test]
    fn resolve_reads_curls_form_and_matches_host_and_port() {
        let r = Resolve::parse("Example.com:8443:10.0.0.7").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("example.com", 8443));
        assert_eq!(r.addr, "10.0.0.7".parse::<IpAddr>().unwrap());
        let v6 = Resolve::parse("h:443:[::1]").unwrap();
        assert_eq!(v6.addr, "::1".parse::<IpAddr>().unwrap());
        for bad in [
            "h",
            "h:443",
            "h:x:1.2.3.4",
            "h:0:1.2.3.4",
            ":443:1.2.3.4",
            "h:443:name",
        ] {
            assert!(Resolve::parse(bad).is_err(), "{bad}");
        }
        let list = [r];
        let ep = |host: &str, port| Endpoint {
            host: host.into(),
            port,
        };
        assert!(Resolve::find(&list, &ep("EXAMPLE.com", 8443)).is_some());
        assert!(Resolve::find(&list, &ep("example.com", 443)).is_none());
        assert!(Resolve::find(&list, &ep("other.com", 8443)).is_none());
    }

    #[test]
    fn an_entry_for_another_host_or_port_is_named_as_unused() {
        let list = [
            Resolve::parse("api.example.com:443:127.0.0.1").unwrap(),
            Resolve::parse("API.example.com:18443:[::1]").unwrap(),
        ];
        let target = parse("https://api.example.com:18443").unwrap();
        let unused = Resolve::unused(&list, &target);
        assert_eq!(unused, vec![&list[0]]);
        assert_eq!(unused[0].to_string(), "api.example.com:443:127.0.0.1");
        assert_eq!(list[1].to_string(), "api.example.com:18443:[::1]");
        assert!(Resolve::unused(&list[1..], &target).is_empty());
    }
}
