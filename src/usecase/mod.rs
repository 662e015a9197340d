//! The use cases: one module per thing a user asks certpatch to do, holding every decision
//! of that command, between the command line (`cli`, which parses, calls one use case and
//! prints its outcome) and the domain layers (`health`, `target`, `store`, `discover`,
//! `accept`, `net`, `pki`, `bundle`, `x509`), as uv's `commands/` sits over its crates.
//!
//! A use case takes plain inputs (paths, fingerprints, a loaded [`knowledge::Knowledge`],
//! the time) and returns a typed outcome (enums, not strings): it never prints, never sees
//! clap, and never builds JSON (the wire types are in `cli::json`). What it must say while
//! it works it returns as values, or passes to a callback the caller gives.
//!
//! May import `health`, `target`, `store`, `discover`, `accept`, `net`, `pki`, `bundle`
//! and `x509`; never `cli`.

pub mod add;
pub mod advice;
pub mod check;
pub mod clients;
pub mod diagnose;
pub mod fix;
pub mod knowledge;
pub mod lost;
pub mod reapply;
pub mod remove;
pub mod restore;
pub mod status;

/// A mistake in the command line that clap cannot see (exit code 2): a use case that
/// finds one returns it inside its `anyhow::Error`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
