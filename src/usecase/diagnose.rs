//! `diagnose` (and the first half of `fix`): obtain the chain a server presents (or a
//! saved one), judge it against each bundle, and say for each cause whether it comes down
//! to a root certifi removed ([`crate::pki`]: as sent, plus the offline index) — then the
//! actions that can work replace "run `certpatch fix`".

use std::path::Path;

use anyhow::Result;
use rustls::pki_types::ServerName;

use crate::bundle::Bundle;
use crate::net::capture::{self, CaptureError, Timeouts};
use crate::net::endpoint::{self, Endpoint, Resolve};
use crate::net::judge::{self, Cause, Judgement, OsRoots};
use crate::net::proxy;
use crate::net::pyssl::Rules as PyRules;
use crate::pki::advice::RemovedRoot;
use crate::pki::chain::{Completion, DeadEnd};
use crate::target::Target;
use crate::usecase::knowledge::Knowledge;
use crate::usecase::UsageError;
use crate::x509::cert::Cert;
use crate::x509::text::{bounded, escape};

/// Where the chain comes from.
pub enum Origin<'a> {
    Server(&'a str),
    File {
        file: &'a Path,
        name: Option<&'a str>,
    },
}

/// A chain to judge: the certificates as sent (leaf first), the name to check, and
/// where it came from.
pub struct Chain {
    pub certs: Vec<Cert>,
    pub endpoint: Option<Endpoint>,
    /// The name the leaf must be valid for (`None`: `--chain` without `--name`).
    pub name: Option<String>,
    pub proxy: Option<String>,
    /// `HOST:PORT` or the file name, for messages and the patch source.
    pub source: String,
    /// The address connected to instead of resolving the host (`--resolve`).
    pub addr: Option<std::net::IpAddr>,
}

impl Chain {
    pub fn server_name(&self) -> Option<ServerName<'static>> {
        let name = self.name.as_deref()?;
        ServerName::try_from(name.to_string()).ok()
    }
}

/// Why no chain could be read, with its stable code.
pub struct NoChain {
    pub code: &'static str,
    pub message: String,
}

