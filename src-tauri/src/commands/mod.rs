//! The command table: one file per area, each command a few lines that take the state, call
//! one `hoso_core::desk` function and hand back its view or its `DeskError`.

pub mod app;
pub mod catalog;
pub mod drafts;
pub mod filing;
pub mod profiles;
pub mod signing;

use std::sync::Arc;

use hoso_core::Lang;
use hoso_core::desk::{self, DeskError};
use hoso_core::store::Store;
use jiff::civil::Date;
use tauri::State;

use crate::state::AppState;

pub type Shared<'a> = State<'a, Arc<AppState>>;

/// Today in Vietnam: the day that dates filings and picks form versions.
pub fn today() -> Date {
    let vietnam = jiff::tz::TimeZone::fixed(jiff::tz::offset(7));
    jiff::Timestamp::now().to_zoned(vietnam).date()
}

/// Runs blocking work (SQLite, rendering, the token) off the async runtime, on the shared
/// store connection.
pub async fn with_store<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&mut Store) -> Result<T, DeskError> + Send + 'static,
) -> Result<T, DeskError> {
    let state = Arc::clone(state);
    tauri::async_runtime::spawn_blocking(move || {
        let mut store = state.store().blocking_lock();
        work(&mut store)
    })
    .await
    .map_err(DeskError::internal)?
}

/// Runs a long task (sealing, uploads, a status sync, the preview) on a blocking thread with a
/// store connection of its own, so that the window keeps working meanwhile. The desk's async
/// functions are driven there with `block_on`: a token session is not `Send`.
pub async fn long_task<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&mut Store) -> Result<T, DeskError> + Send + 'static,
) -> Result<T, DeskError> {
    let state = Arc::clone(state);
    blocking(move || work(&mut state.own_store()?)).await
}

/// The language the user chose, for what the shell itself says (dialog titles).
pub async fn lang(state: &Arc<AppState>) -> Result<Lang, DeskError> {
    with_store(state, |s| Ok(desk::app::settings_get(s)?.lang)).await
}

/// Runs blocking work that needs no store.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, DeskError> + Send + 'static,
) -> Result<T, DeskError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(DeskError::internal)?
}
