//! Hồ sơ số, the desktop app. Everything is in the library (`hoso_desktop::run`).

// No console window beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    hoso_desktop::run();
}
