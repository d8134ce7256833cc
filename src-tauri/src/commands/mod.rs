//! The command table: one file per area, each command a few lines that take the state, call
//! one `hoso_core::desk` function and hand back its view or its `DeskError`.

pub mod app;
pub mod catalog;
pub mod drafts;
pub mod filing;
pub mod profiles;
pub mod signing;

use std::path::PathBuf;
use std::sync::Arc;

use hoso_core::desk::{self, DeskError, Progress};
use hoso_core::store::Store;
use hoso_core::{Lang, Text};
use tauri::{AppHandle, Emitter, State};

use crate::dialogs::{self, Filter};
use crate::state::AppState;

pub type Shared<'a> = State<'a, Arc<AppState>>;

/// Runs blocking work (SQLite, rendering, the token) off the async runtime, on the shared
/// store connection.
pub async fn with_store<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&mut Store) -> Result<T, DeskError> + Send + 'static,
) -> Result<T, DeskError> {
    let state = Arc::clone(state);
    tauri::async_runtime::spawn_blocking(move || {
        let mut store = state.store().blocking_lock();
        // The window shows the Unlock screen until this is no longer so.
        let store = store.as_mut().ok_or_else(|| {
            DeskError::from(hoso_core::store::StoreError::Locked {
                has_passphrase_copy: true,
            })
        })?;
        work(store)
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

/// The progress callback of a long task: each report becomes a `progress` event.
pub fn emit_progress(app: &AppHandle) -> impl Fn(Progress) {
    move |p: Progress| {
        let _ = app.emit("progress", p);
    }
}

/// Shows a native dialog titled in the user's language. A dialog blocks the thread that waits
/// for its answer, so it is shown from a blocking thread.
async fn ask(
    app: AppHandle,
    state: &Arc<AppState>,
    title: Text,
    show: impl FnOnce(&AppHandle, &str) -> Option<PathBuf> + Send + 'static,
) -> Result<Option<PathBuf>, DeskError> {
    let lang = lang(state).await?;
    blocking(move || Ok(show(&app, title.get(lang)))).await
}

/// Asks for one file to open; `None` when the dialog is cancelled.
pub async fn ask_open(
    app: AppHandle,
    state: &Arc<AppState>,
    title: Text,
    filter: Option<Filter<'static>>,
) -> Result<Option<PathBuf>, DeskError> {
    ask(app, state, title, move |app, title| {
        dialogs::pick_file(app, title, filter)
    })
    .await
}

/// Asks for a folder; `None` when the dialog is cancelled.
pub async fn ask_folder(
    app: AppHandle,
    state: &Arc<AppState>,
    title: Text,
) -> Result<Option<PathBuf>, DeskError> {
    ask(app, state, title, dialogs::pick_folder).await
}

/// Asks where to save `file_name`; `None` when the dialog is cancelled.
pub async fn ask_save(
    app: AppHandle,
    state: &Arc<AppState>,
    title: Text,
    file_name: String,
) -> Result<Option<PathBuf>, DeskError> {
    ask(app, state, title, move |app, title| {
        dialogs::save_file(app, title, &file_name)
    })
    .await
}
