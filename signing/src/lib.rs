//! Generic signatures for Hồ sơ số: PKCS#11 tokens, PKCS#12 files, PAdES, ASiC-E with XAdES,
//! CMS and certificate checks. This crate knows nothing about dossiers.
//!
//! The signing capability lands with its own issue; until then the crate is empty on purpose
//! so that the workspace already has the layout of the design.

// Library code never unwraps input from outside; tests may.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
