//! The `--json` contract, in one place (as ripgrep's `jsont.rs`): every wire type of
//! every command, built from the domain and use-case types with `From` (or a small
//! function), so that those types carry no `Serialize` for JSON and a change to the JSON
//! shows up here. The key order and spellings are the contract: change them only with
//! docs/json.md (a test checks its key lists against real output).
//!
//! Every command prints exactly one [`Document`], on
//! success and on failure alike, with `command`, `ok` and `bundles` (empty when the run
//! failed before any bundle), plus its own keys. A run that fails as a whole carries one
//! [`Failure`] under `error`; a bundle that fails while the others go on is a
//! [`BundleError`] entry in `bundles`. The shapes are documented in `docs/json.md`, and a
//! test checks that document's key lists against real output.

use std::path::Path;

use serde::Serialize;

use crate::accept::validate::{Decision, Finding as RuleFinding, Verdict};
use crate::bundle::Patch;
use crate::discover::clients::Library;
use crate::discover::{Finding, Override, Program};
use crate::health::{BundleStatus, Expiring, How, Lost, Present, State};
use crate::net::aia::Attempt;
use crate::net::issuers::Found;
use crate::net::judge::{self, Cause};
use crate::net::pyssl::{Rules as PyRules, Verdict as PyVerdict};
use crate::pki::advice::RemovedRoot;
use crate::store::error::StoreError;
use crate::store::provenance::{Provenance, Recorded};
use crate::target::Target;
use crate::usecase::add::AddStatus;
use crate::usecase::advice::Offline;
use crate::usecase::check;
use crate::usecase::diagnose::Explained;
use crate::usecase::fix::{FixStatus, PythonCheck};
use crate::usecase::reapply::{self, BundleReapply};
use crate::usecase::remove::RemoveStatus;
use crate::x509::cert::Cert;
use crate::x509::clock::rfc3339;
use crate::x509::input::Input;
use crate::x509::text::path_json;

/// The one JSON document a command prints with `--json`.
#[derive(Serialize)]
pub struct Document<'a, B: Serialize, X: Serialize> {
    /// The subcommand (`find`, `add`, …; empty when the command line named none).
    pub command: &'a str,
    /// Whether the command succeeded (its exit code is 0).
    pub ok: bool,
    /// Why the run failed as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// One entry per bundle the command acted on.
    pub bundles: Vec<B>,
    /// The command's own keys.
    #[serde(flatten)]
    pub extra: X,
}

/// Why a whole run failed: a stable code and a message for people, plus, for a
/// fingerprint selector that matched no patch or several, the selector and its matches.
#[derive(Serialize, Debug, Clone)]
pub struct Failure {
    /// `usage`, `failed`, an input's reason (`unreadable`, `private-key`, `malformed`, …),
    /// or `no-match`/`ambiguous` for `remove`'s selectors.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<Vec<String>>,
    /// For a failure of certpatch's own state: its stable code (`no-home`,
    /// `unsafe-state`); `code` stays `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
    /// What to do, on its own (the message says it too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            code: code.into(),
            message: message.into(),
            selector: None,
            matches: None,
            cause: None,
            hint: None,
        }
    }

    /// The failure of a run that ended with `err`: `usage` for a usage error, else
    /// `failed`, with the stable cause and hint of a typed store failure in its chain.
    pub fn of_run(err: &anyhow::Error) -> Failure {
        let usage = err.downcast_ref::<crate::usecase::UsageError>().is_some();
        let mut failure = Failure::new(
            if usage { "usage" } else { "failed" },
            crate::cli::exit::chain(err),
        );
        if let Some(store) = err.chain().find_map(|e| e.downcast_ref::<StoreError>()) {
            failure.cause = Some(store.code.as_str());
            failure.hint.clone_from(&store.hint);
        }
        failure
    }
}

/// The failure document of `command`: `ok: false`, the `error`, no bundles.
pub fn failure(command: &str, error: Failure) -> Document<'_, (), NoExtra> {
    Document {
        command,
        ok: false,
        error: Some(error),
        bundles: Vec::new(),
        extra: NoExtra {},
    }
}

/// For documents with no keys of their own.
#[derive(Serialize)]
pub struct NoExtra {}

/// One bundle a command could not handle (the run goes on with the others). Fields in
/// alphabetical order, the order the JSON has always had.
#[derive(Serialize)]
pub struct BundleError<'a> {
    pub error: String,
    /// Always `error`.
    pub status: &'static str,
    pub target: TargetJson<'a>,
}

/// One entry of `bundles`: the command's own entry, or a bundle it could not handle.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Entry<'a, T: Serialize> {
    Done(T),
    Failed(BundleError<'a>),
}

impl<'a, T: Serialize> From<BundleError<'a>> for Entry<'a, T> {
    fn from(e: BundleError<'a>) -> Self {
        Entry::Failed(e)
    }
}

/// `check`'s and `add`'s own keys.
#[derive(Serialize)]
pub struct InputExtra<'a> {
    /// Set variables that make Python read another file than the bundles checked/patched.
    pub overrides: Vec<OverrideJson<'a>>,
    /// `add` only: whether it was a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// The certificates read from FILE.
    pub input: InputJson,
    pub notes: &'a [String],
}

/// `list`'s own keys.
#[derive(Serialize)]
pub struct NotesExtra<'a> {
    /// Discovery's notes about the targets.
    pub notes: &'a [String],
}

/// `remove`'s and `restore`'s own keys.
#[derive(Serialize)]
pub struct ChangeExtra<'a> {
    pub dry_run: bool,
    pub notes: &'a [String],
}

/// `find`'s own keys.
#[derive(Serialize)]
pub struct FindExtra<'a> {
    pub notes: Vec<FindNote>,
    pub overrides: Vec<OverrideJson<'a>>,
}

/// A note of discovery's in `find --json`.
#[derive(Serialize)]
pub struct FindNote {
    /// The file or folder it is about (escaped text, or null).
    pub path: Option<String>,
    pub message: String,
}

