//! `certpatch index [lookup QUERY | refresh FILE | reset]`: the offline index of CCADB
//! intermediates that `check`/`add --with-issuers` complete chains from. Without an
//! action it shows the index in use (the snapshot built into certpatch, or a refresh
//! saved under `CERTPATCH_HOME`), its date and size, and the certifi root history.

use std::path::Path;

use anyhow::{Context as _, Result};

use super::Context;
use crate::cli::exit::Outcome;
use crate::cli::json::{Document, IndexExtra, IndexFound, IndexInfo, IndexRefusedRow};
use crate::cli::output::{path_text, Tone};
use crate::pki::index::Index;
use crate::pki::roots::Roots;
use crate::pki::source;
use crate::usecase::knowledge::refreshed_file;
use crate::x509::cert::{hex, Cert};
use crate::x509::clock::rfc3339;
use crate::x509::text::escape;

/// The most bytes `index refresh` reads (the whole CCADB report with PEM is ~30 MB).
const MAX_REFRESH_BYTES: u64 = 256 * 1024 * 1024;

/// What `index` does.
pub enum Action<'a> {
    Show,
    Lookup(&'a str),
    Refresh(&'a Path),
    Reset,
}

fn info(ctx: &Context) -> IndexInfo {
    let k = ctx.knowledge();
    let (origin, path) = match &k.refreshed {
        Some((p, _)) => ("refreshed", Some(path_text(p))),
        None => ("embedded", None),
    };
    let bytes = k.index_bytes();
    let i = k.index();
    let roots = Roots::embedded();
    IndexInfo {
        origin,
        path,
        date: i.date.clone(),
        source: i.source.clone(),
        certificates: i.len(),
        bytes,
        stale: k.is_stale(ctx.at),
        certifi_releases_read: roots.versions,
        certifi_roots_known: roots.roots.len(),
        certifi_roots_removed: roots.removed().count(),
    }
}

pub fn run(ctx: &Context, action: Action) -> Result<Outcome> {
    // Loaded before a refresh or reset, so the index shown is the one this run used.
    let _ = ctx.knowledge();
    let p = &ctx.printer;
    let mut extra = IndexExtra {
        action: "show",
        index: None,
        found: None,
        rows: None,
        kept: None,
        refused: None,
        counts: None,
    };
    let mut outcome = Outcome::Success;
    match action {
        Action::Show => {
            let i = info(ctx);
            p.line(format!(
                "offline index: {} intermediate CA certificates from {} (dated {}), {} ({} KiB compressed{})",
                i.certificates,
                escape(&i.source),
                i.date,
                if i.origin == "embedded" { "built into certpatch".to_string() } else { format!("refreshed, {}", i.path.clone().unwrap_or_default()) },
                i.bytes / 1024,
                if i.origin == "embedded" { ", part of the binary" } else { "" },
            ));
            p.line(format!(
                "certifi root history: {} roots from {} certifi releases ({} to {}), {} of them removed since",
                i.certifi_roots_known,
                i.certifi_releases_read,
                Roots::embedded().oldest,
                Roots::embedded().newest,
                i.certifi_roots_removed
            ));
            if i.stale {
                p.note(format!(
                    "the index is from {}, more than a year before {}: newer intermediates are missing; refresh it with `certpatch index refresh FILE` (Mozilla's CCADB report PublicAllIntermediateCertsWithPEMCSV)",
                    i.date,
                    &rfc3339(ctx.at)[..10]
                ));
            }
            extra.index = Some(i);
        }
        Action::Lookup(query) => {
            extra.action = "lookup";
            let found = lookup(ctx.knowledge().index(), query);
            if found.is_empty() {
                p.error(format!(
                    "nothing in the offline index or certifi's root history matches `{}`",
                    escape(query)
                ));
                outcome = Outcome::Failure;
            }
            for f in &found {
                let history = match (&f.certifi_first, &f.certifi_last, &f.removed_in_certifi) {
                    (Some(a), Some(b), Some(r)) => {
                        format!("; a certifi root from {a} to {b}, removed in {r}")
                    }
                    (Some(a), _, None) => format!("; a certifi root since {a}, still shipped"),
                    _ => String::new(),
                };
                p.line(format!(
                    "{} {} (sha256 {})\n  issuer: {}\n  valid until {}{history}",
                    p.tone(Tone::Good, f.kind),
                    f.subject,
                    f.sha256,
                    f.issuer,
                    f.not_after
                ));
            }
            extra.found = Some(found);
            extra.index = Some(info(ctx));
        }
        Action::Refresh(file) => {
            extra.action = "refresh";
            outcome = refresh(ctx, file, &mut extra)?;
            extra.index = Some(info(ctx));
        }
        Action::Reset => {
            extra.action = "reset";
            let home = ctx.home()?;
            let path = refreshed_file(&home);
            match std::fs::remove_file(&path) {
                Ok(()) => p.line(format!(
                    "removed {}; certpatch uses the snapshot built into it again",
                    path_text(&path)
                )),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    p.line("no refreshed index; certpatch already uses the snapshot built into it")
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path_text(&path)))
                }
            }
        }
    }
    p.document(&Document {
        command: "index",
        ok: outcome == Outcome::Success,
        error: None,
        bundles: Vec::<()>::new(),
        extra,
    });
    Ok(outcome)
}

