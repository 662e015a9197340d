//! What certpatch knows about the Web PKI without a network: an index of the
//! intermediates disclosed to Mozilla's root program (CCADB, as Firefox preloads them),
//! the history of the roots certifi shipped, and chain completion through both.
//!
//! It stores data, not trust: a certificate found here is only a candidate, and goes
//! through the acceptance rules (`accept`) like any other before anything is written.
//!
//! May import [`crate::bundle`] and [`crate::x509`]; a peer of `accept`, `discover`,
//! `store` and `net`, never importing them. Nothing here prints or writes files: reading
//! a refreshed index from `CERTPATCH_HOME` and saving one is the caller's business.

pub mod advice;
pub mod chain;
pub mod index;
pub mod roots;
pub mod source;

pub use chain::{complete, Completion};
pub use index::Index;

#[cfg(test)]
mod tests;
