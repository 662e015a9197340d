//! What adding an input to one bundle would do: the verdict on every certificate and, when
//! nothing is refused, the new bundle bytes. Pure: it reads and writes nothing, so `check`,
//! `add --dry-run`, `add --output` and a real `add` under the lock all plan the same way.

use crate::bundle::{render_patch, Bundle};
use crate::input::Input;
use crate::validate::{self, Decision, Rules, Verdict};

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
    let bundle = Bundle::parse(bytes);
    let verdicts = validate::judge(&input.certs, &bundle, rules);
    let mut added = Vec::new();
    let mut new_bytes = None;
    if verdicts.iter().all(|v| v.decision != Decision::Refused) {
        let mut bytes = bundle.bytes.clone();
        for (i, v) in verdicts.iter().enumerate() {
            let duplicate = added
                .iter()
                .any(|&j: &usize| input.certs[j].sha256 == v.cert.sha256);
            if v.decision == Decision::Add && !duplicate {
                let patch = render_patch(&bytes, v.cert, when, &input.source);
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
