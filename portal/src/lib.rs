//! The ministry endpoint's wire protocol for Hồ sơ số: API types ([`api`], the contract of
//! `openapi.json`), the client (tus uploads) and the reference server ([`server`]). This
//! crate knows nothing about forms: the server's container and login checks are injected.

// Library code never unwraps input from outside; tests may.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod client;
pub mod server;
