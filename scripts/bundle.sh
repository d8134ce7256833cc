#!/usr/bin/env bash
# Builds the desktop app in release mode and packs it: a .deb and an AppImage on Linux (the
# Windows MSI and NSIS installers are configured in src-tauri/tauri.conf.json and are built
# the same way on Windows). Prints the size of each bundle.
#
#   ./scripts/bundle.sh             # .deb and AppImage
#   ./scripts/bundle.sh deb         # only the .deb
#
# The AppImage step downloads linuxdeploy from GitHub on its first run; where GitHub cannot
# be reached it fails and the .deb is still made.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-desktop.sh
# The Tauri CLI, pinned: the prebuilt binary of @tauri-apps/cli run with `npm exec` (seconds;
# it stays out of ui/package-lock.json, which would have to lock every platform's binary),
# else built from crates.io (minutes).
TAURI_CLI_VERSION=2.12.4
tauri() {
  if npm exec --yes --package="@tauri-apps/cli@$TAURI_CLI_VERSION" -- tauri --version >/dev/null 2>&1; then
    npm exec --yes --package="@tauri-apps/cli@$TAURI_CLI_VERSION" -- tauri "$@"
  else
    if ! cargo install --list | grep -q "^tauri-cli v$TAURI_CLI_VERSION:"; then
      echo "==> installing tauri-cli $TAURI_CLI_VERSION from crates.io"
      cargo install --quiet --locked tauri-cli --version "$TAURI_CLI_VERSION"
    fi
    cargo tauri "$@"
  fi
}
targets=("${@:-deb appimage}")
status=0
for t in ${targets[*]}; do
  echo "==> bundling $t (release build)"
  if ! (cd src-tauri && tauri build --bundles "$t" --ci -- --locked); then
    echo "bundling $t failed" >&2
    status=1
  fi
done
echo "==> bundles"
find target/release/bundle -maxdepth 2 -type f \( -name '*.deb' -o -name '*.AppImage' -o -name '*.msi' -o -name '*-setup.exe' \) \
  -printf '%s\t%p\n' 2>/dev/null | awk -F'\t' '{ printf "%8.1f MB  %s\n", $1 / 1000000, $2 }'
exit $status
