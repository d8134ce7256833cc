# Shared helpers of the project's scripts. Sourced, not run.

# Installs the Debian packages given that are not installed yet (apt-get update only when
# something is missing), as root or through sudo.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "==> installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The Rust toolchain is the one thing the scripts cannot install: Debian's cargo is too old
# for this workspace (edition 2024, Rust 1.95).
require_cargo() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust 1.95 or newer with rustup (https://rustup.rs), then run this again." >&2
    exit 3
  fi
}