/// A root certifi removed, at the end of a certificate's chain: the one spelling of
/// `status` (`present[]`, `lost[]`), `reapply`, `diagnose`/`fix` (`causes[]`) and
/// `check`/`add` (`offline.removed_roots[]`). The keys each of them spelled differently
/// before (`last_version`/`removed_in`, `last_certifi_with_it`) are still written beside
/// the unified ones for one release (docs/json.md).
#[derive(Serialize)]
pub struct RemovedRootJson {
    /// `offline.removed_roots[]` only: the input certificate whose chain ends there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// The root's subject.
    pub name: String,
    /// `offline.removed_roots[]` only: `name` under its old key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    pub sha256: String,
    /// The last certifi release that had it.
    pub certifi_last: String,
    /// The first certifi release without it.
    pub removed_in_certifi: Option<String>,
    /// The index's intermediates between the certificate and the root (SHA-256).
    pub via: Vec<String>,
    pub reason: String,
    /// The actions that can work, most recommended first.
    pub actions: Vec<String>,
    /// Python 3.13's partial-chain behaviour: a fact, not advice.
    pub note: &'static str,
    /// Old key of `certifi_last` (`status`, `reapply`, `diagnose`, `fix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_version: Option<String>,
    /// Old key of `removed_in_certifi` (`status`, `reapply`, `diagnose`, `fix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<Option<String>>,
    /// Old key of `certifi_last` (`check`, `add`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_certifi_with_it: Option<String>,
}

impl From<&RemovedRoot> for RemovedRootJson {
    /// The spelling of `status`, `reapply`, `diagnose` and `fix`.
    fn from(r: &RemovedRoot) -> Self {
        RemovedRootJson {
            certificate: None,
            name: r.name.clone(),
            root: None,
            sha256: r.sha256.clone(),
            certifi_last: r.certifi_last.clone(),
            removed_in_certifi: r.removed_in_certifi.clone(),
            via: r.via.clone(),
            reason: r.reason.clone(),
            actions: r.actions.clone(),
            note: crate::pki::advice::PARTIAL_CHAIN_NOTE,
            last_version: Some(r.certifi_last.clone()),
            removed_in: Some(r.removed_in_certifi.clone()),
            last_certifi_with_it: None,
        }
    }
}

impl RemovedRootJson {
    /// The spelling of `offline.removed_roots[]` in `check` and `add`: the certificate
    /// (SHA-256) whose chain ends at `r`.
    pub fn offline(certificate: String, r: &RemovedRoot) -> Self {
        RemovedRootJson {
            certificate: Some(certificate),
            root: Some(r.name.clone()),
            last_version: None,
            removed_in: None,
            last_certifi_with_it: Some(r.certifi_last.clone()),
            ..RemovedRootJson::from(r)
        }
    }
}

/// One bundle in `status --json` (keys in the order they have always had).
#[derive(Serialize)]
pub struct StatusJson<'a> {
    pub path: &'a Path,
    pub kind: Option<&'static str>,
    /// The program the bundle serves (absent when it is just its environment's Python).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serves: Option<ProgramJson>,
    pub environment: Option<&'a Path>,
    pub package: Option<&'a Provenance>,
    pub record: Option<RecordedJson<'a>>,
    pub state: StateJson<'a>,
    pub present: Vec<PresentJson<'a>>,
    pub lost: Vec<LostJson<'a>>,
    pub expiring: Vec<ExpiringJson<'a>>,
    pub clients: Vec<ClientJson>,
    pub error: Option<&'a str>,
}

impl<'a> From<&'a BundleStatus> for StatusJson<'a> {
    fn from(s: &'a BundleStatus) -> Self {
        StatusJson {
            path: &s.path,
            kind: s.kind,
            serves: s.serves.map(Into::into),
            environment: s.environment.as_deref(),
            package: s.package.as_ref(),
            record: s.record.as_ref().map(Into::into),
            state: (&s.state).into(),
            present: s.present.iter().map(Into::into).collect(),
            lost: s.lost.iter().map(Into::into).collect(),
            expiring: s.expiring.iter().map(Into::into).collect(),
            clients: s.clients.iter().map(Into::into).collect(),
            error: s.error.as_deref(),
        }
    }
}

/// `state` of a `status` entry: `{"state": "pristine"}`, `{"state": "edited", "against"}`, …
#[derive(Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum StateJson<'a> {
    Pristine,
    PatchedByCertpatch,
    Edited { against: &'a str },
    Unknown { why: &'a str },
}

impl<'a> From<&'a State> for StateJson<'a> {
    fn from(s: &'a State) -> Self {
        match s {
            State::Pristine => StateJson::Pristine,
            State::PatchedByCertpatch => StateJson::PatchedByCertpatch,
            State::Edited { against } => StateJson::Edited { against },
            State::Unknown { why } => StateJson::Unknown { why },
        }
    }
}

/// A patch present in the bundle (`status`'s `present[]`).
#[derive(Serialize)]
pub struct PresentJson<'a> {
    pub sha256: &'a str,
    pub subject: &'a str,
    pub not_after: &'a str,
    pub recorded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_root: Option<RemovedRootJson>,
}

impl<'a> From<&'a Present> for PresentJson<'a> {
    fn from(p: &'a Present) -> Self {
        PresentJson {
            sha256: &p.sha256,
            subject: &p.subject,
            not_after: &p.not_after,
            recorded: p.recorded,
            removed_root: p.removed_root.as_ref().map(Into::into),
        }
    }
}

/// A recorded patch the bundle lost (`status`'s `lost[]`).
#[derive(Serialize)]
pub struct LostJson<'a> {
    pub sha256: &'a str,
    pub subject: &'a str,
    pub not_after: &'a str,
    pub source: &'a str,
    pub added: &'a str,
    pub how: HowJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_root: Option<RemovedRootJson>,
}

impl<'a> From<&'a Lost> for LostJson<'a> {
    fn from(l: &'a Lost) -> Self {
        LostJson {
            sha256: &l.sha256,
            subject: &l.subject,
            not_after: &l.not_after,
            source: &l.source,
            added: &l.added,
            how: (&l.how).into(),
            removed_root: l.removed_root.as_ref().map(Into::into),
        }
    }
}

