//! Lost patches as `list` and `remove` use them: recorded in the ledger, absent from the
//! bundle (an upgrade, a reinstall, a replaced file). `list` mentions them; `remove` of a
//! lost patch drops it from the ledger. The ledger is bookkeeping: when it cannot be
//! read, these find nothing and the commands work on the markers alone.

use std::path::PathBuf;

use anyhow::Result;

use crate::bundle::Bundle;
use crate::store::home::Home;
use crate::store::ledger::{self, Entry};
use crate::target::Target;

/// The recorded patches `bundle` (the file of `target`) lacks; none without a home
/// folder or when the ledger cannot be read.
pub fn lost_from(home: Option<&Home>, target: &Target, bundle: &Bundle) -> Vec<Entry> {
    let Some(Ok(ledger)) = home.map(ledger::read) else {
        return Vec::new();
    };
    crate::health::lost_entries(&ledger, &target.path, bundle)
        .into_iter()
        .cloned()
        .collect()
}

/// The lost patches (bundle, entry) of `targets` whose fingerprint starts with `prefix`.
pub fn matching(home: Option<&Home>, targets: &[Target], prefix: &str) -> Vec<(PathBuf, Entry)> {
    let mut out = Vec::new();
    for target in targets {
        let Ok(bytes) = target.read() else { continue };
        let bundle = Bundle::parse(bytes);
        for e in lost_from(home, target, &bundle) {
            if e.sha256.starts_with(prefix) {
                out.push((target.path.clone(), e));
            }
        }
    }
    out
}

/// Drops each of `gone` from the ledger, so that `reapply` does not put it back.
pub fn forget(home: &Home, gone: &[(PathBuf, Entry)]) -> Result<()> {
    if gone.is_empty() {
        return Ok(());
    }
    ledger::update(home, |l| {
        for (bundle, e) in gone {
            l.forget(bundle, &e.sha256);
        }
    })
}
