//! `check`: would `add` accept FILE for a bundle? The same rules, at the same time, with
//! the same offline advice, against the bundle as it is; nothing is written.

use crate::accept::validate::{self, Decision, Rules, Verdict};
use crate::bundle::Bundle;
use crate::target::Target;
use crate::usecase::advice::{self, Offline, Prepared};
use crate::usecase::knowledge::Knowledge;

/// Whether `add` would accept FILE for one bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    Acceptable,
    /// Every certificate is in the bundle already (or is a chain export's leaf).
    AlreadyPresent,
    Refused,
}

/// The verdicts on one bundle.
pub struct Checked<'p> {
    pub status: CheckStatus,
    pub verdicts: Vec<Verdict<'p>>,
    pub offline: Offline,
}

/// Judges `prepared` (FILE with what the offline index knows, [`advice::prepare`])
/// against `bundle`, the bundle of `target`, under `rules` and that target's Python.
pub fn check_one<'p>(
    knowledge: &Knowledge,
    prepared: &'p Prepared,
    bundle: &Bundle,
    target: &Target,
    rules: Rules,
) -> Checked<'p> {
    let rules = Rules {
        python_3_13: target.python_3_13(),
        ..rules
    };
    let mut verdicts = validate::judge(&prepared.input.certs, bundle, rules);
    let offline = advice::explain(knowledge, &mut verdicts, prepared);
    let status = if verdicts.iter().any(|v| v.decision == Decision::Refused) {
        CheckStatus::Refused
    } else if verdicts
        .iter()
        .all(|v| matches!(v.decision, Decision::AlreadyPresent | Decision::SkippedLeaf))
    {
        CheckStatus::AlreadyPresent
    } else {
        CheckStatus::Acceptable
    };
    Checked {
        status,
        verdicts,
        offline,
    }
}
