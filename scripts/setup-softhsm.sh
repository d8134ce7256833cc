# SoftHSM2 for the token tests: installs the Debian package if missing, gives this shell a
# token directory of its own and tells the tests where the PKCS#11 module is.
# Sourced, not run (scripts/test.sh sources it; by hand: `source scripts/setup-softhsm.sh`).
#
# Exports SOFTHSM2_CONF (a fresh, empty token directory per sourcing, so runs never see each
# other's tokens) and TEST_PKCS11_MODULE (the module's path, from the package's file list:
# never hard-coded, it differs between Debian releases and architectures). The tests create
# their own tokens through PKCS#11; no token is initialised here.

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_packages softhsm2

HOSO_SOFTHSM_DIR="$(mktemp -d "${TMPDIR:-/tmp}/hoso-softhsm.XXXXXX")"
mkdir -p "$HOSO_SOFTHSM_DIR/tokens"
cat > "$HOSO_SOFTHSM_DIR/softhsm2.conf" <<CONF
directories.tokendir = $HOSO_SOFTHSM_DIR/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF="$HOSO_SOFTHSM_DIR/softhsm2.conf"

TEST_PKCS11_MODULE="$(dpkg -L libsofthsm2 | grep 'softhsm/libsofthsm2.so$' | head -1)"
if [ -z "$TEST_PKCS11_MODULE" ] || [ ! -f "$TEST_PKCS11_MODULE" ]; then
  echo "libsofthsm2 is installed but its PKCS#11 module was not found (dpkg -L libsofthsm2)" >&2
  return 3 2>/dev/null || exit 3
fi
export TEST_PKCS11_MODULE
echo "==> SoftHSM2: module $TEST_PKCS11_MODULE, tokens in $HOSO_SOFTHSM_DIR/tokens"
