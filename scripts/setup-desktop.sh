#!/usr/bin/env bash
# Installs what the desktop app needs to build and to be tested in its real window: the
# WebKitGTK and GTK development packages Tauri 2 links on Debian 12, Debian's WebKitWebDriver,
# Xvfb, and tauri-driver (the WebDriver bridge to the app); then builds the front end.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_cargo
ensure_packages build-essential pkg-config curl file libwebkit2gtk-4.1-dev libxdo-dev \
  libssl-dev libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev \
  webkit2gtk-driver xvfb xauth
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  ensure_packages nodejs npm
fi
TAURI_DRIVER_VERSION=2.1.0
if ! cargo install --list | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:"; then
  echo "==> installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install --quiet --locked tauri-driver --version "$TAURI_DRIVER_VERSION"
fi
./scripts/build-ui.sh
