//! certpatch's own state and every write it makes: the lock and atomic write
//! ([`mod@write`]), the home folder ([`home`]), backups ([`backup`]), the ledger of patches
//! ([`ledger`]), the user's settings ([`config`]), committing a change in the one safe
//! order ([`commit`]), and the one bundle transaction every change goes through
//! ([`transaction`]), and its typed failures ([`error`]). Platform
//! calls (locks, modes, owners) live here; the ones that hold a folder open from a
//! target's checks to its write are in [`platform`].
//!
//! May import [`crate::bundle`] and [`crate::x509`]; never `discover`, `accept` or `cli`.

pub mod backup;
pub mod commit;
pub mod config;
pub mod error;
pub mod home;
pub mod ledger;
pub mod provenance;
pub mod transaction;
pub mod write;
