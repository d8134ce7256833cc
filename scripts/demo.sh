#!/usr/bin/env bash
# The main job on sample data: builds `hoso` and runs `hoso demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_cargo
ensure_packages build-essential pkg-config softhsm2
cargo build --locked --quiet -p hoso
exec ./target/debug/hoso demo "$@"
