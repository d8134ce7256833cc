//! The desktop app's side of hoso-core: one function per command of the Tauri shell
//! (`src-tauri/README.md` is the contract), over the same drafting, sealing and filing code the
//! CLI calls. Every function takes the [`Store`](crate::store::Store) and plain arguments and
//! gives back a serialisable view or a [`DeskError`]; nothing here knows of windows, dialogs or
//! events. Long work reports [`Progress`] through a callback, which the shell turns into
//! `progress` events.
//!
//! The network functions are `async` (tokio, as the filing code). Their futures hold the store
//! and the open signer by reference and are not `Send`: the shell runs them on a blocking
//! thread with a current-thread runtime (`spawn_blocking` + `block_on`), as the CLI does. They
//! take the portal connection's [`LinkOptions`](crate::filing::LinkOptions):
//! [`filing::link_options`] for the app (sessions in the OS keyring).
//!
//! The types that cross to the front end derive `ts_rs::TS` behind the `ts` feature; the
//! bindings test writes them all to `ui/src/lib/bindings.ts`.

pub mod app;
pub mod catalog;
pub mod drafts;
mod error;
pub mod filing;
pub mod home;
pub mod profiles;
pub mod signing;

use serde::{Deserialize, Serialize};

pub use error::DeskError;

use crate::text::Text;

/// What every desk function returns.
pub type DeskResult<T> = Result<T, DeskError>;

/// Today on the ministry's calendar (Vietnam, UTC+07:00 all year): the day that dates the
/// app's filings and picks form versions, whatever the computer's own time zone.
pub fn today() -> jiff::civil::Date {
    let vietnam = jiff::tz::TimeZone::fixed(jiff::tz::offset(7));
    jiff::Timestamp::now().to_zoned(vietnam).date()
}

/// One field edit: the field's path (`applicant.tax_code`, `goods.1.class`) and its value as
/// typed, or JSON for a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldSet {
    pub path: String,
    pub value: String,
}

/// Which long task a [`Progress`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProgressTask {
    /// Sealing drafts (counted in dossiers).
    Seal,
    /// Logging in to the portal with the token.
    Login,
    /// Sending containers to the portal (counted in bytes).
    Upload,
    /// Filing an uploaded container (counted in dossiers).
    Submit,
}

/// What [`Progress::done`] and [`Progress::total`] count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProgressUnit {
    Items,
    Bytes,
}

/// How far a long task is: the payload of the `progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Progress {
    pub task: ProgressTask,
    /// The item this is about (a draft id, a container's file name); `null` for the task as a
    /// whole (all drafts, all bytes of the run).
    pub item: Option<String>,
    pub done: u64,
    pub total: u64,
    pub unit: ProgressUnit,
    /// What is happening, for a status line.
    pub label: Text,
}
