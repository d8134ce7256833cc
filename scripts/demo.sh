#!/usr/bin/env bash
# The main job on sample data: builds `hoso` and runs `hoso demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_cargo
# libdbus-1-dev: the Secret Service, where `hoso login` keeps the portal session on a desktop
ensure_packages build-essential pkg-config libdbus-1-dev softhsm2
cargo build --locked --quiet -p hoso
exec ./target/debug/hoso demo "$@"
