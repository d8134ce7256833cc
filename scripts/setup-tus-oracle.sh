#!/usr/bin/env bash
# Installs the independent tus server that the portal client's interoperability test, fault
# test and upload benchmark talk to: @tus/server + @tus/file-store from npm, at the exact
# versions of portal/tests/tus-oracle/package-lock.json (`npm ci`), into that folder's
# node_modules. Needs Node >= 20.19 (the packages are ESM only). Idempotent: does nothing
# when the modules are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ORACLE="portal/tests/tus-oracle"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  ensure_packages nodejs npm
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "Node $(node --version) is too old for @tus/server (needs >= 20.19): the tus interop tests will skip." >&2
  exit 0
fi
if [ ! -d "$ORACLE/node_modules/@tus/server" ] || [ ! -d "$ORACLE/node_modules/@tus/file-store" ]; then
  echo "==> installing the tus oracle (npm ci in $ORACLE)"
  (cd "$ORACLE" && npm ci --no-audit --no-fund --loglevel=error)
fi
