//! The desktop shell of Hồ sơ số: windows, dialogs, events and the command table over
//! `hoso_core::desk`. No business logic lives here (src-tauri/README.md is the contract).

mod commands;
mod config;
mod dialogs;
mod state;
mod texts;
mod watch;

use std::sync::Arc;

use serde::Serialize;
use tauri::{DragDropEvent, Emitter, Manager, WindowEvent};
use tauri_plugin_dialog::{DialogExt, MessageDialogKind};

use state::AppState;

/// What the window learns of a drop: names and where, never the paths.
#[derive(Debug, Clone, Serialize)]
struct FilesDropped {
    drop_id: u64,
    names: Vec<String>,
    x: f64,
    y: f64,
}

fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    let WindowEvent::DragDrop(DragDropEvent::Drop { paths, position }) = event else {
        return;
    };
    let Some(state) = window.try_state::<Arc<AppState>>() else {
        return;
    };
    let scale = window.scale_factor().unwrap_or(1.0);
    let names = paths
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let drop_id = state.keep_drop(paths.clone());
    let logical = position.to_logical::<f64>(scale);
    let _ = window.emit(
        "files-dropped",
        FilesDropped {
            drop_id,
            names,
            x: logical.x,
            y: logical.y,
        },
    );
}

fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let handle = app.handle().clone();
    let opened = config::data_dir(&handle).and_then(|dir| AppState::open(&dir));
    match opened {
        Ok(state) => {
            app.manage(Arc::new(state));
            watch::start(handle);
        }
        Err(e) => {
            // Which language the user wants is in the store that did not open: both.
            let title = texts::startup_failed();
            eprintln!("hoso-desktop: {}: {}", e.code, e.message.en);
            app.dialog()
                .message(format!("{}\n\n{}", e.message.vi, e.message.en))
                .title(format!("{} / {}", title.vi, title.en))
                .kind(MessageDialogKind::Error)
                .show(|_| std::process::exit(3));
        }
    }
    Ok(())
}

pub fn run() {
    // Before any thread starts: the keyring the portal session is kept in is per thread on
    // Linux, and every thread started from here on shares this one (session.rs). Without a
    // keyring the app still works offline; the error shows when a session is needed.
    let _ = hoso_core::filing::session::pick_store();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(setup)
        .on_window_event(on_window_event)
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::store_locked,
            commands::app::store_unlock,
            commands::app::settings_get,
            commands::app::settings_set,
            commands::app::settings_pick,
            commands::profiles::profiles_list,
            commands::profiles::profile_get,
            commands::profiles::profile_check,
            commands::profiles::profile_save,
            commands::catalog::procedures,
            commands::catalog::nice_search,
            commands::drafts::home,
            commands::drafts::draft_new,
            commands::drafts::draft_get,
            commands::drafts::draft_set,
            commands::drafts::draft_restore,
            commands::drafts::draft_fill_gtins,
            commands::drafts::attach_pick,
            commands::drafts::attach_dropped,
            commands::drafts::detach,
            commands::drafts::attachment_image,
            commands::drafts::preview,
            commands::signing::tokens,
            commands::signing::seal,
            commands::signing::p12_pick,
            commands::signing::container_export,
            commands::signing::container_import,
            commands::filing::outbox_run,
            commands::filing::portal_login,
            commands::filing::status_sync,
            commands::filing::dossier_get,
            commands::filing::supplement_open,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("hoso-desktop: {e}");
        std::process::exit(1);
    }
}
