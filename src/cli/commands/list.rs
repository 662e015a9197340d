//! `certpatch list [targets]`: the certpatch patches present in each bundle.

use anyhow::Result;

use crate::cli::json::TargetJson;

use super::{read_or_report, Context};
use crate::cli::exit::Outcome;
use crate::cli::json::{patch_json, Document, Entry, ListEntry, LostPatchJson, NotesExtra};
use crate::cli::output::{escape, path_text, short, Tone};
use crate::cli::Targets;

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
        let lost = crate::usecase::lost::lost_from(ctx.home().ok().as_ref(), target, &bundle);
        if let Some(line) = crate::cli::show::lost_line(&lost) {
            p.warn(format!("{}: {line}", path_text(&target.path)));
        }
        let t = TargetJson::from(target);
        bundles.push(Entry::Done(ListEntry {
            certificates: bundle.certs.len(),
            environment: t.environment,
            kind: t.kind,
            lost: lost
                .into_iter()
                .map(|e| LostPatchJson {
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
