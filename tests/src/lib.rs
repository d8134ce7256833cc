//! Shared helpers for the cross-crate tests: locating the built `hoso` binary and the examples.
