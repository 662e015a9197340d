//! `certpatch list [targets]`: the certpatch patches present in each bundle.

use anyhow::Result;
use serde::Serialize;

use super::{cert_json, read_or_report, Context};
use crate::bundle::Patch;
use crate::cli::exit::Outcome;
use crate::cli::json::{Document, Entry, NotesExtra};
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::Targets;

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
pub struct LostJson {
    pub sha256: String,
    pub subject: String,
}

/// One bundle in `list --json` (fields in alphabetical order, as the JSON always had).
#[derive(Serialize)]
pub struct ListEntry<'a> {
    pub certificates: usize,
    pub environment: Option<String>,
    pub kind: Option<&'static str>,
    pub lost: Vec<LostJson>,
    pub patches: Vec<PatchJson>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serves: Option<&'static str>,
    pub source: &'static str,
    pub via: &'a str,
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
        let t = target.json();
        bundles.push(Entry::Done(ListEntry {
            certificates: bundle.certs.len(),
            environment: t.environment,
            kind: t.kind,
            lost: lost
                .into_iter()
                .map(|e| LostJson {
                    sha256: e.sha256,
                    subject: e.subject,
                })
                .collect(),
            patches: bundle.patches.iter().map(patch_json).collect(),
            path: t.path,
            serves: t.serves,
            source: t.source,
            via: t.via,
        }));
    }
    let (mut patches, mut patched) = (0, 0);
    for b in &bundles {
        if let Entry::Done(e) = b {
            patches += e.patches.len();
            patched += usize::from(!e.patches.is_empty());
        }
    }
    p.line(crate::cli::output::summary_text(
        outcome == Outcome::Success,
        false,
        &format!(
            "{patches} patch(es) in {patched} of {} bundle(s)",
            bundles.len()
        ),
    ));
    p.document(&Document {
        command: "list",
        ok: outcome == Outcome::Success,
        error: None,
        bundles,
        extra: NotesExtra { notes: &notes },
    });
    Ok(outcome)
}
