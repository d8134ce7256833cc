#!/usr/bin/env bash
# Installs the independent validators the signature tests read our output back with:
#   Debian: xmlsec1 (XAdES), poppler-utils (pdfsig), libnss3-tools (certutil, pdfsig's trust
#   store), qpdf, openssl (CMS), unzip (zipinfo);
#   PyPI, pinned in scripts/validators-requirements.txt, in the venv .venv-validators at the
#   repository root: pyHanko + pyhanko-cli (PAdES), signxml (XAdES).
# Idempotent: does nothing when everything is already there. The tests find the venv through
# HOSO_VALIDATORS_VENV or <repo>/.venv-validators.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages xmlsec1 poppler-utils libnss3-tools qpdf openssl unzip python3 python3-venv

VENV="${HOSO_VALIDATORS_VENV:-$PWD/.venv-validators}"
REQ="scripts/validators-requirements.txt"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating the validators venv at $VENV"
  python3 -m venv "$VENV"
fi
# pip's own check of the pins (PEP 508 lines of the requirements file), without the network.
if ! "$VENV/bin/python" - "$REQ" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
then
  echo "==> installing the pinned validators into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
fi
