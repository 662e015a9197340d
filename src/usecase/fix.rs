//! `fix`: `diagnose`, then for each bundle that does not verify the server's chain only
//! because an issuer is missing (or, with `--allow-root`, a root), find the missing
//! issuer(s) in an ordered list of sources (the offline index first, then AIA unless
//! `--offline`), check that the patched bundle would verify the chain (webpki), add them
//! through `add` itself (every acceptance rule, the transaction, the Python load check, the
//! ledger: nothing weaker because it came from the network), verify again, and where the
//! bundle's interpreter is known, confirm with that Python's own `ssl` module.
//!
//! The only bridge between `pki` (the offline index as an issuer source) and `net`.

use std::path::Path;

use anyhow::Result;

use crate::bundle::Bundle;
use crate::discover::host::vars::CA_OVERRIDES;
use crate::discover::Host;
use crate::net::aia::Attempt;
use crate::net::endpoint::Endpoint;
use crate::net::issuers::{self, End, Found, Source};
use crate::net::judge::{self, OsRoots};
use crate::pki::Index;
use crate::target::Target;
use crate::usecase::add::AddStatus;
use crate::usecase::diagnose::{explain, judge_target, Chain, Explained};
use crate::usecase::knowledge::Knowledge;
use crate::x509::cert::Cert;
use crate::x509::input::Input;
use crate::x509::text::{bounded, path_text};

/// The offline index of CCADB intermediates as an issuer source: asked first, and the only
/// one with `--offline`. What it returns is data, not trust: the walk keeps only a
/// certificate that signs the child, and `add`'s checks judge it before anything is written.
pub struct OfflineIndex<'a>(pub &'a Index);

impl Source for OfflineIndex<'_> {
    fn name(&self) -> &'static str {
        "offline index"
    }

    fn candidates(&mut self, child: &Cert) -> Vec<(Cert, String)> {
        let date = self.0.date.clone();
        self.0
            .issuers_of(child)
            .into_iter()
            .map(|c| (c, format!("certpatch offline index {date}")))
            .collect()
    }
}

/// The issuer sources of this run, in the order they are asked: the offline index, the
/// operating system's store (a company proxy's root), then AIA unless `--offline`.
pub fn sources(index: &Index, offline: bool) -> Vec<Box<dyn Source + '_>> {
    let mut list: Vec<Box<dyn Source + '_>> = vec![
        Box::new(OfflineIndex(index)),
        Box::new(issuers::OsStore::default()),
    ];
    if !offline {
        list.push(Box::new(issuers::Aia::default()));
    }
    list
}

/// What `fix` did for one bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixStatus {
    /// The bundle verifies the chain (nothing to do, or `add` found it unchanged).
    Verifies,
    Patched,
    WouldPatch,
    /// A cause adding certificates cannot cure.
    NotFixable,
    IssuerNotFound,
    /// The chain ends at a root the bundle lacks, and `--allow-root` was not given.
    RootNeeded,
    /// Even with what was found the bundle would not verify the chain.
    WouldNotVerify,
    /// `add` refused, or the bundle still did not verify after the patch.
    Refused,
}

/// How to fix, besides the chain and the target.
pub struct Request<'a> {
    pub dry_run: bool,
    pub offline: bool,
    pub allow_root: bool,
    pub at: time::OffsetDateTime,
    pub knowledge: &'a Knowledge,
    pub host: &'a Host,
}

/// What `fix` says about one bundle while it works, in order.
pub enum Step<'s> {
    /// The chain judged against the bundle as it is.
    Judged(&'s Explained),
    NothingToFix,
    /// Causes adding certificates cannot cure (their codes).
    NotFixable {
        codes: &'s [&'static str],
    },
    /// About to look for the missing issuer in these sources.
    Searching {
        sources: &'s [&'static str],
        offline: bool,
    },
    /// The fetches made for this bundle.
    Fetched(&'s [Attempt]),
    /// No source had `issuer`; `looked_in` names the sources asked.
    IssuerNotFound {
        issuer: &'s str,
        looked_in: &'s [&'static str],
        offline: bool,
    },
    /// The chain ends at `root`, which the bundle lacks.
    RootNeeded {
        root: &'s Cert,
        os_trusts: bool,
    },
    WouldNotVerify {
        why: &'s str,
    },
    /// The certificates about to be added.
    Found(&'s [Cert]),
    /// A dry run: the patched bundle would verify the chain.
    WouldVerify,
    /// After the patch: whether the bundle now verifies the chain.
    VerifiedAfter(bool),
    /// The Python check was not run: the server was reached through a proxy.
    PythonSkipped {
        detail: &'s str,
    },
    /// The Python check runs without these variables (set here).
    PythonWithout {
        variables: &'s [&'static str],
    },
    /// About to ask `python` to connect to `authority` with the bundle (`patched`: after
    /// the patch; else the bundle as it is, in `diagnose`).
    AskingPython {
        python: &'s str,
        authority: &'s str,
        patched: bool,
    },
    /// Python's verdict after a patch (`verifies` `None`: it could not be asked).
    Python(&'s PythonCheck),
    /// Python's verdict beside certpatch's own judgement (`diagnose`); `agrees` says
    /// whether they are the same.
    PythonBeside {
        check: &'s PythonCheck,
        agrees: Option<bool>,
    },
}

