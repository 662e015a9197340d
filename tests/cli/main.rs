//! Integration tests for the `certpatch` command line (one test binary: `cargo test --test cli`).
//!
//! Every test works on copies in its own temporary folder, names its bundle with
//! `--bundle`, sets `CERTPATCH_HOME` inside that folder and judges validity at a fixed clock
//! (`--at`), so the suite never touches a real bundle and keeps passing after the real
//! certificates expire.

mod common;
// The servers and venvs of the test support, where the tests have always named them.
use common::{netlab, pyvenv};

#[cfg(unix)]
mod apps_e2e;
// Modules gated by `cfg(unix)`, with why (the Windows counterparts: `windows.rs`):
// - a Python (no Windows CPython can be installed where CI runs the Windows tests):
//   apps_e2e, clients_e2e, python313, fix_e2e, upgrade_e2e, badssl;
// - Unix file semantics: attacks_files (symbolic links, owners chowned to `nobody`, modes,
//   FIFOs), crash (SIGKILL mid-write, inode identity);
// - fake Unix machines (executables by mode bits, symbolic links, `bin/python3` stand-ins):
//   discovery, warnings (Windows layouts: the unit tests in src/discover);
// - root and other local users: root_exec; a pseudo-terminal through util-linux's
//   `script`: confirm.
#[cfg(unix)]
mod clients_e2e;

mod attacks_certs;
#[cfg(unix)]
mod attacks_files;
mod attacks_output;
mod attacks_restore;
mod bounded;

#[cfg(unix)]
mod badssl;
mod chain_export;

mod concise;
mod concurrency;
#[cfg(unix)]
mod confirm;
#[cfg(unix)]
mod crash;
mod diagnose_fix;
#[cfg(unix)]
mod discovery;
#[cfg(unix)]
mod fix_e2e;
mod inputs;
mod json;
mod json_doc;
mod ledger_status;
mod man;
mod net_layer;
mod offline;
mod packaging;
#[cfg(unix)]
mod python313;
mod python_e2e;
mod readme;
mod refusals;
mod regressions;
#[cfg(unix)]
mod root_exec;
mod undo;
#[cfg(unix)]
mod upgrade_e2e;
mod usage;
#[cfg(unix)]
mod warnings;
#[cfg(windows)]
mod windows;
mod writing;
