//! Where the data folder is. It cannot be a setting inside the data folder, so the app keeps
//! it in a small file of its own (`desktop.json` in the platform's config folder). Order:
//! `HOSO_DATA_DIR`, then that file, then the platform's data folder (the CLI's default too).

use std::path::{Path, PathBuf};

use hoso_core::desk::DeskError;
use hoso_core::store::{DATA_DIR_ENV, default_data_dir};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};

#[derive(Debug, Default, Serialize, Deserialize)]
struct DesktopConfig {
    data_dir: Option<PathBuf>,
}

fn file(app: &AppHandle) -> Option<PathBuf> {
    app.path()
        .app_config_dir()
        .ok()
        .map(|d| d.join("desktop.json"))
}

fn read(app: &AppHandle) -> DesktopConfig {
    file(app)
        .and_then(|f| std::fs::read(f).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The data folder to open at start.
pub fn data_dir(app: &AppHandle) -> Result<PathBuf, DeskError> {
    // default_data_dir() gives HOSO_DATA_DIR when it is set: the remembered folder only
    // counts without it.
    if std::env::var_os(DATA_DIR_ENV).is_none_or(|d| d.is_empty())
        && let Some(dir) = read(app).data_dir
    {
        return Ok(dir);
    }
    Ok(default_data_dir()?)
}

/// Remembers a new data folder for the next start (the store in use stays open). Gives the
/// folder `desktop.json` names for the next start, if any: the new one, or the one remembered
/// before when `wanted` is empty or the folder in use.
pub fn remember_data_dir(
    app: &AppHandle,
    current: &Path,
    wanted: &str,
) -> Result<Option<PathBuf>, DeskError> {
    let wanted = wanted.trim();
    if wanted.is_empty() || Path::new(wanted) == current {
        return Ok(read(app).data_dir);
    }
    let Some(path) = file(app) else {
        return Err(DeskError::internal("no configuration folder"));
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(DeskError::internal)?;
    }
    let config = DesktopConfig {
        data_dir: Some(PathBuf::from(wanted)),
    };
    let bytes = serde_json::to_vec_pretty(&config).map_err(DeskError::internal)?;
    std::fs::write(&path, bytes).map_err(DeskError::internal)?;
    Ok(config.data_dir)
}