/// How a patch was lost: `{"how": "upgraded", "package", "from", "to"}`, …
#[derive(Serialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum HowJson<'a> {
    Upgraded {
        package: &'a str,
        from: &'a str,
        to: &'a str,
    },
    Downgraded {
        package: &'a str,
        from: &'a str,
        to: &'a str,
    },
    Reinstalled {
        package: &'a str,
    },
    Replaced,
}

impl<'a> From<&'a How> for HowJson<'a> {
    fn from(h: &'a How) -> Self {
        match h {
            How::Upgraded { package, from, to } => HowJson::Upgraded { package, from, to },
            How::Downgraded { package, from, to } => HowJson::Downgraded { package, from, to },
            How::Reinstalled { package } => HowJson::Reinstalled { package },
            How::Replaced => HowJson::Replaced,
        }
    }
}

/// A present patch expiring within the window (`status`'s `expiring[]`).
#[derive(Serialize)]
pub struct ExpiringJson<'a> {
    pub sha256: &'a str,
    pub subject: &'a str,
    pub not_after: &'a str,
    pub days_left: i64,
}

impl<'a> From<&'a Expiring> for ExpiringJson<'a> {
    fn from(e: &'a Expiring) -> Self {
        ExpiringJson {
            sha256: &e.sha256,
            subject: &e.subject,
            not_after: &e.not_after,
            days_left: e.days_left,
        }
    }
}

/// What certpatch knows offline, per bundle (`offline` in `check`/`add`).
#[derive(Serialize, Default)]
pub struct OfflineJson {
    /// Issuers found in the index (added with `--with-issuers`, else offered).
    pub issuers: Vec<IssuerJson>,
    /// Chains that end at a root certifi removed.
    pub removed_roots: Vec<RemovedRootJson>,
    /// AIA fetches made with `--with-issuers` for issuers the index does not know.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetches: Vec<AttemptJson>,
}

/// An issuer the index has (`offline.issuers[]`).
#[derive(Serialize)]
pub struct IssuerJson {
    pub sha256: String,
    pub subject: String,
    /// The certificate it issued.
    pub issues: String,
}

impl From<&Offline> for OfflineJson {
    fn from(o: &Offline) -> Self {
        OfflineJson {
            issuers: o
                .issuers
                .iter()
                .map(|i| IssuerJson {
                    sha256: i.sha256.clone(),
                    subject: i.subject.clone(),
                    issues: i.issues.clone(),
                })
                .collect(),
            removed_roots: o
                .removed_roots
                .iter()
                .map(|r| RemovedRootJson::offline(r.certificate.clone(), &r.root))
                .collect(),
            fetches: o.fetches.iter().map(Into::into).collect(),
        }
    }
}
/// One certificate of the chain, as `--json` shows it.
#[derive(Serialize)]
pub struct ChainEntry {
    pub depth: usize,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
    pub ca: bool,
    pub self_signed: bool,
    pub names: Vec<String>,
    pub ca_issuers: Vec<String>,
}

pub fn chain_entries(chain: &[Cert]) -> Vec<ChainEntry> {
    chain
        .iter()
        .enumerate()
        .map(|(depth, c)| {
            let extra = judge::extra(c);
            let mut names = extra.dns_names;
            names.extend(extra.ip_names);
            ChainEntry {
                depth,
                subject: c.subject().to_string(),
                issuer: c.issuer().to_string(),
                not_before: rfc3339(c.not_before),
                not_after: rfc3339(c.not_after),
                sha256: c.sha256_hex(),
                ca: c.basic_constraints.is_some_and(|b| b.ca),
                self_signed: c.is_self_issued() && c.signed_by(c) == Ok(true),
                names,
                ca_issuers: extra.ca_issuers,
            }
        })
        .collect()
}

/// One cause in JSON: the cause's own fields plus its words.
#[derive(Serialize)]
pub struct CauseEntry {
    #[serde(flatten)]
    pub cause: CauseJson,
    pub message: String,
    pub advice: String,
    /// The root certifi removed that this chain ends at (or is issued by), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_root: Option<RemovedRootJson>,
}

/// The causes of an explained judgement, in JSON: a cause that comes down to a removed
/// root carries it, and its `message`/`advice` say so.
pub fn cause_entries(e: &Explained) -> Vec<CauseEntry> {
    e.judgement
        .causes
        .iter()
        .zip(&e.removed)
        .zip(&e.advice)
        .map(|((c, removed), advice)| CauseEntry {
            cause: c.into(),
            message: match removed {
                Some(r) => format!("{}; {}", c.message(), r.reason),
                None => c.message(),
            },
            advice: match removed {
                Some(r) => r.actions.join("; "),
                None => advice.clone(),
            },
            removed_root: removed.as_ref().map(Into::into),
        })
        .collect()
}

/// Whether a bundle verifies the chain (`status` of a `diagnose` entry).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnoseStatus {
    Verifies,
    Fails,
    /// The bundle could not be read.
    Error,
}

/// A bundle's entry in `diagnose --json`.
#[derive(Serialize)]
pub struct DiagnoseEntry<'a> {
    pub target: TargetJson<'a>,
    pub status: DiagnoseStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub causes: Vec<CauseEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webpki_error: Option<String>,
    /// OpenSSL's verdict under each Python version's rules that may apply to the target.
    pub python_rules: Vec<PyVerdictJson>,
    /// What Python's `ssl` accepts but common clients refuse.
    pub warnings: Vec<String>,
    /// What makes a client ignore this bundle (variables, pip.conf), as `status` says.
    pub clients: Vec<ClientJson>,
    /// The target's own Python asked to connect (live, when its interpreter is known).
    pub python: Option<PythonJson>,
}

/// `diagnose`'s own keys.
#[derive(Serialize)]
pub struct DiagnoseExtra<'a> {
    /// `HOST:PORT` connected to, or the `--chain` file's name.
    pub source: String,
    pub name: Option<String>,
    pub proxy: Option<String>,
    /// The address connected to by `--resolve` (null: the host was resolved).
    pub address: Option<String>,
    pub chain: Vec<ChainEntry>,
    pub chain_notes: Vec<String>,
    /// Variables that make Python ignore the bundles judged (as in `check`).
    pub overrides: Vec<OverrideJson<'a>>,
    pub notes: Vec<String>,
}

