//! hoso-core: everything Hồ sơ số knows about dossiers, independent of any window or terminal.
//!
//! The dossier kinds and their typed forms, the versioned legal data (form versions,
//! attachment slots, fee tables, the procedure catalog), validation, and the offline store.
//! The CLI (`hoso`) and the desktop app are thin shells over this crate.

// Library code never unwraps input from outside; tests may.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod catalog;
pub mod counting;
pub mod demo;
pub mod desk;
pub mod dossier_xml;
pub mod drafting;
pub mod fees;
pub mod filing;
pub mod forms;
pub mod gtin;
pub mod ident;
pub mod keyring;
pub mod keys;
pub mod kind;
pub mod legal;
pub mod nice;
pub mod pdf;
pub mod preview;
pub mod profile;
pub mod render;
pub mod seal;
pub mod store;
pub mod text;
pub mod validate;
pub mod verify;

pub use forms::Dossier;
pub use kind::DossierKind;
pub use text::{Lang, Text};