/// What `obtain` says while it works (a handshake may take its whole limit).
pub enum Obtaining<'s> {
    /// About to connect to `authority` (at `addr` with `--resolve`), for at most `secs`.
    Connecting {
        authority: &'s str,
        addr: Option<std::net::IpAddr>,
        secs: u64,
    },
    /// rustls found no common TLS settings; trying OpenSSL with Python's settings.
    TryingOpenssl { authority: &'s str },
    /// How the chain was read, when that matters (through OpenSSL).
    Note(&'s str),
}

/// Connects (or reads the file) and returns the chain. A usage mistake (an endpoint or
/// `--name` that is no host) is an `Err` holding a [`UsageError`].
pub fn obtain(
    origin: &Origin,
    resolve: &[Resolve],
    say: &dyn Fn(Obtaining),
) -> Result<Result<Chain, NoChain>> {
    match origin {
        Origin::Server(text) => {
            let ep = endpoint::parse(text).map_err(UsageError)?;
            let addr = Resolve::find(resolve, &ep);
            let limits = Timeouts::default();
            say(Obtaining::Connecting {
                authority: &ep.authority(),
                addr,
                secs: (limits.connect + limits.handshake).as_secs(),
            });
            let mut capture_note = None;
            let captured = match capture::capture_at(&ep, addr, limits) {
                Ok(c) => c,
                // rustls cannot talk to it (DHE, CBC, static RSA, old versions): OpenSSL
                // with Python's own settings may, and then that is what Python sees.
                Err(e @ CaptureError::Mismatch { .. })
                    if proxy::for_https(&ep.host, ep.port).ok().flatten().is_none() =>
                {
                    say(Obtaining::TryingOpenssl {
                        authority: &ep.authority(),
                    });
                    match crate::net::capture_openssl::capture(&ep, addr, limits.handshake) {
                        Ok(chain) => {
                            capture_note = Some(format!("rustls (certpatch's own TLS) could not negotiate with this server ({}); the chain was read through OpenSSL with Python's default ciphers, which can: Python connects as far as TLS settings go, but rustls-based clients (e.g. uv, Rust or Go tools with their own TLS) may not", first_line(&capture_message(&e))));
                            capture::Captured {
                                chain,
                                peer: std::net::SocketAddr::from(([0, 0, 0, 0], ep.port)),
                                proxy: None,
                            }
                        }
                        Err(why) => {
                            return Ok(Err(NoChain {
                                code: e.code(),
                                message: format!(
                                    "{}\nPython's default TLS settings (OpenSSL) cannot negotiate with it either: {}; the server's TLS configuration (versions, ciphers) is the problem, not a bundle",
                                    capture_message(&e),
                                    bounded(&why)
                                ),
                            }))
                        }
                    }
                }
                Err(e) => {
                    return Ok(Err(NoChain {
                        code: e.code(),
                        message: capture_message(&e),
                    }))
                }
            };
            let mut certs = Vec::new();
            for (i, der) in captured.chain.iter().enumerate() {
                match Cert::from_der(der) {
                    Ok(c) => certs.push(c),
                    Err(e) => {
                        return Ok(Err(NoChain {
                            code: "malformed-chain",
                            message: format!(
                                "{}: the server's certificate [{i}] cannot be read: {e}",
                                ep.authority()
                            ),
                        }))
                    }
                }
            }
            let addr = if captured.proxy.is_some() { None } else { addr };
            if let Some(n) = &capture_note {
                say(Obtaining::Note(n));
            }
            Ok(Ok(Chain {
                certs,
                name: Some(ep.host.clone()),
                proxy: captured.proxy.map(|p| p.shown()),
                source: ep.authority(),
                endpoint: Some(ep),
                addr,
            }))
        }
        Origin::File { file, name } => {
            let input = match crate::x509::input::read(file) {
                Ok(i) => i,
                Err(e) => {
                    return Ok(Err(NoChain {
                        code: e.code(),
                        message: bounded(&e.to_string()).into_owned(),
                    }))
                }
            };
            if let Some(n) = name {
                if ServerName::try_from(n.to_string()).is_err() {
                    return Err(UsageError(format!(
                        "--name `{}` is not a host name or address",
                        escape(n)
                    ))
                    .into());
                }
            }
            Ok(Ok(Chain {
                certs: input.certs,
                endpoint: None,
                name: name.map(|n| n.to_string()),
                proxy: None,
                source: input.source,
                addr: None,
            }))
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn capture_message(e: &CaptureError) -> String {
    bounded(&e.to_string()).into_owned()
}

/// Judges the chain for one target as its Python will: the rules of its interpreter's
/// version (both when unknown), known-bad roots flagged by name.
pub fn judge_target(
    at: time::OffsetDateTime,
    chain: &Chain,
    bundle: &Bundle,
    target: &Target,
    os: &OsRoots,
) -> Judgement {
    let mut j = judge::judge_for(
        &chain.certs,
        bundle,
        chain.server_name().as_ref(),
        at,
        os,
        &PyRules::for_target(target.python_3_13()),
        &|c| {
            crate::accept::known_bad::lookup(c).map(|k| judge::Flagged {
                name: k.name.to_string(),
            })
        },
    );
    // A root found in the OS store that certifi itself shipped is a public root, not a
    // company proxy's: the chain's top then misses its issuer in the usual sense (and a
    // root certifi removed gets its own explanation).
    let roots = crate::pki::roots::Roots::embedded();
    for c in &mut j.causes {
        let Cause::RootNotInBundle {
            depth,
            sha256,
            sent: false,
            ..
        } = c
        else {
            continue;
        };
        let key: Option<[u8; 32]> = (0..32)
            .map(|i| u8::from_str_radix(sha256.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
            .and_then(|v| v.try_into().ok());
        let public = key.is_some_and(|k| roots.get(&k).is_some());
        let top = depth.checked_sub(1).and_then(|d| {
            let order = judge::path(&chain.certs);
            order.get(d).map(|&i| &chain.certs[i])
        });
        if let (true, Some(top)) = (public, top) {
            *c = Cause::MissingIssuer {
                depth: *depth - 1,
                subject: top.subject().to_string(),
                issuer: top.issuer().to_string(),
                ca_issuers: judge::extra(top).ca_issuers,
            };
        }
    }
    j
}

/// A judgement's causes, each with the removed root it comes down to (if any) and what
/// to do about it.
pub struct Explained {
    pub judgement: Judgement,
    pub removed: Vec<Option<RemovedRoot>>,
    /// What to do about each cause, when it is not a removed root's actions: the cause's
    /// own advice, except for a missing issuer that `fix` could not find either (no AIA
    /// URL, and not in the offline index), where "run `certpatch fix`" would send the
    /// user in a circle.
    pub advice: Vec<String>,
}

/// Explains `j` (the judgement of `certs` against `bundle`).
pub fn explain(knowledge: &Knowledge, j: Judgement, certs: &[Cert], bundle: &Bundle) -> Explained {
    let mut removed = Vec::new();
    let mut advice = Vec::new();
    for c in &j.causes {
        // A missing issuer is completed through the offline index once, for both.
        let completion = match c {
            Cause::MissingIssuer { depth, .. } => certs.get(*depth).map(|cert| {
                crate::pki::complete(cert, bundle, knowledge.index(), knowledge.roots())
            }),
            _ => None,
        };
        removed.push(
            removed_root(knowledge, c, completion.as_ref(), certs, bundle)
                .map(|end| RemovedRoot::new(&end, removed_name(&end, certs, c))),
        );
        advice.push(advice_for(c, completion.as_ref()));
    }
    Explained {
        judgement: j,
        removed,
        advice,
    }
}

/// What to do about `cause`: its own advice, unless it is a missing issuer that names no
/// AIA URL and that the offline index cannot place under a root of the bundle
/// (`completion`) — then `fix` has nowhere to find it, and the user must bring the
/// intermediate.
fn advice_for(cause: &Cause, completion: Option<&Completion>) -> String {
    let (
        Cause::MissingIssuer {
            issuer, ca_issuers, ..
        },
        Some(found),
    ) = (cause, completion)
    else {
        return cause.advice();
    };
    if !ca_issuers.is_empty() {
        return cause.advice();
    }
    if found.path.is_some() {
        return "run `certpatch fix` with the same arguments: the certificate names no AIA URL, but certpatch's offline index of disclosed intermediates holds its issuer; fix checks it and adds it. The server should also be fixed to send its full chain".into();
    }
    format!(
        "`certpatch fix` cannot find it: the certificate names no AIA URL, and certpatch's offline index of disclosed intermediates does not hold `{issuer}`. Get that intermediate from the server's operator or the CA's website (or export it from a browser that connects: the padlock, the certificate, its issuer), then `certpatch add FILE` with the same targets; the server should also be fixed to send its full chain"
    )
}

/// The root certifi shipped and later removed that `cause` comes down to, for a chain
/// judged against `bundle`: a missing issuer that the offline index cannot place under a
/// root of the bundle but whose chain (as sent, plus the index) ends at a removed root,
/// or a sent root the bundle lacks that certifi removed.
fn removed_root(
    knowledge: &Knowledge,
    cause: &Cause,
    completion: Option<&Completion>,
    certs: &[Cert],
    bundle: &Bundle,
) -> Option<DeadEnd> {
    let roots = knowledge.roots();
    match cause {
        Cause::MissingIssuer { .. } => {
            let c = completion?;
            if c.path.is_some() {
                return None;
            }
            c.dead_ends.first().cloned()
        }
        Cause::RootNotInBundle { depth, .. } => {
            let cert = certs.get(*depth)?;
            let root = roots.get(&cert.sha256())?;
            if root.removed_in.is_none() || bundle.contains(cert) {
                return None;
            }
            Some(DeadEnd {
                via: Vec::new(),
                root: root.clone(),
            })
        }
        _ => None,
    }
}

/// The certificate the actions name: the one whose issuer is missing, else the first
/// intermediate on the way, else the root itself.
fn removed_name<'c>(end: &'c DeadEnd, certs: &'c [Cert], cause: &Cause) -> &'c str {
    match cause {
        Cause::MissingIssuer { depth, .. } => certs.get(*depth).map(|c| c.name()),
        _ => end.via.first().map(|c| c.name()),
    }
    .unwrap_or_else(|| end.root.cert.name())
}
