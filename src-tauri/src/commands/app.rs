//! The app: its settings and what the status bar shows.

use hoso_core::desk::{self, DeskError, app::AppInfo, app::Settings};
use serde::Deserialize;
use tauri::AppHandle;

use super::{Shared, ask_folder, ask_open, blocking, with_store};
use crate::{config, dialogs, texts};

#[tauri::command(rename_all = "snake_case")]
pub async fn app_info(state: Shared<'_>) -> Result<AppInfo, DeskError> {
    with_store(&state, |s| desk::app::app_info(s)).await
}

/// Whether the data folder waits for its passphrase (the Unlock screen).
#[tauri::command(rename_all = "snake_case")]
pub async fn store_locked(state: Shared<'_>) -> Result<bool, DeskError> {
    Ok(state.store().lock().await.is_none())
}

/// Opens the locked data folder with its passphrase.
#[tauri::command(rename_all = "snake_case")]
pub async fn store_unlock(state: Shared<'_>, passphrase: String) -> Result<(), DeskError> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    let state = std::sync::Arc::clone(&state);
    blocking(move || state.unlock(&passphrase)).await
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
    let next_start = config::remember_data_dir(&app, state.data_dir(), &settings.data_dir)?;
    let mut saved = with_store(&state, move |s| desk::app::settings_set(s, &settings)).await?;
    if let Some(next) = next_start {
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
    let picked = match what {
        Pick::DataDir => ask_folder(app, &state, texts::pick_data_dir()).await?,
        Pick::TrustAnchors => {
            let filter = dialogs::Filter {
                name: "PEM / DER",
                extensions: &["pem", "crt", "cer", "der"],
            };
            ask_open(app, &state, texts::pick_trust_anchors(), Some(filter)).await?
        }
        Pick::Pkcs11Module => {
            let filter = dialogs::Filter {
                name: "PKCS#11",
                extensions: &["so", "dll", "dylib"],
            };
            ask_open(app, &state, texts::pick_pkcs11_module(), Some(filter)).await?
        }
    };
    Ok(picked.map(|p| p.display().to_string()))
}
