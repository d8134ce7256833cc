//! Filing: the outbox, the portal login, statuses.

use hoso_core::desk::drafts::DraftView;
use hoso_core::desk::filing::{DossierDetail, RunView, SessionView, StatusSync};
use hoso_core::desk::signing::SignerRef;
use hoso_core::desk::{self, DeskError};
use tauri::AppHandle;

use super::{Shared, emit_progress, long_task, with_store};
use crate::watch;

/// Sends what the outbox holds, with `progress` events per file and overall.
#[tauri::command(rename_all = "snake_case")]
pub async fn outbox_run(app: AppHandle, state: Shared<'_>) -> Result<RunView, DeskError> {
    long_task(&state, move |store| {
        let mut report = emit_progress(&app);
        tauri::async_runtime::block_on(desk::filing::outbox_run(
            store,
            &desk::filing::link_options(),
            &mut report,
        ))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn portal_login(
    state: Shared<'_>,
    signer: SignerRef,
    secret: String,
) -> Result<SessionView, DeskError> {
    long_task(&state, move |store| {
        tauri::async_runtime::block_on(desk::filing::portal_login(
            store,
            &signer,
            secret,
            &desk::filing::link_options(),
        ))
    })
    .await
}

/// Asks the portal for every dossier's status; each change is a `status-changed` event and a
/// desktop notification.
#[tauri::command(rename_all = "snake_case")]
pub async fn status_sync(app: AppHandle, state: Shared<'_>) -> Result<StatusSync, DeskError> {
    watch::sync_and_notify(&app, &state).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn dossier_get(state: Shared<'_>, number: String) -> Result<DossierDetail, DeskError> {
    with_store(&state, move |s| desk::filing::dossier_get(s, &number)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn supplement_open(state: Shared<'_>, number: String) -> Result<DraftView, DeskError> {
    with_store(&state, move |s| {
        desk::filing::supplement_open(s, &number, desk::today())
    })
    .await
}
