//! `add` for one bundle (also the way `fix` and `reapply` write): judge the input with
//! every acceptance rule against the bundle as it is under the lock, check that the
//! patched bundle parses in full and loads in the target's Python, then append, back up
//! and record in the ledger through one bundle transaction — or, with `--dry-run` or
//! `--output`, say what would change or write a patched copy elsewhere.
//!
//! What it has to say while it works (the verdicts, what would be appended) goes to the
//! caller's [`Step`] callback, in order; the result is an [`Added`].

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::accept::plan::{plan_sourced, Plan};
use crate::accept::validate::{Decision, Rules, Verdict};
use crate::discover::pyload::{self, Load};
use crate::discover::Host;
use crate::store::commit::Committed;
use crate::store::home::Home;
use crate::store::ledger::{Entry, Ledger};
use crate::store::transaction::{self, Access, BackupStep, Planned, Write};
use crate::store::write::{self, Locked};
use crate::target::Target;
use crate::usecase::advice::{self, Offline, Prepared};
use crate::usecase::knowledge::Knowledge;
use crate::x509::input::Input;
use crate::x509::text::path_text;

/// What `add` did to one bundle (`status` in its JSON entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddStatus {
    Refused,
    WouldWriteOutput,
    WrittenToOutput,
    WouldPatch,
    Patched,
    Unchanged,
}

impl AddStatus {
    /// Whether the bundle was (or, in a dry run, would be) changed.
    pub fn changes_bundle(self) -> bool {
        matches!(self, AddStatus::Patched | AddStatus::WouldPatch)
    }
}

/// How to add, besides the input and the target.
pub struct Request<'a> {
    pub dry_run: bool,
    pub allow_root: bool,
    /// Write a patched copy here instead of patching the bundle.
    pub output: Option<&'a Path>,
    pub rules: Rules,
    /// The time recorded in the patch and the ledger.
    pub when: &'a str,
    pub host: &'a Host,
    pub knowledge: &'a Knowledge,
    /// certpatch's home folder; needed for a real change (not for a dry run or `--output`).
    pub home: Option<&'a Home>,
}

/// What `add` says while it works, in order.
pub enum Step<'s> {
    /// The bundle holds no certificate certpatch (or Python) can read.
    Unreadable,
    /// The bundle holds a private key block.
    PrivateKey,
    /// The verdict on each certificate and what the offline index knows.
    Verdicts {
        input: &'s Input,
        verdicts: &'s [Verdict<'s>],
        offline: &'s Offline,
    },
    /// The Python that uses the bundle could not be asked whether it loads the patch.
    LoadUnchecked { python: &'s Path, why: &'s str },
    /// The patched bundle must not be installed (it is refused).
    NotInstalled { why: &'s str },
    /// Refused: nothing was written.
    NothingWritten,
    /// A patched (or unchanged) copy would be, or was, written to `--output`.
    Output {
        path: &'s Path,
        patched: bool,
        written: bool,
    },
    /// A dry run: these bytes would be appended.
    WouldAppend { patch: &'s [u8] },
    /// Every certificate is already in the bundle.
    Unchanged,
}

/// What `add` did to one bundle.
pub struct Added<'p> {
    pub status: AddStatus,
    /// Whether the input was refused for this bundle (a rule, or the load check).
    pub refused: bool,
    /// Why the patched bundle was not installed.
    pub reason: Option<String>,
    /// Why the patched bundle may still not work (it held undecodable blocks before).
    pub caveat: Option<String>,
    pub output: Option<PathBuf>,
    /// The plan made from the bundle (under the lock in a real run).
    pub plan: Plan<'p>,
    pub offline: Offline,
    /// The commit, when the bundle was written.
    pub committed: Option<Committed>,
}

impl Added<'_> {
    /// Fingerprints of the certificates added (or that would be).
    pub fn planned(&self, input: &Input) -> Vec<String> {
        self.plan
            .added
            .iter()
            .map(|&i| input.certs[i].sha256_hex())
            .collect()
    }

    /// Fingerprints written to the bundle (none for a dry run or `--output`).
    pub fn written(&self, input: &Input) -> Vec<String> {
        if self.status == AddStatus::Patched {
            self.planned(input)
        } else {
            Vec::new()
        }
    }
}

/// A plan for one bundle and whether its result may be installed ([`installable`]).
struct AddPlan<'a> {
    plan: Plan<'a>,
    install: Result<Option<String>, String>,
    offline: Offline,
}

impl Planned for AddPlan<'_> {
    fn bundle(&self) -> &crate::bundle::Bundle {
        &self.plan.bundle
    }
}