/// Python's verdict on the host with the patched bundle.
pub struct PythonCheck {
    pub interpreter: String,
    pub version: Option<String>,
    pub verifies: Option<bool>,
    pub detail: String,
}

/// What `fix` did for one bundle.
pub struct Fixed {
    pub status: FixStatus,
    pub explained: Explained,
    pub found: Vec<Found>,
    /// Whether webpki verifies the chain with the bundle after the patch.
    pub verifies_after: Option<bool>,
    pub python: Option<PythonCheck>,
}

/// Fixes one bundle. `add_one(input)` adds through `add` (the caller shows it) and
/// returns its status.
#[allow(clippy::too_many_arguments)]
pub fn fix_one(
    chain: &Chain,
    target: &Target,
    req: &Request,
    os: &OsRoots,
    sources: &mut [Box<dyn Source + '_>],
    say: &dyn Fn(Step),
    add_one: &mut dyn FnMut(&Input) -> Result<AddStatus>,
) -> Result<Fixed> {
    let name = chain.server_name();
    let bundle = Bundle::parse(target.read()?);
    let before = judge_target(req.at, chain, &bundle, target, os);
    let explained = explain(req.knowledge, before, &chain.certs, &bundle);
    say(Step::Judged(&explained));
    let mut fixed = Fixed {
        status: FixStatus::Verifies,
        explained,
        found: Vec::new(),
        verifies_after: None,
        python: None,
    };
    let before = &fixed.explained.judgement;
    if before.verifies {
        say(Step::NothingToFix);
        return Ok(fixed);
    }
    let unfixable: Vec<&'static str> = before
        .causes
        .iter()
        .filter(|c| !c.bundle_fixable())
        .map(|c| c.code())
        .collect();
    if !unfixable.is_empty() {
        say(Step::NotFixable { codes: &unfixable });
        fixed.status = FixStatus::NotFixable;
        return Ok(fixed);
    }
    // Find the missing issuers, asking each source in order.
    let names: Vec<&'static str> = sources.iter().map(|s| s.name()).collect();
    say(Step::Searching {
        sources: &names,
        offline: req.offline,
    });
    let seen_before: usize = sources.iter().map(|s| s.attempts().len()).sum();
    let (found, end) = issuers::walk(&chain.certs, &bundle, sources);
    let attempts: Vec<Attempt> = sources.iter().flat_map(|s| s.attempts()).collect();
    say(Step::Fetched(&attempts[seen_before.min(attempts.len())..]));
    fixed.found = found.clone();
    let mut to_add: Vec<Cert> = found.iter().map(|f| f.cert.clone()).collect();
    let mut origins: Vec<String> = found
        .iter()
        .map(|f| format!("{} {}", f.source, f.origin))
        .collect();
    match &end {
        End::Anchored => {}
        End::NotFound(issuer) => {
            let names: Vec<&'static str> = sources.iter().map(|s| s.name()).collect();
            say(Step::IssuerNotFound {
                issuer,
                looked_in: &names,
                offline: req.offline,
            });
            fixed.status = FixStatus::IssuerNotFound;
            return Ok(fixed);
        }
        End::Root => {
            // The root at the top: fetched, or sent by the server.
            let root = match found.last() {
                Some(f) if f.root => f.cert.clone(),
                _ => chain.certs[*judge::path(&chain.certs).last().unwrap()].clone(),
            };
            if !req.allow_root {
                say(Step::RootNeeded {
                    root: &root,
                    os_trusts: os.trusts(&root),
                });
                fixed.status = FixStatus::RootNeeded;
                return Ok(fixed);
            }
            if !to_add.iter().any(|c| c.sha256() == root.sha256()) {
                origins.push(format!("root sent by {}", chain.source));
                fixed.found.push(Found {
                    subject: root.subject().to_string(),
                    sha256: root.sha256_hex(),
                    source: "server",
                    origin: format!("sent by {}", chain.source),
                    root: true,
                    cert: root.clone(),
                });
                to_add.push(root);
            }
        }
    }
    // The patched bundle must verify the chain, or nothing is added.
    let mut simulated = bundle.bytes.clone();
    if !simulated.is_empty() && !simulated.ends_with(b"\n") {
        simulated.push(b'\n');
    }
    simulated.extend(pem_of(&to_add));
    let simulated = Bundle::parse(simulated);
    if let Err(why) = judge::webpki_verify(&chain.certs, &simulated, name.as_ref(), req.at) {
        say(Step::WouldNotVerify { why: &why });
        fixed.status = FixStatus::WouldNotVerify;
        return Ok(fixed);
    }
    say(Step::Found(&to_add));
    // Exactly `add`'s per-bundle code: every rule, the transaction, the load check.
    let input = Input {
        certs: to_add,
        source: format!("fix {} ({})", chain.source, origins.join(", ")),
    };
    fixed.status = match add_one(&input)? {
        AddStatus::Patched => FixStatus::Patched,
        AddStatus::WouldPatch => FixStatus::WouldPatch,
        AddStatus::Unchanged => FixStatus::Verifies,
        _ => FixStatus::Refused,
    };
    if fixed.status == FixStatus::Refused {
        return Ok(fixed);
    }
    if req.dry_run {
        say(Step::WouldVerify);
        return Ok(fixed);
    }
    // Verify again, from the bytes now on disk.
    let after = Bundle::parse(target.read()?);
    let verifies = judge::webpki_verify(&chain.certs, &after, name.as_ref(), req.at).is_ok();
    fixed.verifies_after = Some(verifies);
    say(Step::VerifiedAfter(verifies));
    if !verifies {
        fixed.status = FixStatus::Refused;
        return Ok(fixed);
    }
    if let (Some(python), Some(ep)) = (&target.interpreter, &chain.endpoint) {
        fixed.python = Some(confirm_with_python(
            req.host, target, python, ep, chain, None, say,
        ));
    }
    Ok(fixed)
}

fn pem_of(certs: &[Cert]) -> Vec<u8> {
    certs
        .iter()
        .flat_map(|c| c.pem("\n").into_bytes())
        .collect()
}

/// What Python is asked: a TLS handshake to the host with the bundle as its CA file.
const VERIFY_SCRIPT: &str = r#"import socket, ssl, sys
host, port, cafile, addr = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
version = "%d.%d" % sys.version_info[:2]
try:
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((addr or host, port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=host):
            pass
    print("certpatch-verified " + version)
except Exception as e:
    print("certpatch-not-verified " + version + " " + type(e).__name__ + ": " + str(e))
"#;

/// Asks the target's own Python to connect with the bundle: after a patch (`judged` is
/// `None`), or in `diagnose` beside certpatch's own verdict `judged` (then a difference is
/// said, not resolved silently).
pub fn confirm_with_python(
    host: &Host,
    target: &Target,
    python: &Path,
    ep: &Endpoint,
    chain: &Chain,
    judged: Option<bool>,
    say: &dyn Fn(Step),
) -> PythonCheck {
    let shown_python = path_text(python);
    let mut check = PythonCheck {
        interpreter: shown_python.clone(),
        version: None,
        verifies: None,
        detail: String::new(),
    };
    if chain.proxy.is_some() {
        check.detail = "not confirmed: the server was reached through a proxy, and Python's own ssl check connects directly".into();
        say(Step::PythonSkipped {
            detail: &check.detail,
        });
        return check;
    }
    let removed: Vec<&'static str> = CA_OVERRIDES
        .iter()
        .copied()
        .filter(|v| host.var(v).is_some())
        .collect();
    if !removed.is_empty() {
        say(Step::PythonWithout {
            variables: &removed,
        });
    }
    let port = ep.port.to_string();
    let addr = chain.addr.map(|a| a.to_string()).unwrap_or_default();
    let args: [&std::ffi::OsStr; 4] = [
        ep.host.as_ref(),
        port.as_ref(),
        target.path.as_os_str(),
        addr.as_ref(),
    ];
    say(Step::AskingPython {
        python: &shown_python,
        authority: &ep.authority(),
        patched: judged.is_none(),
    });
    let place = target
        .environment
        .as_deref()
        .map(path_text)
        .unwrap_or_else(|| shown_python.clone());
    match crate::discover::interpreter::run_script(host, python, &["-I"], VERIFY_SCRIPT, &args) {
        Ok((out, _)) => {
            let line = out
                .lines()
                .find(|l| l.starts_with("certpatch-"))
                .unwrap_or("");
            let mut words = line.splitn(3, ' ');
            let verdict = words.next().unwrap_or("");
            let version = words.next().map(str::to_string);
            let rest = words.next().unwrap_or("").to_string();
            check.version = version.clone();
            let v = version.unwrap_or_else(|| "?".into());
            if let Some(judged) = judged {
                let connects = verdict == "certpatch-verified";
                check.verifies = Some(connects);
                check.detail = if connects {
                    format!(
                        "Python {v} in {place} connects to {} with this bundle",
                        ep.host
                    )
                } else {
                    format!(
                        "Python {v} in {place} does not connect to {} with this bundle: {}",
                        ep.host,
                        bounded(&rest)
                    )
                };
                say(Step::PythonBeside {
                    check: &check,
                    agrees: Some(connects == judged),
                });
                return check;
            } else if verdict == "certpatch-verified" {
                check.verifies = Some(true);
                check.detail = format!("Python {v} in {place} now verifies {}", ep.host);
            } else {
                check.verifies = Some(false);
                check.detail = format!(
                    "Python {v} in {place} still does not verify {}: {}",
                    ep.host,
                    bounded(&rest)
                );
            }
        }
        Err(e) => {
            check.detail = format!("could not ask {shown_python}: {e}");
            if judged.is_some() {
                say(Step::PythonBeside {
                    check: &check,
                    agrees: None,
                });
                return check;
            }
        }
    }
    say(Step::Python(&check));
    check
}
