//! Whether a certificate may go into a bundle: the acceptance rules, each a named check
//! with its reason ([`validate`]), and planning an add ([`plan`]); publicly compromised roots refused by name
//! ([`known_bad`]).
//!
//! May import [`crate::bundle`] and [`crate::x509`]; never `store`, `discover` or `cli`.

#[cfg(test)]
mod cert_properties;
pub mod constraints;
pub mod known_bad;
pub mod plan;
pub mod validate;