/// The JSON facts about one certificate.
pub fn cert_json(cert: &Cert) -> CertJson {
    CertJson {
        issuer: cert.issuer().to_string(),
        key: cert.key_desc.clone(),
        label: cert.label().to_string(),
        not_after: rfc3339(cert.not_after),
        not_before: rfc3339(cert.not_before),
        serial: cert.serial_decimal().to_string(),
        sha256: cert.sha256_hex(),
        signature: cert.sig_alg_name.clone(),
        subject: cert.subject().to_string(),
    }
}

/// The JSON facts about one certificate (fields in alphabetical order, the order the
/// JSON has always had).
#[derive(Serialize)]
pub struct CertJson {
    pub issuer: String,
    pub key: String,
    pub label: String,
    /// RFC 3339.
    pub not_after: String,
    pub not_before: String,
    /// Decimal.
    pub serial: String,
    pub sha256: String,
    pub signature: String,
    pub subject: String,
}

pub fn input_json(input: &Input) -> InputJson {
    InputJson {
        certificates: input.certs.iter().map(cert_json).collect(),
        source: input.source.clone(),
    }
}

/// The certificates read from FILE (`input` in `check`'s and `add`'s documents).
#[derive(Serialize)]
pub struct InputJson {
    pub certificates: Vec<CertJson>,
    /// FILE's name.
    pub source: String,
}

pub fn verdicts_json(verdicts: &[Verdict]) -> Vec<VerdictJson> {
    verdicts
        .iter()
        .map(|v| {
            let c = cert_json(v.cert);
            VerdictJson {
                decision: v.decision.into(),
                issuer: c.issuer,
                key: c.key,
                label: c.label,
                not_after: c.not_after,
                not_before: c.not_before,
                reasons: v.reasons.iter().map(Into::into).collect(),
                serial: c.serial,
                sha256: c.sha256,
                signature: c.signature,
                subject: c.subject,
                warnings: v.warnings.iter().map(Into::into).collect(),
            }
        })
        .collect()
}

/// What the rules decided about one certificate of FILE for one bundle: the keys of
/// [`CertJson`] plus `decision`, `reasons` and `warnings`, spelled out to keep the
/// alphabetical order the JSON has always had.
#[derive(Serialize)]
pub struct VerdictJson {
    pub decision: DecisionJson,
    pub issuer: String,
    pub key: String,
    pub label: String,
    pub not_after: String,
    pub not_before: String,
    pub reasons: Vec<FindingJson>,
    pub serial: String,
    pub sha256: String,
    pub signature: String,
    pub subject: String,
    pub warnings: Vec<FindingJson>,
}

pub fn patch_json(patch: &Patch) -> PatchJson {
    let c = cert_json(&patch.cert);
    PatchJson {
        added: patch.added.clone(),
        issuer: c.issuer,
        key: c.key,
        label: c.label,
        not_after: c.not_after,
        not_before: c.not_before,
        serial: c.serial,
        sha256: c.sha256,
        signature: c.signature,
        source: patch.source.clone(),
        subject: c.subject,
    }
}

/// A certpatch patch in JSON: its certificate's facts, and when and from what it was added
/// (from the bundle's `# certpatch:` line; null when that line lacks them). The keys of
/// [`CertJson`] plus `added` and `source`, spelled out to keep the alphabetical order the
/// JSON has always had.
#[derive(Serialize)]
pub struct PatchJson {
    pub added: Option<String>,
    pub issuer: String,
    pub key: String,
    pub label: String,
    pub not_after: String,
    pub not_before: String,
    pub serial: String,
    pub sha256: String,
    pub signature: String,
    pub source: Option<String>,
    pub subject: String,
}

/// A certificate certpatch added that is no longer in the bundle.
#[derive(Serialize)]
pub struct LostPatchJson {
    pub sha256: String,
    pub subject: String,
}

/// One bundle in `list --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct ListEntry<'a> {
    pub certificates: usize,
    pub environment: Option<String>,
    pub kind: Option<&'static str>,
    pub lost: Vec<LostPatchJson>,
    pub patches: Vec<PatchJson>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serves: Option<ProgramJson>,
    pub source: &'static str,
    pub via: &'a str,
}

/// What `add` did to one bundle (`status` of an `add` entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddStatusJson {
    Refused,
    WouldWriteOutput,
    WrittenToOutput,
    WouldPatch,
    Patched,
    Unchanged,
}

impl From<AddStatus> for AddStatusJson {
    fn from(s: AddStatus) -> Self {
        match s {
            AddStatus::Refused => AddStatusJson::Refused,
            AddStatus::WouldWriteOutput => AddStatusJson::WouldWriteOutput,
            AddStatus::WrittenToOutput => AddStatusJson::WrittenToOutput,
            AddStatus::WouldPatch => AddStatusJson::WouldPatch,
            AddStatus::Patched => AddStatusJson::Patched,
            AddStatus::Unchanged => AddStatusJson::Unchanged,
        }
    }
}

/// One bundle in `add --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct AddEntry<'a> {
    /// Fingerprints of the certificates added (or that would be).
    pub added: Vec<String>,
    pub backup: Option<String>,
    pub certificates: Vec<VerdictJson>,
    /// What the offline index knows about the missing issuers (see docs/json.md).
    pub offline: OfflineJson,
    pub output: Option<String>,
    /// Why the patched bundle was not installed (null when it was, or nothing to do).
    pub reason: Option<String>,
    pub status: AddStatusJson,
    pub target: TargetJson<'a>,
}

/// `remove --json`'s own keys: `dry_run` and `notes`, and the lost patches a selector
/// named (already gone from their bundles, dropped from the ledger).
#[derive(Serialize)]
pub struct RemoveExtra<'a> {
    #[serde(flatten)]
    pub change: ChangeExtra<'a>,
    pub already_gone: Vec<RemovedGone>,
}

/// A patch a selector named that its bundle had already lost.
#[derive(Serialize)]
pub struct RemovedGone {
    pub bundle: String,
    pub sha256: String,
}

