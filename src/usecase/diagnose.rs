//! `diagnose` (and the first half of `fix`): obtain the chain a server presents (or a
//! saved one), judge it against each bundle, and say for each cause whether it comes down
//! to a root certifi removed ([`crate::pki`]: as sent, plus the offline index) — then the
//! actions that can work replace "run `certpatch fix`".

use std::path::Path;

use anyhow::Result;
use rustls::pki_types::ServerName;

use crate::bundle::Bundle;
use crate::net::capture::{self, Timeouts};
use crate::net::endpoint::{self, Endpoint};
use crate::net::judge::{Cause, Judgement};
use crate::pki::advice::RemovedRoot;
use crate::pki::chain::DeadEnd;
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

/// Connects (or reads the file) and returns the chain. A usage mistake (an endpoint or
/// `--name` that is no host) is an `Err` holding a [`UsageError`].
pub fn obtain(origin: &Origin) -> Result<Result<Chain, NoChain>> {
    match origin {
        Origin::Server(text) => {
            let ep = endpoint::parse(text).map_err(UsageError)?;
            let captured = match capture::capture(&ep, Timeouts::default()) {
                Ok(c) => c,
                Err(e) => {
                    return Ok(Err(NoChain {
                        code: e.code(),
                        message: bounded(&e.to_string()).into_owned(),
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
            Ok(Ok(Chain {
                certs,
                name: Some(ep.host.clone()),
                proxy: captured.proxy.map(|p| p.shown()),
                source: ep.authority(),
                endpoint: Some(ep),
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
            }))
        }
    }
}

/// A judgement's causes, each with the removed root it comes down to (if any).
pub struct Explained {
    pub judgement: Judgement,
    pub removed: Vec<Option<RemovedRoot>>,
}

/// Explains `j` (the judgement of `certs` against `bundle`).
pub fn explain(knowledge: &Knowledge, j: Judgement, certs: &[Cert], bundle: &Bundle) -> Explained {
    let removed = j
        .causes
        .iter()
        .map(|c| {
            let end = removed_root(knowledge, c, certs, bundle)?;
            Some(RemovedRoot::new(&end, removed_name(&end, certs, c)))
        })
        .collect();
    Explained {
        judgement: j,
        removed,
    }
}

/// The root certifi shipped and later removed that `cause` comes down to, for a chain
/// judged against `bundle`: a missing issuer that the offline index cannot place under a
/// root of the bundle but whose chain (as sent, plus the index) ends at a removed root,
/// or a sent root the bundle lacks that certifi removed.
fn removed_root(
    knowledge: &Knowledge,
    cause: &Cause,
    certs: &[Cert],
    bundle: &Bundle,
) -> Option<DeadEnd> {
    let roots = knowledge.roots();
    match cause {
        Cause::MissingIssuer { depth, .. } => {
            let cert = certs.get(*depth)?;
            let c = crate::pki::complete(cert, bundle, knowledge.index(), roots);
            if c.path.is_some() {
                return None;
            }
            c.dead_ends.into_iter().next()
        }
        Cause::RootNotInBundle { depth, .. } => {
            let cert = certs.get(*depth)?;
            let root = roots.get(&cert.sha256)?;
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
