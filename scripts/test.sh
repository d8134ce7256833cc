#!/usr/bin/env bash
# Installs what the tests need, then checks formatting and lints and runs every test.
# This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-tests.sh
# The SoftHSM2 token of the PKCS#11 tests: exports SOFTHSM2_CONF and TEST_PKCS11_MODULE.
source scripts/setup-softhsm.sh
export CARGO_TERM_COLOR=never
# A clean CI build gains nothing from incremental caches, which cost 2.4 GB of disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
echo "==> front end: svelte-check and component tests (vitest)"
npm --prefix ui run --silent check
npm --prefix ui run --silent test
echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings
echo "==> cargo test"
cargo test --locked --workspace
if [ -n "${CI:-}" ]; then
    echo "==> disk: $(du -sh target | cut -f1) in target/, $(df -h --output=avail . | tail -1 | tr -d ' ') free"
fi
