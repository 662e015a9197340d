//! Which client ignores the bundles a command checked or patched: the settings and
//! variables that make Python read another file (shared by `check`, `add` and `fix`, and
//! said per bundle by `status`).

use std::path::PathBuf;

use crate::discover::{self, Finding, Host, Override};
use crate::target::Target;

/// What makes a client ignore one of `targets`, exactly per client and version
/// ([`discover::findings`], as `status` reports it): a variable that already names that
/// bundle is no problem, and `PIP_CERT` is one only for a pip before 24.2.
pub fn findings_for(host: &Host, targets: &[&Target]) -> Vec<(PathBuf, Finding)> {
    let mut out = Vec::new();
    for t in targets {
        let Some(kind) = t.kind else { continue };
        let package = crate::store::provenance::of(&t.path);
        let pip = package
            .as_ref()
            .filter(|p| p.package == "pip")
            .and_then(|p| p.version.as_deref());
        for f in discover::findings(host, &t.path, kind, pip) {
            out.push((t.path.clone(), f));
        }
    }
    out
}

/// The set variables behind [`findings_for`] (the `overrides` of `add --json`/`check --json`).
pub fn overrides_for(host: &Host, targets: &[&Target]) -> Vec<Override> {
    let findings = findings_for(host, targets);
    discover::overrides(host)
        .into_iter()
        .filter(|o| findings.iter().any(|(_, f)| f.setting == o.var))
        .collect()
}
