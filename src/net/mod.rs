//! The network layer: capturing a TLS server's chain ([`capture`], through a proxy when
//! the environment names one: [`proxy`]), judging it against a bundle with rustls-webpki
//! and naming the cause when it fails ([`judge`]), and finding missing issuers
//! ([`issuers`]: an ordered list of sources, AIA fetching in [`aia`]).
//!
//! May import [`crate::bundle`] and [`crate::x509`]; never `store` (fetching never
//! writes), `discover`, `accept` or `cli`. Nothing here prints.

pub mod aia;
pub mod capture;
pub mod capture_openssl;
pub mod endpoint;
pub mod issuers;
pub mod judge;
pub mod proxy;
pub mod pyssl;
