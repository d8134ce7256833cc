#!/usr/bin/env bash
# Installs everything the test suite needs besides the Rust toolchain: the independent tools
# that read back what we write (poppler's pdftotext/pdffonts, qpdf, openssl), the PKCS#11
# test token, the tus oracle, the signature validators, and the desktop app's build and
# window-test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_cargo
ensure_packages build-essential pkg-config poppler-utils qpdf openssl
# The Secret Service the keyring tests keep sessions in (core/tests/keyring.rs): a private
# D-Bus session bus with GNOME Keyring on it; libdbus-1-dev to build against it.
ensure_packages libdbus-1-dev dbus-daemon dbus-bin gnome-keyring
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# SoftHSM2, the PKCS#11 test token (scripts/setup-softhsm.sh configures it for a run).
ensure_packages softhsm2
./scripts/setup-tus-oracle.sh
# The desktop app: WebKitGTK build packages, WebKitWebDriver, Xvfb, tauri-driver, the front end.
./scripts/setup-desktop.sh
./scripts/setup-validators.sh