/// One bundle in `remove --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct RemoveEntry<'a> {
    /// The patches taken out (or that would be).
    pub removed: Vec<PatchJson>,
    pub status: RemoveStatusJson,
    /// Copies of a removed certificate that certpatch did not add (absent when nothing
    /// was removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_trusted: Option<Vec<StillTrustedJson>>,
    pub target: TargetJson<'a>,
}

/// What `remove` did to one bundle.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum RemoveStatusJson {
    Unchanged,
    Removed,
    WouldRemove,
}

impl From<RemoveStatus> for RemoveStatusJson {
    fn from(s: RemoveStatus) -> Self {
        match s {
            RemoveStatus::Unchanged => RemoveStatusJson::Unchanged,
            RemoveStatus::Removed => RemoveStatusJson::Removed,
            RemoveStatus::WouldRemove => RemoveStatusJson::WouldRemove,
        }
    }
}

/// A copy of a removed certificate that stays in the bundle: the 1-based line of its
/// `BEGIN CERTIFICATE`.
#[derive(Serialize)]
pub struct StillTrustedJson {
    pub line: usize,
    pub sha256: String,
}

pub fn names_json(certs: &[Cert]) -> Vec<NameJson> {
    certs
        .iter()
        .map(|c| NameJson {
            name: c.name().to_string(),
            sha256: c.sha256_hex(),
        })
        .collect()
}

/// A certificate a refused restore would bring back or drop.
#[derive(Serialize)]
pub struct NameJson {
    pub name: String,
    pub sha256: String,
}

/// One bundle in `restore --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct RestoreEntry<'a> {
    /// The backup's file.
    pub backup: String,
    pub message: String,
    /// The keys below `status`'s `refused` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_now: Option<Option<Provenance>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_then: Option<Option<Provenance>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Refusal>,
    pub status: RestoreStatus,
    pub target: TargetJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_bring_back: Option<Vec<NameJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_drop: Option<Vec<NameJson>>,
}

/// What `restore` did, or would do, to one bundle.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum RestoreStatus {
    NoBackup,
    DamagedBackup,
    Unchanged,
    Refused,
    WouldRestore,
    Restored,
}

/// Why a restore was refused.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// The bundle changed since the backup and certpatch's patches are gone from it.
    PatchesLost,
    /// The bundle changed since the backup; certpatch's patches are still in it.
    ChangedSinceBackup,
}

/// The refusal's own keys of a [`RestoreEntry`].
pub struct RefusedJson {
    pub reason: Refusal,
    pub provenance_then: Option<Provenance>,
    pub provenance_now: Option<Provenance>,
    pub would_bring_back: Vec<NameJson>,
    pub would_drop: Vec<NameJson>,
}

/// One bundle in `check --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct CheckEntry<'a> {
    pub certificates: Vec<VerdictJson>,
    /// What the offline index knows about the missing issuers (see docs/json.md).
    pub offline: OfflineJson,
    pub status: CheckStatus,
    pub target: TargetJson<'a>,
}

/// Whether `add` would accept FILE for one bundle.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Acceptable,
    AlreadyPresent,
    Refused,
}

impl From<check::CheckStatus> for CheckStatus {
    fn from(s: check::CheckStatus) -> Self {
        match s {
            check::CheckStatus::Acceptable => CheckStatus::Acceptable,
            check::CheckStatus::AlreadyPresent => CheckStatus::AlreadyPresent,
            check::CheckStatus::Refused => CheckStatus::Refused,
        }
    }
}

#[derive(Serialize)]
pub struct IndexInfo {
    /// `embedded` or `refreshed`.
    pub origin: &'static str,
    /// The refreshed file, when one is in use.
    pub path: Option<String>,
    pub date: String,
    pub source: String,
    pub certificates: usize,
    /// Compressed bytes of the index data.
    pub bytes: usize,
    pub stale: bool,
    pub certifi_releases_read: usize,
    pub certifi_roots_known: usize,
    pub certifi_roots_removed: usize,
}

#[derive(Serialize)]
pub struct IndexFound {
    /// `intermediate` (from the index) or `certifi-root`.
    pub kind: &'static str,
    pub sha256: String,
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certifi_first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certifi_last: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in_certifi: Option<String>,
}

#[derive(Serialize)]
pub struct IndexRefusedRow {
    pub place: String,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize)]
pub struct IndexExtra {
    pub action: &'static str,
    pub index: Option<IndexInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<Vec<IndexFound>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<Vec<IndexRefusedRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<std::collections::BTreeMap<&'static str, usize>>,
}

/// `status --json`'s own keys.
#[derive(Serialize)]
pub struct StatusExtra<'a> {
    /// The configuration file read, or null (every default).
    pub config: Option<String>,
    pub warning_days: u32,
    /// The ledger's path, and why it could not be read.
    pub ledger: String,
    pub ledger_error: Option<String>,
    /// What to run next (empty when all is well).
    pub next: Vec<NextJson>,
    pub notes: &'a [String],
}

/// One bundle in `find --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct FindEntry<'a> {
    /// Null when the bundle could not be read (then `error` says why).
    pub certificates: Option<usize>,
    pub environment: Option<String>,
    /// Why the bundle could not be read (absent when it was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The set variables that make Python ignore this bundle.
    pub ignored_by: Vec<&'a str>,
    pub kind: &'static str,
    pub patches: Option<Vec<PatchJson>>,
    pub path: String,
    /// The program the bundle serves, when it is not just its environment's Python.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serves: Option<ProgramJson>,
    pub source: &'static str,
    /// Installed libraries beside it that verify against the ssl module's default paths,
    /// not this bundle (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ssl_defaults: Vec<LibraryJson>,
    /// Installed libraries that verify against this bundle (absent when none is known).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<LibraryJson>,
    pub via: String,
}

/// A client library in `find --json` (`used_by`, `ssl_defaults`).
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LibraryJson {
    Requests,
    Httpx,
    Httplib2,
    Pip,
    Grpcio,
    Botocore,
    Aiohttp,
    Urllib3,
}

