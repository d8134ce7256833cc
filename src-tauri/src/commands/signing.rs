//! Tokens, sealing, and carrying sealed containers in and out.

use hoso_core::desk::home::OutboxRow;
use hoso_core::desk::signing::{SealOutcome, SignerRef, TokenView};
use hoso_core::desk::{self, DeskError};
use hoso_core::store::DraftId;
use tauri::AppHandle;

use super::{Shared, ask_open, ask_save, emit_progress, long_task, with_store};
use crate::{dialogs, texts};

#[tauri::command(rename_all = "snake_case")]
pub async fn tokens(state: Shared<'_>, draft_id: Option<i64>) -> Result<Vec<TokenView>, DeskError> {
    with_store(&state, move |s| {
        desk::signing::tokens(s, draft_id.map(DraftId))
    })
    .await
}

/// Seals the drafts with one login (and files them when `submit`), reporting progress as
/// `progress` events. Runs on a thread of its own with its own store connection: the token's
/// calls block, and the window goes on working meanwhile.
#[tauri::command(rename_all = "snake_case")]
pub async fn seal(
    app: AppHandle,
    state: Shared<'_>,
    draft_ids: Vec<i64>,
    signer: SignerRef,
    secret: String,
    submit: bool,
) -> Result<SealOutcome, DeskError> {
    long_task(&state, move |store| {
        let ids: Vec<DraftId> = draft_ids.into_iter().map(DraftId).collect();
        let mut report = emit_progress(&app);
        tauri::async_runtime::block_on(desk::signing::seal(
            store,
            &ids,
            &signer,
            secret,
            submit,
            &desk::filing::link_options(),
            desk::today(),
            &mut report,
        ))
    })
    .await
}

/// Lets the user pick a PKCS#12 file to sign with.
#[tauri::command(rename_all = "snake_case")]
pub async fn p12_pick(app: AppHandle, state: Shared<'_>) -> Result<Option<String>, DeskError> {
    let filter = dialogs::Filter {
        name: "PKCS#12",
        extensions: &["p12", "pfx"],
    };
    let picked = ask_open(app, &state, texts::pick_p12(), Some(filter)).await?;
    Ok(picked.map(|p| p.display().to_string()))
}

/// Saves a sealed draft's `.asice` where the user says (a USB stick, to file elsewhere).
#[tauri::command(rename_all = "snake_case")]
pub async fn container_export(
    app: AppHandle,
    state: Shared<'_>,
    draft_id: i64,
) -> Result<Option<String>, DeskError> {
    let name = format!("ho-so-{draft_id}.asice");
    let Some(dest) = ask_save(app, &state, texts::save_container(), name).await? else {
        return Ok(None);
    };
    with_store(&state, move |s| {
        desk::filing::container_export(s, DraftId(draft_id), &dest).map(Some)
    })
    .await
}

/// Queues a sealed `.asice` carried in from another machine.
#[tauri::command(rename_all = "snake_case")]
pub async fn container_import(
    app: AppHandle,
    state: Shared<'_>,
) -> Result<Option<OutboxRow>, DeskError> {
    let filter = dialogs::Filter {
        name: "ASiC-E",
        extensions: &["asice", "sce"],
    };
    let picked = ask_open(app, &state, texts::pick_container(), Some(filter)).await?;
    let Some(path) = picked else { return Ok(None) };
    with_store(&state, move |s| {
        desk::filing::container_import(s, &path).map(Some)
    })
    .await
}
