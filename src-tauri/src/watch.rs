//! Status changes: synced on demand and every few minutes while a portal session is kept;
//! each change becomes a `status-changed` event and a desktop notification.

use std::sync::Arc;
use std::time::Duration;

use hoso_core::desk::filing::StatusSync;
use hoso_core::desk::{self, DeskError};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::commands::{long_task, with_store};
use crate::state::AppState;
use crate::texts;

/// How often statuses are synced in the background.
const EVERY: Duration = Duration::from_secs(10 * 60);

pub async fn sync_and_notify(
    app: &AppHandle,
    state: &Arc<AppState>,
) -> Result<StatusSync, DeskError> {
    let (lang, synced) = long_task(state, |store| {
        let lang = desk::app::settings_get(store)?.lang;
        let synced = tauri::async_runtime::block_on(desk::filing::status_sync(
            store,
            &desk::filing::link_options(),
        ))?;
        Ok((lang, synced))
    })
    .await?;
    for row in &synced.changed {
        let _ = app.emit("status-changed", row);
        let _ = app
            .notification()
            .builder()
            .title(texts::status_changed().get(lang))
            .body(format!("{}: {}", row.dossier_number, row.badge.get(lang)))
            .show();
    }
    Ok(synced)
}

/// Syncs in the background while the app runs; quiet when there is no session or no network
/// (the user sees those when they ask).
pub fn start(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = Arc::clone(&*app.state::<Arc<AppState>>());
        loop {
            tokio::time::sleep(EVERY).await;
            // app_info reads SQLite and asks the keyring (D-Bus on desktops): a blocking thread.
            let online = with_store(&state, |s| Ok(desk::app::app_info(s)?.online))
                .await
                .unwrap_or(false);
            if online {
                let _ = sync_and_notify(&app, &state).await;
            }
        }
    });
}