impl From<Library> for LibraryJson {
    fn from(l: Library) -> Self {
        match l {
            Library::Requests => LibraryJson::Requests,
            Library::Httpx => LibraryJson::Httpx,
            Library::Httplib2 => LibraryJson::Httplib2,
            Library::Pip => LibraryJson::Pip,
            Library::Grpcio => LibraryJson::Grpcio,
            Library::Botocore => LibraryJson::Botocore,
            Library::Aiohttp => LibraryJson::Aiohttp,
            Library::Urllib3 => LibraryJson::Urllib3,
        }
    }
}

/// What became of one certificate `reapply` considered.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReapplyStatus {
    Reapplied,
    WouldReapply,
    Refused,
    Failed,
}

impl From<reapply::Status> for ReapplyStatus {
    fn from(s: reapply::Status) -> Self {
        match s {
            reapply::Status::Reapplied => ReapplyStatus::Reapplied,
            reapply::Status::WouldReapply => ReapplyStatus::WouldReapply,
            reapply::Status::Refused => ReapplyStatus::Refused,
            reapply::Status::Failed => ReapplyStatus::Failed,
        }
    }
}

/// One certificate `reapply` considered for one bundle.
#[derive(Serialize)]
pub struct Considered {
    pub sha256: String,
    pub subject: String,
    /// `lost` (the ledger records it) or `kept` (config.toml's `keep`).
    pub why: &'static str,
    pub status: ReapplyStatus,
    /// Why it was refused: reason codes and messages of `add`'s rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// One bundle in `reapply --json`.
#[derive(Serialize)]
pub struct ReapplyEntry<'a> {
    pub target: TargetJson<'a>,
    pub certificates: Vec<Considered>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<'a> ReapplyEntry<'a> {
    pub fn new(target: &'a crate::target::Target, r: &BundleReapply) -> Self {
        ReapplyEntry {
            target: TargetJson::from(target),
            certificates: r
                .certificates
                .iter()
                .map(|c| Considered {
                    sha256: c.sha256.clone(),
                    subject: c.subject.clone(),
                    why: match c.why {
                        reapply::Why::Lost => "lost",
                        reapply::Why::Kept => "kept",
                    },
                    status: c.status.into(),
                    reasons: c.reasons.clone(),
                })
                .collect(),
            error: r.error.clone(),
        }
    }
}

/// `reapply --json`'s own keys.
#[derive(Serialize)]
pub struct ReapplyExtra<'a> {
    pub dry_run: bool,
    /// Why the ledger could not be read (then only `keep` certificates are considered).
    pub ledger_error: Option<String>,
    pub notes: &'a [String],
}

/// A rule's finding on a certificate (`reasons[]`, `warnings[]`): its stable code, the
/// `accept::validate::Code` variant in kebab-case, and the message.
#[derive(Serialize)]
pub struct FindingJson {
    pub code: &'static str,
    pub message: String,
}

impl From<&RuleFinding> for FindingJson {
    fn from(f: &RuleFinding) -> Self {
        FindingJson {
            code: f.code.as_str(),
            message: f.message.clone(),
        }
    }
}

/// What would happen to one certificate of the input (`decision`).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionJson {
    Add,
    AlreadyPresent,
    Refused,
    SkippedLeaf,
}

impl From<Decision> for DecisionJson {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Add => DecisionJson::Add,
            Decision::AlreadyPresent => DecisionJson::AlreadyPresent,
            Decision::Refused => DecisionJson::Refused,
            Decision::SkippedLeaf => DecisionJson::SkippedLeaf,
        }
    }
}

/// Gives every `bundles[]` entry the bundle's path under one key, `path`, in every
/// command: `find`, `list` and `status` have always had it; the others carried it only as
/// `target.path`, which stays one more release as an alias (docs/json.md says so).
pub fn with_bundle_paths(mut doc: serde_json::Value) -> serde_json::Value {
    if let Some(bundles) = doc.get_mut("bundles").and_then(|b| b.as_array_mut()) {
        for entry in bundles.iter_mut().filter_map(|e| e.as_object_mut()) {
            if entry.contains_key("path") {
                continue;
            }
            if let Some(path) = entry.get("target").and_then(|t| t.get("path")).cloned() {
                entry.insert("path".into(), path);
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use crate::accept::validate::Code;

    /// A rule code's wire string is its variant's name in kebab-case, for every code.
    #[test]
    fn rule_codes_are_their_names_in_kebab_case() {
        for code in Code::ALL {
            let name = format!("{code:?}");
            let mut kebab = String::new();
            for (i, c) in name.chars().enumerate() {
                if c.is_ascii_uppercase() {
                    if i > 0 {
                        kebab.push('-');
                    }
                    kebab.push(c.to_ascii_lowercase());
                } else {
                    kebab.push(c);
                }
            }
            assert_eq!(code.as_str(), kebab);
        }
        assert_eq!(Code::Python313Strict.as_str(), "python313-strict");
    }
}

/// A [`Target`] in JSON: `path`, `kind` (or null), `environment` (or null), `via`,
/// `source`. Fields in alphabetical order, the order the JSON has always had.
#[derive(Serialize, Debug)]
pub struct TargetJson<'a> {
    pub environment: Option<String>,
    pub kind: Option<&'static str>,
    pub path: String,
    /// The program the bundle serves, when it is not just its environment's Python
    /// (absent then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serves: Option<ProgramJson>,
    pub source: &'static str,
    pub via: &'a str,
}

/// The program a bundle serves (`serves`): an application (`gcloud`, `az`, `aws`) whose
/// install folder holds it, or a client library whose own roots it is (`grpcio`,
/// `httplib2`).
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ProgramJson {
    Gcloud,
    Az,
    Aws,
    Grpcio,
    Httplib2,
}

impl From<Program> for ProgramJson {
    fn from(p: Program) -> Self {
        match p {
            Program::Gcloud => ProgramJson::Gcloud,
            Program::Az => ProgramJson::Az,
            Program::Aws => ProgramJson::Aws,
            Program::Grpcio => ProgramJson::Grpcio,
            Program::Httplib2 => ProgramJson::Httplib2,
        }
    }
}

impl<'a> From<&'a Target> for TargetJson<'a> {
    fn from(t: &'a Target) -> Self {
        TargetJson {
            environment: t.environment.as_deref().map(path_json),
            kind: t.kind.map(|k| k.as_str()),
            path: path_json(&t.path),
            serves: t.serves().map(Into::into),
            source: t.source,
            via: &t.via,
        }
    }
}

/// A set variable that makes Python read another file (`overrides[]`).
#[derive(Serialize)]
pub struct OverrideJson<'a> {
    pub var: &'static str,
    pub value: &'a str,
    pub effect: &'static str,
}

