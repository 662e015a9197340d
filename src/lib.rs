//! certpatch: add a missing intermediate CA certificate to Python's CA bundles, safely
//! and reversibly.
//!
//! This library is the whole program; the `certpatch` binary only calls
//! [`cli::main`]. It is split so that its structure can be read and tested (and fuzzed or
//! benchmarked by calling it directly), not to be used by other crates: **it has no
//! stable API**, and any item may change or go away in any release.
//!
//! # The crate map
//!
//! | layer | owns |
//! | --- | --- |
//! | [`cli`] | clap definitions, output ([`cli::output::Printer`]), the JSON contract ([`cli::json`]: every wire type), exit codes, the entry point, one file per command that parses, calls a use case and prints |
//! | [`usecase`] | every decision of a command, one module per use case (check, add, remove, restore, status, reapply, diagnose, fix, offline advice, lost patches, …): plain inputs in, typed outcomes out; the offline index loaded once per run ([`usecase::knowledge::Knowledge`]) |
//! | [`health`] | a bundle's patch state for `status` and `reapply`: present, lost and how, edited by something else, expiring, ignored by a client |
//! | [`store`] | certpatch's state and writes: lock + atomic write, backups, ledger, home folder, commit |
//! | [`target`] | which bundles a command acts on: a plain [`target::Spec`] resolved through `discover` |
//! | [`discover`] | Python environments and their bundles |
//! | [`accept`] | the acceptance rules for a certificate, and planning an add |
//! | [`net`] | TLS capture of a server's chain, judging it with webpki, AIA fetching |
//! | [`pki`] | offline Web PKI knowledge: the index of CCADB intermediates, certifi's root history, chain completion (data, not trust) |
//! | [`bundle`] | the bundle format itself: parse, render a patch, take patches out (pure) |
//! | [`x509`] | bytes → certificate facts: PEM, DER, PKCS#7 intake; times; printable text |
//! | [`os`] | the operating system's side of a path, one file per platform: held folders, file facts, owners (uids, or SIDs on Windows) and who else may write, locks, private folders |
//!
//! Beside them, `fuzzing` (hidden, at the level of `bundle`) holds the entry points of
//! the fuzz targets in `fuzz/`, which `tests/fuzz_corpus.rs` replays on stable.
//!
//! # The layer rule
//!
//! Data flows one way:
//!
//! ```text
//! cli → usecase → health → target → store | discover | accept | net | pki → bundle → x509 → os
//! ```
//!
//! - A layer imports only the layers to its right, never one to its left. `os`, at the
//!   bottom, imports nothing of the crate: every layer may ask it about a path.
//! - `store`, `discover`, `accept`, `net` and `pki` are peers and do not import each other
//!   (in particular `net` never imports `store`: fetching never writes).
//! - Nothing below `cli` prints (the lints below enforce it) or sees clap types: lower
//!   layers return values, including notes and warnings, and take plain types such as
//!   [`target::Spec`]; a lower layer that must say something while it works
//!   takes a callback (as [`store::write::lock`] does).
//! - The commands in `cli` never import each other; what several share is in `cli::show`,
//!   `cli::adding` and `cli::json`, or in a use case.
//! - Process-wide state is only what cannot change within a run (the built-in index and
//!   root history, the signature cache of pure results, the closed-stdout flag): what a
//!   run loads (a refreshed index) is passed down as a value.
//! - Each layer's `mod.rs` says what it owns and what it may import. A test
//!   (`src/layer_rule.rs`) reads every file with `syn` and checks every `crate::` path
//!   of production code (macro arguments included, `#[cfg(test)]` items left out)
//!   against this rule.

// Nothing below `cli` prints: results go up as values, and the cli decides what the user
// sees. (clippy.toml lets tests print.)
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod accept;
pub mod bundle;
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub mod cli;
pub mod discover;
#[doc(hidden)]
pub mod fuzzing;
pub mod health;
pub mod net;
pub mod os;
pub mod pki;
pub mod store;
pub mod target;
pub mod usecase;
pub mod x509;

#[cfg(test)]
mod layer_rule;
