//! Embeds the built front end (`../ui/dist`) and the app's capabilities. The front end is built
//! by `scripts/build-ui.sh` (npm ci + vite build); without it the app would open empty, so the
//! build stops with a message that says what to run.

/// Every command of the app: each must be granted by a capability (`allow-<name>`) to be
/// callable from a window.
const COMMANDS: &[&str] = &[
    "app_info",
    "store_locked",
    "store_unlock",
    "settings_get",
    "settings_set",
    "settings_pick",
    "profiles_list",
    "profile_get",
    "profile_check",
    "profile_save",
    "procedures",
    "nice_search",
    "home",
    "draft_new",
    "draft_get",
    "draft_set",
    "draft_restore",
    "draft_fill_gtins",
    "attach_pick",
    "attach_dropped",
    "detach",
    "attachment_image",
    "preview",
    "tokens",
    "seal",
    "p12_pick",
    "container_export",
    "container_import",
    "outbox_run",
    "portal_login",
    "status_sync",
    "dossier_get",
    "supplement_open",
];

fn main() {
    let index = std::path::Path::new("../ui/dist/index.html");
    println!("cargo:rerun-if-changed=../ui/dist");
    if !index.exists() {
        println!(
            "cargo::error=the front end is not built (ui/dist/index.html is missing): run ./scripts/build-ui.sh first"
        );
        return;
    }
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        println!("cargo::error={e}");
    }
}