/// Certificates matching `query`: a SHA-256 (or a prefix of at least 8 hex digits,
/// colons optional), else text found in the subject (any case).
fn lookup(index: &Index, query: &str) -> Vec<IndexFound> {
    let q = query.trim().replace(':', "").to_ascii_lowercase();
    let is_hex = q.len() >= 8 && q.len() <= 64 && q.chars().all(|c| c.is_ascii_hexdigit());
    let needle = query.trim().to_lowercase();
    let matches = |c: &Cert| {
        if is_hex {
            hex(&c.sha256()).starts_with(&q)
        } else {
            !needle.is_empty() && c.subject().to_lowercase().contains(&needle)
        }
    };
    let mut out: Vec<IndexFound> = Vec::new();
    let found = |c: &Cert, kind| IndexFound {
        kind,
        sha256: c.sha256_hex(),
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        not_after: rfc3339(c.not_after),
        certifi_first: None,
        certifi_last: None,
        removed_in_certifi: None,
    };
    let certs: Vec<Cert> = if is_hex {
        index.by_fingerprint_prefix(&q)
    } else {
        index.certs().filter(|c| matches(c)).collect()
    };
    for c in &certs {
        out.push(found(c, "intermediate"));
    }
    for r in Roots::embedded().roots.iter().filter(|r| matches(&r.cert)) {
        let mut f = found(&r.cert, "certifi-root");
        f.certifi_first = Some(r.first_with.clone());
        f.certifi_last = Some(r.last_with.clone());
        f.removed_in_certifi = r.removed_in.clone();
        out.push(f);
    }
    out
}

fn refresh(ctx: &Context, file: &Path, extra: &mut IndexExtra) -> Result<Outcome> {
    let p = &ctx.printer;
    let bytes = read_limited(file)?;
    let is_csv = !bytes.trim_ascii_start().starts_with(b"-----BEGIN");
    let rows = if is_csv {
        source::read_csv(&bytes)
    } else {
        source::read_pem(&bytes)
    }
    .map_err(|e| anyhow::anyhow!("cannot use `{}` as a CCADB report: {e}", path_text(file)))?;
    let roots = Roots::embedded();
    let root_certs: Vec<&Cert> = roots.roots.iter().map(|r| &r.cert).collect();
    let v = source::validate(rows, &root_certs);
    let mut refused: Vec<IndexRefusedRow> = v
        .refused
        .iter()
        .map(|(place, why)| IndexRefusedRow {
            place: place.clone(),
            code: why.code(),
            message: why.message(),
        })
        .collect();
    refused.sort_by_key(|r| {
        r.place
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    let (shown, more) = crate::cli::output::capped_lines(&refused, "refused rows");
    for r in shown {
        p.warn(format!(
            "{}: refused {}: {}",
            path_text(file),
            r.place,
            escape(&r.message)
        ));
    }
    if let Some(more) = more {
        p.warn(more);
    }
    let counts: std::collections::BTreeMap<&'static str, usize> = v.counts().into_iter().collect();
    p.line(format!(
        "{} row(s) read: {} kept, {} refused ({})",
        v.rows,
        v.certs.len(),
        refused.len(),
        counts
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    extra.rows = Some(v.rows);
    extra.kept = Some(v.certs.len());
    extra.refused = Some(refused);
    extra.counts = Some(counts);
    if v.certs.is_empty() {
        p.error(format!(
            "no row of `{}` passed; the index in use is unchanged",
            path_text(file)
        ));
        return Ok(Outcome::Failure);
    }
    let date = rfc3339(time::OffsetDateTime::now_utc())[..10].to_string();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "refresh".to_string());
    let data = Index::encode(&v.certs, &date, &name);
    let home = ctx.home()?;
    let target = refreshed_file(&home);
    home.ensure(target.parent().unwrap())?;
    crate::store::write::write_atomic(&target, &data, None)?;
    p.line(format!(
        "{} saved the index of {} certificates to {} ({} KiB); the snapshot built into certpatch stays the fallback (`certpatch index reset`)",
        p.tone(Tone::Good, "done:"),
        v.certs.len(),
        path_text(&target),
        data.len() / 1024
    ));
    Ok(Outcome::Success)
}

fn read_limited(file: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(file).with_context(|| {
        format!(
            "cannot read `{}`; give the CCADB CSV report with PEM (or a PEM file) you downloaded",
            path_text(file)
        )
    })?;
    let mut bytes = Vec::new();
    f.take(MAX_REFRESH_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_REFRESH_BYTES {
        anyhow::bail!(
            "`{}` is larger than 256 MiB; is it the right file?",
            path_text(file)
        );
    }
    Ok(bytes)
}