impl<'a> From<&'a Override> for OverrideJson<'a> {
    fn from(o: &'a Override) -> Self {
        OverrideJson {
            var: o.var,
            value: &o.value,
            effect: o.effect,
        }
    }
}

/// The `overrides` key of a document.
pub fn overrides_json(overrides: &[Override]) -> Vec<OverrideJson<'_>> {
    overrides.iter().map(Into::into).collect()
}

/// What makes one client ignore a bundle (`status`'s `clients[]`).
#[derive(Serialize)]
pub struct ClientJson {
    pub client: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<String>,
    pub setting: String,
    pub value: String,
    pub effect: String,
    pub fix: String,
}

impl From<&Finding> for ClientJson {
    fn from(f: &Finding) -> Self {
        ClientJson {
            client: f.client,
            versions: f.versions.clone(),
            setting: f.setting.clone(),
            value: f.value.clone(),
            effect: f.effect.clone(),
            fix: f.fix.clone(),
        }
    }
}

/// The package's own record of a bundle (`status`'s `record`).
#[derive(Serialize)]
pub struct RecordedJson<'a> {
    pub sha256: &'a str,
    pub source: &'a str,
}

impl<'a> From<&'a Recorded> for RecordedJson<'a> {
    fn from(r: &'a Recorded) -> Self {
        RecordedJson {
            sha256: &r.sha256,
            source: &r.source,
        }
    }
}

/// Python's verdict on the host with the patched bundle (`python` of a `fix` entry).
#[derive(Serialize)]
pub struct PythonJson {
    pub interpreter: String,
    pub version: Option<String>,
    pub verifies: Option<bool>,
    pub detail: String,
}

impl From<&PythonCheck> for PythonJson {
    fn from(c: &PythonCheck) -> Self {
        PythonJson {
            interpreter: c.interpreter.clone(),
            version: c.version.clone(),
            verifies: c.verifies,
            detail: c.detail.clone(),
        }
    }
}

/// What `fix` did for one bundle (`status` of a `fix` entry).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FixStatusJson {
    Verifies,
    Patched,
    WouldPatch,
    NotFixable,
    IssuerNotFound,
    RootNeeded,
    WouldNotVerify,
    Refused,
    /// The bundle could not be handled.
    Error,
}

impl From<FixStatus> for FixStatusJson {
    fn from(s: FixStatus) -> Self {
        match s {
            FixStatus::Verifies => FixStatusJson::Verifies,
            FixStatus::Patched => FixStatusJson::Patched,
            FixStatus::WouldPatch => FixStatusJson::WouldPatch,
            FixStatus::NotFixable => FixStatusJson::NotFixable,
            FixStatus::IssuerNotFound => FixStatusJson::IssuerNotFound,
            FixStatus::RootNeeded => FixStatusJson::RootNeeded,
            FixStatus::WouldNotVerify => FixStatusJson::WouldNotVerify,
            FixStatus::Refused => FixStatusJson::Refused,
        }
    }
}

/// An issuer `fix` found (`found[]`).
#[derive(Serialize)]
pub struct FoundJson {
    pub subject: String,
    pub sha256: String,
    /// `AIA`, `offline index`, `server`.
    pub source: &'static str,
    /// The URL or entry it came from.
    pub origin: String,
    pub root: bool,
}

impl From<&Found> for FoundJson {
    fn from(f: &Found) -> Self {
        FoundJson {
            subject: f.subject.clone(),
            sha256: f.sha256.clone(),
            source: f.source,
            origin: f.origin.clone(),
            root: f.root,
        }
    }
}

/// One AIA fetch and what came of it (`fetches[]`).
#[derive(Serialize)]
pub struct AttemptJson {
    pub url: String,
    pub outcome: &'static str,
    pub detail: String,
}

impl From<&Attempt> for AttemptJson {
    fn from(a: &Attempt) -> Self {
        AttemptJson {
            url: a.url.clone(),
            outcome: a.outcome,
            detail: a.detail.clone(),
        }
    }
}

/// A bundle's entry in `fix --json`.
#[derive(Serialize)]
pub struct FixEntry<'a> {
    pub target: TargetJson<'a>,
    pub status: FixStatusJson,
    pub causes: Vec<CauseEntry>,
    pub found: Vec<FoundJson>,
    /// `add`'s own entry for this bundle (its verdicts, backup, …), when it ran.
    pub add: Option<AddEntry<'a>>,
    /// Whether webpki verifies the chain with the bundle after the patch.
    pub verifies_after: Option<bool>,
    pub python: Option<PythonJson>,
    /// What makes a client ignore this bundle (variables, pip.conf), as `status` says.
    pub clients: Vec<ClientJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<'a> FixEntry<'a> {
    pub fn new(target: &'a Target, status: FixStatusJson) -> FixEntry<'a> {
        FixEntry {
            target: TargetJson::from(target),
            status,
            causes: Vec::new(),
            found: Vec::new(),
            add: None,
            verifies_after: None,
            python: None,
            clients: Vec::new(),
            error: None,
        }
    }
}

/// `fix`'s own keys.
#[derive(Serialize)]
pub struct FixExtra<'a> {
    pub source: String,
    pub name: Option<String>,
    pub proxy: Option<String>,
    /// The address connected to by `--resolve` (null: the host was resolved).
    pub address: Option<String>,
    pub dry_run: bool,
    pub chain: Vec<ChainEntry>,
    pub chain_notes: Vec<String>,
    /// Every fetch made (URL and outcome).
    pub fetches: Vec<AttemptJson>,
    pub overrides: Vec<OverrideJson<'a>>,
    pub notes: Vec<String>,
}

