#!/usr/bin/env bash
# Builds the desktop front end (ui/, Svelte + Vite) into ui/dist, which the app embeds at
# compile time. npm ci installs exactly what ui/package-lock.json records.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: install Node.js 20 or newer (Debian: apt-get install nodejs npm)." >&2
  exit 3
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
