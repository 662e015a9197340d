//! What to tell a user whose chain ends at a root certifi removed: the fact in words, and
//! only the actions that can work. Pure text (the cli prints it); never advice to add the
//! removed root, which certifi dropped on purpose (and `add` refuses anyway).

use crate::pki::chain::DeadEnd;
use crate::x509::text::escape;

/// A root certifi shipped and later removed, at the end of a certificate's chain (through
/// the offline index's intermediates if needed), which the bundle lacks: the one type
/// `status`, `reapply`, `diagnose`, `fix`, `check` and `add` explain it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedRoot {
    /// The root's subject.
    pub name: String,
    pub sha256: String,
    /// The last certifi release that had it.
    pub certifi_last: String,
    /// The first certifi release without it (`None` when not known).
    pub removed_in_certifi: Option<String>,
    /// The index's intermediates between the certificate and the root (SHA-256).
    pub via: Vec<String>,
    /// In words ([`removed_root_reason`]).
    pub reason: String,
    /// The actions that can work, most recommended first (never adding the root back).
    pub actions: Vec<String>,
}

impl RemovedRoot {
    /// The removed root `end` names, explained for the certificate called `cert_name`.
    pub fn new(end: &DeadEnd, cert_name: &str) -> RemovedRoot {
        RemovedRoot {
            name: end.root.cert.subject().to_string(),
            sha256: end.root.cert.sha256_hex(),
            certifi_last: end.root.last_with.clone(),
            removed_in_certifi: end.root.removed_in.clone(),
            via: end.via.iter().map(|v| v.sha256_hex()).collect(),
            reason: removed_root_reason(end),
            actions: removed_root_actions(end, cert_name, None),
        }
    }
}

/// The sentence that replaces "add that issuer first" when the chain ends at a removed
/// root: `<root> was removed from certifi in <version>; adding its intermediate cannot
/// work with this bundle`.
pub fn removed_root_reason(end: &DeadEnd) -> String {
    let via = if end.via.is_empty() {
        String::new()
    } else {
        format!(
            ", through {}",
            end.via
                .iter()
                .map(|c| format!("`{}`", c.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "{root} was removed from certifi in {removed}; adding its intermediate cannot work with this bundle (its chain ends at that root{via}; certifi {last} was the last release with it)",
        root = escape(end.root.cert.name()),
        last = end.root.last_with,
        removed = end.root.removed_in.as_deref().unwrap_or("a later release"),
    )
}

/// The actions that can work for `cert_name`, most recommended first. `cross_signed`
/// names a path to a root the bundle has, through the index, when there is one.
pub fn removed_root_actions(
    end: &DeadEnd,
    cert_name: &str,
    cross_signed: Option<&str>,
) -> Vec<String> {
    let mut out = vec![format!(
        "ask the server's operator to serve a chain to a root certifi still has (the CA issues or cross-signs intermediates under its current roots; `{}` chains only to the removed one)",
        escape(cert_name)
    )];
    if let Some(path) = cross_signed {
        out.push(format!(
            "certpatch knows a cross-signed path to a root this bundle has: {path} — add it with `--with-issuers`"
        ));
    }
    out.push(format!(
        "last resort, knowingly: pin an older certifi (`pip install 'certifi=={last}'`, the last release with {root}); you give up every root added and every root removed since, including the reason {root} was dropped",
        last = end.root.last_with,
        root = escape(end.root.cert.name()),
    ));
    out
}

/// Python 3.13's partial-chain behaviour, where it changes the answer: a fact, not advice.
pub const PARTIAL_CHAIN_NOTE: &str = "on Python 3.13+ (VERIFY_X509_PARTIAL_CHAIN) a certificate in the bundle is a trust anchor on its own, so the intermediate without its root would be trusted there (not on older Pythons, nor by tools without that flag); certpatch does not add it: that would trust it without the root certifi removed";