/// Why a bundle does not verify a chain (`causes[]` of `diagnose` and `fix`): `cause` in
/// kebab-case and the cause's facts.
#[derive(Serialize)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum CauseJson {
    MissingIssuer {
        depth: usize,
        subject: String,
        issuer: String,
        ca_issuers: Vec<String>,
    },
    RootNotInBundle {
        depth: usize,
        subject: String,
        sha256: String,
        os_trusts: bool,
        sent: bool,
    },
    KnownBadRoot {
        depth: usize,
        subject: String,
        sha256: String,
        name: String,
    },
    WeakKey {
        depth: usize,
        subject: String,
        key: String,
    },
    WeakSignature {
        depth: usize,
        subject: String,
        algorithm: String,
    },
    #[serde(rename = "ca-as-server-certificate")]
    CaAsServer {
        subject: String,
    },
    #[serde(rename = "python313-strict")]
    Strict313 {
        depth: usize,
        subject: String,
        reason: String,
    },
    Openssl {
        depth: usize,
        subject: String,
        code: i32,
        reason: String,
    },
    Expired {
        depth: usize,
        subject: String,
        not_after: String,
    },
    NotYetValid {
        depth: usize,
        subject: String,
        not_before: String,
    },
    NameMismatch {
        name: String,
        leaf_names: Vec<String>,
    },
    SelfSignedLeaf {
        subject: String,
    },
    Other {
        detail: String,
    },
}

impl From<&Cause> for CauseJson {
    fn from(c: &Cause) -> Self {
        match c.clone() {
            Cause::MissingIssuer {
                depth,
                subject,
                issuer,
                ca_issuers,
            } => CauseJson::MissingIssuer {
                depth,
                subject,
                issuer,
                ca_issuers,
            },
            Cause::RootNotInBundle {
                depth,
                subject,
                sha256,
                os_trusts,
                sent,
            } => CauseJson::RootNotInBundle {
                depth,
                subject,
                sha256,
                os_trusts,
                sent,
            },
            Cause::KnownBadRoot {
                depth,
                subject,
                sha256,
                name,
            } => CauseJson::KnownBadRoot {
                depth,
                subject,
                sha256,
                name,
            },
            Cause::WeakKey {
                depth,
                subject,
                key,
            } => CauseJson::WeakKey {
                depth,
                subject,
                key,
            },
            Cause::WeakSignature {
                depth,
                subject,
                algorithm,
            } => CauseJson::WeakSignature {
                depth,
                subject,
                algorithm,
            },
            Cause::CaAsServer { subject } => CauseJson::CaAsServer { subject },
            Cause::Strict313 {
                depth,
                subject,
                reason,
            } => CauseJson::Strict313 {
                depth,
                subject,
                reason,
            },
            Cause::Openssl {
                depth,
                subject,
                code,
                reason,
            } => CauseJson::Openssl {
                depth,
                subject,
                code,
                reason,
            },
            Cause::Expired {
                depth,
                subject,
                not_after,
            } => CauseJson::Expired {
                depth,
                subject,
                not_after,
            },
            Cause::NotYetValid {
                depth,
                subject,
                not_before,
            } => CauseJson::NotYetValid {
                depth,
                subject,
                not_before,
            },
            Cause::NameMismatch { name, leaf_names } => {
                CauseJson::NameMismatch { name, leaf_names }
            }
            Cause::SelfSignedLeaf { subject } => CauseJson::SelfSignedLeaf { subject },
            Cause::Other { detail } => CauseJson::Other { detail },
        }
    }
}

/// OpenSSL's verdict under one Python version's rules (`python_rules[]` of `diagnose`).
#[derive(Serialize)]
pub struct PyVerdictJson {
    /// `python<3.13` or `python>=3.13`.
    pub rules: &'static str,
    pub verifies: bool,
    pub code: i32,
    pub reason: String,
    pub depth: u32,
}

impl From<&PyVerdict> for PyVerdictJson {
    fn from(v: &PyVerdict) -> Self {
        PyVerdictJson {
            rules: match v.rules {
                PyRules::Before313 => "python<3.13",
                PyRules::Strict313 => "python>=3.13",
            },
            verifies: v.verifies,
            code: v.code,
            reason: v.reason.clone(),
            depth: v.depth,
        }
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bundle_entry_gets_path_from_its_target_and_keeps_its_own() {
        let doc = json!({"bundles": [
            {"target": {"path": "/a/cacert.pem"}},
            {"path": "/b", "target": {"path": "/other"}},
            {"status": "error"}
        ]});
        let out = with_bundle_paths(doc);
        assert_eq!(out["bundles"][0]["path"], "/a/cacert.pem");
        assert_eq!(out["bundles"][0]["target"]["path"], "/a/cacert.pem");
        assert_eq!(out["bundles"][1]["path"], "/b");
        assert!(out["bundles"][2].get("path").is_none());
    }
}

/// A step to take next (`status`'s `next[]`): the command's words (empty when the step is
/// not one command, such as "unset REQUESTS_CA_BUNDLE or …") and what it does. Scripts
/// run `argv`; people read [`NextJson::text`].
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct NextJson {
    pub argv: Vec<String>,
    pub description: String,
}

impl NextJson {
    /// `certpatch WORDS… NAMED…`.
    pub fn run(words: &[&str], named: &[String], what: &str) -> NextJson {
        let mut argv = vec!["certpatch".to_string()];
        argv.extend(words.iter().map(|w| w.to_string()));
        argv.extend(named.iter().cloned());
        NextJson {
            argv,
            description: what.to_string(),
        }
    }

    /// Advice that is not one command.
    pub fn advice(what: &str) -> NextJson {
        NextJson {
            argv: Vec::new(),
            description: what.to_string(),
        }
    }

    /// The command as a shell line (each word quoted when it needs it), with its
    /// description as a comment; or the advice.
    pub fn text(&self) -> String {
        if self.argv.is_empty() {
            return self.description.clone();
        }
        let line = self
            .argv
            .iter()
            .map(|w| crate::x509::text::shell_word(w))
            .collect::<Vec<_>>()
            .join(" ");
        format!("{line}   # {}", self.description)
    }
}