/// Adds `prepared` (the input with what the offline index knows, [`advice::prepare`]) to
/// `target`, through `access`.
pub fn add_to<'p, Rd, Lk>(
    prepared: &'p Prepared,
    target: &Target,
    req: &Request,
    access: Access<Rd, Lk>,
    say: &dyn Fn(Step),
) -> Result<Added<'p>>
where
    Rd: Fn() -> Result<Vec<u8>>,
    Lk: Fn() -> Result<Locked>,
{
    let input = &prepared.input;
    // Every expensive check (certificate rules, the parse and Python load checks) runs in
    // the transaction's plan, before the lock; a dry run or --output never locks.
    let real = !(req.dry_run || req.output.is_some());
    let home = if real { req.home } else { None };
    if real && home.is_none() {
        anyhow::bail!("no certpatch home folder to keep the backup and the ledger in");
    }
    let done = transaction::run(
        access,
        home,
        |bundle| {
            let mut plan = plan_sourced(input, bundle, req.rules, req.when, &|i| {
                prepared.sources[i].clone()
            });
            let offline = advice::explain(req.knowledge, &mut plan.verdicts, prepared);
            let install = if real {
                installable(req.host, target, &plan, say)
            } else {
                Ok(None)
            };
            AddPlan {
                plan,
                install,
                offline,
            }
        },
        |planned: &AddPlan, locked| {
            let plan = &planned.plan;
            if plan.bundle.certs.is_empty()
                && !plan.bundle.bytes.iter().all(u8::is_ascii_whitespace)
            {
                say(Step::Unreadable);
            }
            if memchr::memmem::find(&plan.bundle.bytes, b"PRIVATE KEY-----").is_some() {
                say(Step::PrivateKey);
            }
            say(Step::Verdicts {
                input,
                verdicts: &plan.verdicts,
                offline: &planned.offline,
            });
            let mut refused = plan
                .verdicts
                .iter()
                .any(|v| v.decision == Decision::Refused);
            let mut reason: Option<String> = None;
            let mut caveat: Option<String> = None;
            match &planned.install {
                Err(why) if !refused && plan.new_bytes.is_some() => {
                    say(Step::NotInstalled { why });
                    refused = true;
                    reason = Some(why.clone());
                }
                Ok(Some(note)) => caveat = Some(note.clone()),
                _ => {}
            }
            let mut output_path: Option<PathBuf> = None;
            let mut write = None;
            let status = if refused {
                say(Step::NothingWritten);
                AddStatus::Refused
            } else if let Some(out) = req.output {
                let patched = plan.new_bytes.is_some();
                output_path = Some(out.to_path_buf());
                if req.dry_run {
                    say(Step::Output {
                        path: out,
                        patched,
                        written: false,
                    });
                    AddStatus::WouldWriteOutput
                } else {
                    let bytes = plan.new_bytes.as_deref().unwrap_or(&plan.bundle.bytes);
                    let like = std::fs::metadata(&target.path).ok();
                    write::write_atomic(out, bytes, like.as_ref())?;
                    say(Step::Output {
                        path: out,
                        patched,
                        written: true,
                    });
                    if patched {
                        AddStatus::WrittenToOutput
                    } else {
                        AddStatus::Unchanged
                    }
                }
            } else if let Some(new) = &plan.new_bytes {
                match locked {
                    None => {
                        say(Step::WouldAppend {
                            patch: &new[plan.bundle.bytes.len()..],
                        });
                        AddStatus::WouldPatch
                    }
                    Some(locked) => {
                        let entries: Vec<Entry> = plan
                            .added
                            .iter()
                            .map(|&i| {
                                let c = &input.certs[i];
                                // The package and the bundle's hash after the write are
                                // filled in by the commit (store::commit).
                                let mut e = Entry::of_cert(
                                    &locked.path,
                                    c,
                                    target.environment.as_deref(),
                                    req.when,
                                    &prepared.sources[i],
                                );
                                e.allow_root = req.allow_root && c.is_self_signed();
                                e
                            })
                            .collect();
                        write = Some(Write {
                            bytes: new.clone(),
                            backup: BackupStep::Ensure,
                            ledger: move |l: &mut Ledger| {
                                for e in entries {
                                    l.record(e);
                                }
                            },
                        });
                        AddStatus::Patched
                    }
                }
            } else {
                say(Step::Unchanged);
                AddStatus::Unchanged
            };
            Ok(((status, refused, reason, caveat, output_path), write))
        },
    )?;
    let (status, refused, reason, caveat, output) = done.result;
    Ok(Added {
        status,
        refused,
        reason,
        caveat: caveat.filter(|_| status == AddStatus::Patched),
        output,
        plan: done.plan.plan,
        offline: done.plan.offline,
        committed: done.committed,
    })
}

/// Whether the plan's new bundle may be installed: `Err(reason)` when it must not be (it
/// does not parse in full, or the target's Python cannot load it), `Ok(Some(caveat))`
/// when it may but will likely still not work (the bundle held blocks that do not decode
/// before certpatch, and no interpreter is known to try it), `Ok(None)` otherwise.
fn installable(
    host: &Host,
    target: &Target,
    plan: &Plan,
    say: &dyn Fn(Step),
) -> Result<Option<String>, String> {
    let Some(new) = &plan.new_bytes else {
        return Ok(None);
    };
    let parsed = crate::bundle::Bundle::parse(new.clone());
    pyload::parse_check(&plan.bundle, &parsed, plan.added.len())?;
    let Some(python) = &target.interpreter else {
        return Ok((plan.bundle.damaged_blocks > 0).then(|| {
            format!(
                "it held {} certificate block(s) that do not decode before certpatch, and Python's ssl may refuse to load the whole file; fix or remove them (certpatch leaves them as they are)",
                plan.bundle.damaged_blocks
            )
        }));
    };
    match pyload::python_loads(host, python, new) {
        Load::Loads => Ok(None),
        Load::Rejects(why) => match pyload::python_loads(host, python, &plan.bundle.bytes) {
            Load::Rejects(before) => Err(format!(
                "Python could not load this bundle before certpatch either ({}: {before}); nothing was written (reinstall the package that owns it, e.g. `{}`, then add again)",
                path_text(python),
                crate::store::provenance::of(&target.path)
                    .map_or("pip install --force-reinstall certifi".to_string(), |p| p.reinstall_command())
            )),
            _ => Err(format!(
                "{} cannot load it ({why}); nothing was written",
                path_text(python)
            )),
        },
        Load::Unknown(why) => {
            say(Step::LoadUnchecked {
                python,
                why: &why,
            });
            Ok(None)
        }
    }
}
