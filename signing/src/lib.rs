//! Generic signatures for Hồ sơ số: PKCS#11 tokens, PKCS#12 files, PAdES, ASiC-E with XAdES,
//! CMS and certificate checks. This crate knows nothing about dossiers.
//!
//! Formats (CMS, PAdES, XAdES, ASiC-E) are kept apart from backends (PKCS#11, PKCS#12): a
//! format asks a [`Signer`] to sign a digest and never learns where the key lives.

// Library code never unwraps input from outside; tests may.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

// Backends.
pub mod p12;
pub mod pkcs11;
mod signer;
mod software;
pub mod test_pki;

// Certificates.
pub mod certinfo;
pub mod checks;
pub mod trust;

// Formats.
pub mod asic;
pub mod cms;
pub mod pades;
pub mod xades;

pub use signer::{SignError, SignatureAlgorithm, Signer};
pub use software::{Pkcs8Der, SoftwareSigner};
