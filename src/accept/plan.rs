//! What adding an input to one bundle would do: the verdict on every certificate and, when
//! nothing is refused, the new bundle bytes. Pure: it reads and writes nothing, so `check`,
//! `add --dry-run`, `add --output` and a real `add` under the lock all plan the same way.

use crate::accept::validate::{self, Decision, Rules, Verdict};
use crate::bundle::{render_patch, Bundle};
use crate::x509::input::Input;

/// What adding means for one bundle.
pub struct Plan<'a> {
    pub bundle: Bundle,
    pub verdicts: Vec<Verdict<'a>>,
    /// The certificates appended, in order (none when refused or all present).
    pub added: Vec<usize>,
    /// The new content, when anything is appended.
    pub new_bytes: Option<Vec<u8>>,
}

/// Judges `input` against the bundle `bytes` and, when nothing is refused, renders the
/// patches for the certificates the bundle lacks (each once, in input order).
pub fn plan<'a>(input: &'a Input, bytes: Vec<u8>, rules: Rules, when: &str) -> Plan<'a> {
    plan_parsed(input, Bundle::parse(bytes), rules, when)
}

/// [`plan`] for a bundle already parsed (the bundle transaction parses it).
pub fn plan_parsed<'a>(input: &'a Input, bundle: Bundle, rules: Rules, when: &str) -> Plan<'a> {
    plan_sourced(input, bundle, rules, when, &|_| input.source.clone())
}

/// [`plan_parsed`] where each certificate's patch names its own source (`source_of(i)`
/// for `input.certs[i]`), as `add --with-issuers` does for the issuers it found.
pub fn plan_sourced<'a>(
    input: &'a Input,
    bundle: Bundle,
    rules: Rules,
    when: &str,
    source_of: &dyn Fn(usize) -> String,
) -> Plan<'a> {
    let verdicts = validate::judge(&input.certs, &bundle, rules);
    let mut added = Vec::new();
    let mut new_bytes = None;
    if verdicts.iter().all(|v| v.decision != Decision::Refused) {
        let mut bytes = bundle.bytes.clone();
        for (i, v) in verdicts.iter().enumerate() {
            let duplicate = added
                .iter()
                .any(|&j: &usize| input.certs[j].sha256() == v.cert.sha256());
            if v.decision == Decision::Add && !duplicate {
                let patch = render_patch(&bytes, v.cert, when, &source_of(i));
                bytes.extend(patch);
                added.push(i);
            }
        }
        if !added.is_empty() {
            new_bytes = Some(bytes);
        }
    }
    Plan {
        bundle,
        verdicts,
        added,
        new_bytes,
    }
}

/// The plan to commit under the lock: `planned` (made from an unlocked read) when the
/// locked bytes are the bytes it was made from, else a new plan from the locked bytes (the
/// bundle changed between the read and the lock). The expensive checks thus run before the
/// lock in the usual case, and the lock is held only to compare and write. Returns whether
/// it planned again.
pub fn reuse_or_replan<'a>(
    planned: Plan<'a>,
    locked: &[u8],
    input: &'a Input,
    rules: Rules,
    when: &str,
) -> (Plan<'a>, bool) {
    if planned.bundle.bytes == locked {
        (planned, false)
    } else {
        (plan(input, locked.to_vec(), rules, when), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(rel),
        )
        .unwrap()
    }

    fn setup() -> (Input, Rules) {
        let input = crate::x509::input::read(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gen/int-good.pem"),
        )
        .unwrap();
        let rules = Rules {
            at: crate::x509::clock::parse_at("2026-06-01T00:00:00Z").unwrap(),
            allow_root: false,
            python_3_13: None,
        };
        (input, rules)
    }

    fn bundle() -> Vec<u8> {
        let mut b = fixture("real/certifi-2026.10.19-cacert.pem");
        b.extend(fixture("gen/test-root.pem"));
        b
    }

    #[test]
    fn the_plan_made_before_the_lock_is_used_when_the_bundle_did_not_change() {
        let (input, rules) = setup();
        let planned = plan(&input, bundle(), rules, "T");
        let expected = planned.new_bytes.clone().expect("adds the intermediate");
        let (used, replanned) = reuse_or_replan(planned, &bundle(), &input, rules, "T");
        assert!(!replanned);
        assert_eq!(used.new_bytes.as_deref(), Some(expected.as_slice()));
    }

    #[test]
    fn a_bundle_changed_between_read_and_lock_is_planned_again_from_the_locked_bytes() {
        let (input, rules) = setup();
        let planned = plan(&input, bundle(), rules, "T");
        // Another process added the same certificate meanwhile: nothing is left to add.
        let changed = planned.new_bytes.clone().unwrap();
        let (used, replanned) = reuse_or_replan(planned, &changed, &input, rules, "T");
        assert!(replanned);
        assert_eq!(used.bundle.bytes, changed);
        assert_eq!(
            used.new_bytes, None,
            "the stale plan would have added a duplicate"
        );
        // Another process replaced the bundle with one lacking the root: now refused.
        let no_root = fixture("real/certifi-2026.10.19-cacert.pem");
        let planned = plan(&input, bundle(), rules, "T");
        let (used, replanned) = reuse_or_replan(planned, &no_root, &input, rules, "T");
        assert!(replanned);
        assert!(used.new_bytes.is_none());
        assert!(used
            .verdicts
            .iter()
            .any(|v| v.decision == crate::accept::validate::Decision::Refused));
    }
}
