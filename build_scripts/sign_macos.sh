#!/usr/bin/env bash
# Sign dist/GenCanvas.app with a Developer ID for notarization (run only when the identity exists).
#
#   build_scripts/sign_macos.sh [APP]          (default dist/GenCanvas.app)
#
# Environment:
#   GENCANVAS_CODESIGN_IDENTITY   "Developer ID Application: Name (TEAMID)" (required)
#   GENCANVAS_MACOS_CERT_P12_BASE64, GENCANVAS_MACOS_CERT_PASSWORD
#                                 optional: the certificate as a base64 .p12, imported into a
#                                 temporary keychain first (CI); without them the login keychain is used.
#
# Notarization requires every Mach-O inside the app to carry the hardened runtime and a secure
# timestamp. `codesign --deep` does not reach libraries outside the standard bundle folders, so
# each Mach-O file is signed inside-out (deepest paths first), then the app itself with the
# entitlements, which also re-signs its main executable.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
APP="${1:-$ROOT/dist/GenCanvas.app}"
IDENTITY="${GENCANVAS_CODESIGN_IDENTITY:?set GENCANVAS_CODESIGN_IDENTITY}"
ENTITLEMENTS="$ROOT/build_scripts/entitlements.plist"

if [ -n "${GENCANVAS_MACOS_CERT_P12_BASE64:-}" ]; then
    KEYCHAIN="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gencanvas-signing.keychain-db"
    KEYCHAIN_PASSWORD="$(uuidgen)"
    P12="$(mktemp)"
    trap 'rm -f "$P12"' EXIT
    printf '%s' "$GENCANVAS_MACOS_CERT_P12_BASE64" | base64 --decode > "$P12"
    security create-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
    security set-keychain-settings -lut 21600 "$KEYCHAIN"
    security unlock-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
    security import "$P12" -k "$KEYCHAIN" -P "${GENCANVAS_MACOS_CERT_PASSWORD:-}" -T /usr/bin/codesign
    security set-key-partition-list -S apple-tool:,apple: -s -k "$KEYCHAIN_PASSWORD" "$KEYCHAIN" >/dev/null
    # Put the new keychain first in the search list, keeping the existing ones (bash 3.2: no mapfile).
    existing=()
    while IFS= read -r line; do existing+=("$(printf '%s' "$line" | tr -d '" ')"); done < <(security list-keychains -d user)
    security list-keychains -d user -s "$KEYCHAIN" ${existing[@]+"${existing[@]}"}
fi

# Only Mach-O files: scripts and data must not be signed in place (it would alter them).
find "$APP/Contents" -type f -print0 | xargs -0 file --no-pad -F $'\t' | awk -F'\t' '/Mach-O/ {print $1}' |
    awk '{print gsub("/", "/") "\t" $0}' | sort -rn | cut -f2- |
    while IFS= read -r binary; do
        codesign --force --timestamp --options runtime --sign "$IDENTITY" "$binary"
    done
codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" --sign "$IDENTITY" "$APP"
codesign --verify --deep --strict --verbose=2 "$APP"
echo "signed: $APP"
