//! The ministry endpoint's wire protocol for Hồ sơ số: API types, the client (tus uploads)
//! and the reference server. This crate knows nothing about forms.
//!
//! The filing capability lands with its own issue; until then the crate is empty on purpose
//! so that the workspace already has the layout of the design.

// Library code never unwraps input from outside; tests may.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
