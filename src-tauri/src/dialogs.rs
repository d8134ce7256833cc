//! Native file dialogs, opened from Rust so that the page never handles paths it did not get
//! from the user. `HOSO_DIALOG_STUB` (a file path) answers open dialogs and
//! `HOSO_DIALOG_STUB_DIR` save dialogs without showing them: WebDriver cannot drive a GTK
//! dialog, and the end-to-end test runs the app that users run.

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

pub const OPEN_STUB_ENV: &str = "HOSO_DIALOG_STUB";
pub const SAVE_STUB_DIR_ENV: &str = "HOSO_DIALOG_STUB_DIR";

/// What an open dialog filters on: a name and the extensions.
pub struct Filter<'a> {
    pub name: &'a str,
    pub extensions: &'a [&'a str],
}

fn to_path(p: tauri_plugin_dialog::FilePath) -> Option<PathBuf> {
    p.into_path().ok()
}

/// Asks for one file to open. Blocks the calling thread (call it from `spawn_blocking`).
pub fn pick_file(app: &AppHandle, title: &str, filter: Option<Filter<'_>>) -> Option<PathBuf> {
    if let Some(stub) = std::env::var_os(OPEN_STUB_ENV) {
        return Some(PathBuf::from(stub));
    }
    let mut dialog = app.dialog().file().set_title(title);
    if let Some(f) = filter {
        dialog = dialog.add_filter(f.name, f.extensions);
    }
    dialog.blocking_pick_file().and_then(to_path)
}

/// Asks for a folder.
pub fn pick_folder(app: &AppHandle, title: &str) -> Option<PathBuf> {
    if let Some(stub) = std::env::var_os(OPEN_STUB_ENV) {
        return Some(PathBuf::from(stub));
    }
    app.dialog()
        .file()
        .set_title(title)
        .blocking_pick_folder()
        .and_then(to_path)
}

/// Asks where to save `file_name`.
pub fn save_file(app: &AppHandle, title: &str, file_name: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(SAVE_STUB_DIR_ENV) {
        return Some(PathBuf::from(dir).join(file_name));
    }
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .blocking_save_file()
        .and_then(to_path)
}
