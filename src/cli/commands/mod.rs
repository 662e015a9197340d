//! One file per subcommand. Each is thin: resolve targets, call the library, print.

pub mod add;
pub mod check;
pub mod completions;
pub mod find;
pub mod list;
pub mod man;
pub mod remove;
pub mod report;
pub mod restore;

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::bundle::Bundle;
use crate::cert::Cert;
use crate::clock::rfc3339;
use crate::discover::Host;
use crate::exit::Outcome;
use crate::home::Home;
use crate::output::{path_text, Printer};
use crate::target::{self, Target};

/// What every command gets: resolved global options, never raw flags.
pub struct Context {
    pub printer: Printer,
    /// The time validity is judged at (`--at`, or now).
    pub at: OffsetDateTime,
    pub host: Host,
}

impl Context {
    pub fn home(&self) -> Result<Home> {
        Home::locate()
    }

    /// Resolves targets and shows discovery's notes as warnings.
    pub fn targets(&self, spec: &crate::cli::Targets) -> Result<(Vec<Target>, Vec<String>)> {
        let resolved = target::resolve(&spec.into(), &self.host)?;
        for note in &resolved.notes {
            self.printer.warn(note);
        }
        Ok((resolved.targets, resolved.notes))
    }
}

/// Says, on standard error, why a write seems to hang: another certpatch holds the lock.
pub fn wait_notice(path: &Path) {
    eprintln!(
        "certpatch: waiting for another certpatch process to finish with `{}`…",
        path.display()
    );
}

/// Reads and parses a bundle without locking it (for commands that only look).
pub fn read_bundle(path: &Path) -> Result<Bundle> {
    let bytes = fs_err::read(path)?;
    Ok(Bundle::parse(bytes))
}

/// [`read_bundle`] for a command that goes on past a bundle it cannot read: the failure
/// is printed, its JSON entry added to `results`, and `outcome` set to failure.
pub fn read_or_report(
    ctx: &Context,
    target: &Target,
    outcome: &mut Outcome,
    results: &mut Vec<Value>,
) -> Option<Bundle> {
    match read_bundle(&target.path) {
        Ok(bundle) => Some(bundle),
        Err(e) => {
            *outcome = Outcome::Failure;
            results.push(bundle_error(ctx, target, &e));
            None
        }
    }
}

/// The JSON facts about one certificate.
pub fn cert_json(cert: &Cert) -> Value {
    json!({
        "sha256": cert.sha256_hex(),
        "subject": cert.subject,
        "issuer": cert.issuer,
        "label": cert.label,
        "serial": cert.serial_decimal,
        "not_before": rfc3339(cert.not_before),
        "not_after": rfc3339(cert.not_after),
        "key": cert.key_desc,
        "signature": cert.sig_alg_name,
    })
}

/// Prints why one bundle could not be handled and returns its JSON entry; the run goes on
/// with the other bundles and ends with the failure exit code.
pub fn bundle_error(ctx: &Context, target: &Target, err: &anyhow::Error) -> Value {
    let message = crate::exit::chain(err);
    ctx.printer
        .error(format!("{}: {message}", path_text(&target.path)));
    json!({"target": target.json(), "status": "error", "error": message})
}

/// A short picture of added (`+`) or removed (`-`) patch text: the comment lines and the
/// PEM armour, with the base64 body folded into one line.
pub fn preview(bytes: &[u8], sign: char) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut body = 0;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("-----") || line.starts_with('#') || line.is_empty() {
            if body > 0 {
                out.push(format!("{sign} … {body} lines of base64 …"));
                body = 0;
            }
            out.push(format!("{sign}{line}"));
        } else {
            body += 1;
        }
    }
    out
}
