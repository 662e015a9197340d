//! `certpatch list [targets]`: the certpatch patches present in each bundle.

use anyhow::Result;
use serde_json::{json, Value};

use super::{cert_json, read_or_report, Context};
use crate::bundle::Patch;
use crate::cli::exit::Outcome;
use crate::cli::json::{Document, NotesExtra};
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::Targets;

pub fn patch_json(patch: &Patch) -> Value {
    let mut v = cert_json(&patch.cert);
    v["added"] = json!(patch.added);
    v["source"] = json!(patch.source);
    v
}

pub fn run(ctx: &Context, targets: &Targets) -> Result<Outcome> {
    let p = &ctx.printer;
    let (targets, notes) = ctx.targets(targets)?;
    let mut outcome = Outcome::Success;
    let mut bundles = Vec::new();
    for target in &targets {
        let Some(bundle) = read_or_report(ctx, target, &mut outcome, &mut bundles) else {
            continue;
        };
        p.line(target.describe());
        if bundle.damaged_blocks > 0 {
            p.warn(format!(
                "{}: {} PEM block(s) could not be read (left as they are)",
                path_text(&target.path),
                bundle.damaged_blocks
            ));
        }
        if bundle.patches.is_empty() {
            p.line(format!("  {}", p.tone(Tone::Dim, "no certpatch patches")));
        }
        for patch in &bundle.patches {
            // The time and source come from the bundle's `# certpatch:` line, which anyone
            // who can write the bundle can forge: shown escaped, like names and paths.
            p.line(format!(
                "  {}  {}  added {} from {}, expires {}",
                short(&patch.cert.sha256_hex()),
                patch.cert.name(),
                escape(patch.added.as_deref().unwrap_or("?")),
                escape(patch.source.as_deref().unwrap_or("?")),
                crate::x509::clock::rfc3339(patch.cert.not_after)
            ));
        }
        let lost = super::lost::lost_from(ctx, target, &bundle);
        if let Some(line) = super::lost::list_line(&lost) {
            p.warn(format!("{}: {line}", path_text(&target.path)));
        }
        let mut v = target.json();
        v["lost"] = lost
            .iter()
            .map(|e| json!({"sha256": e.sha256, "subject": e.subject}))
            .collect();
        v["certificates"] = json!(bundle.certs.len());
        v["patches"] = bundle.patches.iter().map(patch_json).collect();
        bundles.push(v);
    }
    p.document(&Document {
        command: "list",
        ok: outcome == Outcome::Success,
        error: None,
        bundles,
        extra: NotesExtra { notes: &notes },
    });
    Ok(outcome)
}
