//! Integration tests for the `certpatch` command line (one test binary: `cargo test --test cli`).
//!
//! Every test works on copies in its own temporary folder, names its bundle with
//! `--bundle`, sets `CERTPATCH_HOME` inside that folder and judges validity at a fixed clock
//! (`--at`), so the suite never touches a real bundle and keeps passing after the real
//! certificates expire.

mod common;
// The servers and venvs of the test support, where the tests have always named them.
use common::{netlab, pyvenv};

mod apps_e2e;
mod clients_e2e;

mod attacks_certs;
mod attacks_files;
mod attacks_output;
mod attacks_restore;
mod bounded;

mod badssl;
mod chain_export;

mod concise;
mod concurrency;
mod confirm;
mod crash;
mod diagnose_fix;
mod discovery;
mod fix_e2e;
mod inputs;
mod json;
mod json_doc;
mod ledger_status;
mod man;
mod net_layer;
mod offline;
mod packaging;
mod python313;
mod python_e2e;
mod readme;
mod refusals;
mod regressions;
mod root_exec;
mod undo;
mod upgrade_e2e;
mod usage;
mod warnings;
mod writing;
