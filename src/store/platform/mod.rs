//! The operating system's side of holding a path: every call that opens a folder and keeps
//! it, opens or creates a file beneath a held folder, or renames within one. It exists so
//! that the rest of `store` (and `target`) say *what* they hold, and the platform code that
//! says *how* sits in one place (a Windows port adds its own file here).
//!
//! Why a folder is held: certpatch is often run as root on paths other users can change.
//! A path checked and then opened again by name can be a different file by then (a folder
//! swapped for a link between the two). Holding the opened folder from the checks to the
//! write means the file checked is the file written.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;
