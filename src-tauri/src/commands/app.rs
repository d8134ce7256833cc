//! The app: its settings and what the status bar shows.

use hoso_core::desk::{self, DeskError, app::AppInfo, app::Settings};
use serde::Deserialize;
use tauri::AppHandle;

use super::{Shared, blocking, lang, with_store};
use crate::{config, dialogs, texts};

#[tauri::command(rename_all = "snake_case")]
pub async fn app_info(state: Shared<'_>) -> Result<AppInfo, DeskError> {
    with_store(&state, |s| desk::app::app_info(s)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_get(state: Shared<'_>) -> Result<Settings, DeskError> {
    with_store(&state, |s| desk::app::settings_get(s)).await
}

/// Saves the settings; a new data folder is remembered for the next start.
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_set(
    app: AppHandle,
    state: Shared<'_>,
    settings: Settings,
) -> Result<Settings, DeskError> {
    config::remember_data_dir(&app, state.data_dir(), &settings.data_dir)?;
    let mut saved = with_store(&state, move |s| desk::app::settings_set(s, &settings)).await?;
    if let Some(next) = config::data_dir_at_next_start(&app) {
        saved.data_dir = next.display().to_string();
    }
    Ok(saved)
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    DataDir,
    TrustAnchors,
    Pkcs11Module,
}

/// A native dialog for a setting that names a file or folder.
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_pick(
    app: AppHandle,
    state: Shared<'_>,
    what: Pick,
) -> Result<Option<String>, DeskError> {
    let lang = lang(&state).await?;
    blocking(move || {
        let picked = match what {
            Pick::DataDir => dialogs::pick_folder(&app, texts::pick_data_dir().get(lang)),
            Pick::TrustAnchors => dialogs::pick_file(
                &app,
                texts::pick_trust_anchors().get(lang),
                Some(dialogs::Filter {
                    name: "PEM / DER",
                    extensions: &["pem", "crt", "cer", "der"],
                }),
            ),
            Pick::Pkcs11Module => dialogs::pick_file(
                &app,
                texts::pick_pkcs11_module().get(lang),
                Some(dialogs::Filter {
                    name: "PKCS#11",
                    extensions: &["so", "dll", "dylib"],
                }),
            ),
        };
        Ok(picked.map(|p| p.display().to_string()))
    })
    .await
}
