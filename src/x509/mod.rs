//! Bytes → certificate facts: reading PEM, DER and PKCS#7 input ([`input`]), the parsed
//! certificate and its names, fingerprints and limits ([`cert`]), time ([`clock`]), and
//! the text of paths and errors that several layers write ([`text`]).
//!
//! The bottom layer: it imports nothing else of certpatch.

pub mod cert;
pub mod clock;
pub mod input;
pub mod text;

#[cfg(test)]
pub(crate) mod proptest_cases;
