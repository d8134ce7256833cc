//! Drafts: the home screen, editing, attachments and the preview.

use hoso_core::DossierKind;
use hoso_core::desk::drafts::DraftView;
use hoso_core::desk::home::Home;
use hoso_core::desk::{self, DeskError, FieldSet};
use hoso_core::preview::PreviewForm;
use hoso_core::store::{DraftId, ProfileId};
use tauri::AppHandle;

use super::{Shared, ask_open, long_task, with_store};
use crate::texts;

/// Width of the preview's page images, in pixels: sharp at the window's usual size.
const PREVIEW_WIDTH: u32 = 900;

#[tauri::command(rename_all = "snake_case")]
pub async fn home(state: Shared<'_>) -> Result<Home, DeskError> {
    with_store(&state, |s| desk::home::home(s)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn draft_new(
    state: Shared<'_>,
    kind: DossierKind,
    profile_id: Option<i64>,
) -> Result<DraftView, DeskError> {
    with_store(&state, move |s| {
        desk::drafts::draft_new(s, kind, profile_id.map(ProfileId), desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn draft_get(state: Shared<'_>, draft_id: i64) -> Result<DraftView, DeskError> {
    with_store(&state, move |s| {
        desk::drafts::draft_get(s, DraftId(draft_id), desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn draft_set(
    state: Shared<'_>,
    draft_id: i64,
    sets: Vec<FieldSet>,
) -> Result<DraftView, DeskError> {
    with_store(&state, move |s| {
        desk::drafts::draft_set(s, DraftId(draft_id), &sets, desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn draft_restore(
    state: Shared<'_>,
    draft_id: i64,
    rev: u32,
) -> Result<DraftView, DeskError> {
    with_store(&state, move |s| {
        desk::drafts::draft_restore(s, DraftId(draft_id), rev, desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn draft_fill_gtins(state: Shared<'_>, draft_id: i64) -> Result<DraftView, DeskError> {
    with_store(&state, move |s| {
        desk::drafts::fill_gtins(s, DraftId(draft_id), desk::today())
    })
    .await
}

/// Attaches the file the user picks in a native dialog; nothing when the dialog is cancelled.
#[tauri::command(rename_all = "snake_case")]
pub async fn attach_pick(
    app: AppHandle,
    state: Shared<'_>,
    draft_id: i64,
    slot: String,
) -> Result<DraftView, DeskError> {
    let picked = ask_open(app, &state, texts::pick_attachment(), None).await?;
    with_store(&state, move |s| {
        let files: Vec<_> = picked.into_iter().collect();
        desk::drafts::attach(s, DraftId(draft_id), &slot, &files, desk::today())
    })
    .await
}

/// Attaches the files of a drop (kept by the shell; the window only names the drop).
#[tauri::command(rename_all = "snake_case")]
pub async fn attach_dropped(
    state: Shared<'_>,
    draft_id: i64,
    slot: String,
    drop_id: u64,
) -> Result<DraftView, DeskError> {
    let files = state.take_drop(drop_id).unwrap_or_default();
    with_store(&state, move |s| {
        desk::drafts::attach(s, DraftId(draft_id), &slot, &files, desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn detach(
    state: Shared<'_>,
    draft_id: i64,
    which: String,
) -> Result<DraftView, DeskError> {
    with_store(&state, move |s| {
        desk::drafts::detach(s, DraftId(draft_id), &which, desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn attachment_image(state: Shared<'_>, sha256: String) -> Result<String, DeskError> {
    with_store(&state, move |s| desk::drafts::attachment_image(s, &sha256)).await
}

/// The official forms of the draft, rendered and turned into page images.
#[tauri::command(rename_all = "snake_case")]
pub async fn preview(state: Shared<'_>, draft_id: i64) -> Result<Vec<PreviewForm>, DeskError> {
    long_task(&state, move |store| {
        desk::drafts::preview(store, DraftId(draft_id), PREVIEW_WIDTH)
    })
    .await
}
