//! Integration tests for the `certpatch` command line (one test binary: `cargo test --test cli`).
//!
//! Every test works on copies in its own temporary folder, names its bundle with
//! `--bundle`, sets `CERTPATCH_HOME` inside that folder and judges validity at a fixed clock
//! (`--at`), so the suite never touches a real bundle and keeps passing after the real
//! certificates expire.

mod common;

mod clients_e2e;

mod attacks_certs;
mod attacks_files;
mod attacks_output;
mod attacks_restore;
mod bounded;

mod chain_export;

mod concise;
mod concurrency;
mod confirm;
mod crash;
mod discovery;
mod inputs;
mod json;
mod json_doc;
mod ledger_status;
mod man;
mod net;
mod net_e2e;
mod netlab;
mod offline;
mod packaging;
mod python313;
mod python_e2e;
mod pyvenv;
mod readme;
mod refusals;
mod regressions;
mod root_exec;
mod undo;
mod upgrade_e2e;
mod usage;
mod warnings;
mod writing;
