#!/usr/bin/env bash
# macOS: dist/GenCanvas.app plus a compressed DMG; signing and notarization are placeholders.
#
#   build_scripts/build_macos.sh [--no-dmg]
#
# Optional environment (placeholders until the project has an Apple Developer ID):
#   GENCANVAS_CODESIGN_IDENTITY  "Developer ID Application: Name (TEAMID)"; empty = ad-hoc signature
#   GENCANVAS_NOTARY_PROFILE     keychain profile made with `xcrun notarytool store-credentials`
# Untested in CI (no macOS runner); see build_scripts/README.md for the pitfalls.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-.venv/bin/python}"
DMG=1
[ "${1:-}" = "--no-dmg" ] && DMG=0
IDENTITY="${GENCANVAS_CODESIGN_IDENTITY:-}"
ENTITLEMENTS="$ROOT/build_scripts/entitlements.plist"

mkdir -p build
"$PYTHON" build_scripts/render_icon.py build/gencanvas.png >/dev/null
export GENCANVAS_ICON="$ROOT/build/gencanvas.png"   # PyInstaller converts it to .icns (Pillow)
export GENCANVAS_ENTITLEMENTS="$ENTITLEMENTS"

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build build_scripts/gencanvas.spec
APP="dist/GenCanvas.app"
echo "bundle: $APP ($(du -sh "$APP" | cut -f1), built in $(( $(date +%s) - started )) s)"

# Smoke test the frozen app before shipping it.
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/gencanvas" --self-test

if [ -n "$IDENTITY" ]; then
    # PyInstaller already signed each binary with $IDENTITY; re-sign inside-out so nested
    # libraries (torch/lib/*.dylib, Qt frameworks, .so extension modules) carry the hardened
    # runtime and a timestamp, which notarization requires. `codesign --deep` is not enough:
    # it skips libraries outside the standard bundle folders.
    # Deepest paths first; only Mach-O files (scripts and data must not be signed in place).
    find "$APP/Contents" -type f -print0 | xargs -0 file --no-pad -F $'\t' | awk -F'\t' '/Mach-O/ {print $1}' |
        awk '{print gsub("/", "/") "\t" $0}' | sort -rn | cut -f2- |
        while IFS= read -r binary; do
            codesign --force --timestamp --options runtime --sign "$IDENTITY" "$binary"
        done
    codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" --sign "$IDENTITY" "$APP"
    codesign --verify --strict --verbose=2 "$APP"
else
    echo "note: unsigned (ad-hoc) build; Gatekeeper will ask users to right-click → Open" >&2
fi

[ "$DMG" = 1 ] || exit 0
VERSION="$("$PYTHON" -c 'import app; print(app.__version__)')"
TARGET="dist/GenCanvas-$VERSION-macos-$(uname -m).dmg"
STAGE="build/dmg"
rm -rf "$STAGE" "$TARGET"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"     # drag-to-install layout
if command -v create-dmg >/dev/null; then
    create-dmg --volname GenCanvas --app-drop-link 450 180 --icon GenCanvas.app 150 180 "$TARGET" "$APP"
else
    hdiutil create -volname GenCanvas -srcfolder "$STAGE" -fs HFS+ -format ULMO -ov "$TARGET"
fi
rm -rf "$STAGE"
echo "dmg: $TARGET ($(du -sh "$TARGET" | cut -f1))"

if [ -n "$IDENTITY" ]; then
    codesign --force --timestamp --sign "$IDENTITY" "$TARGET"
    if [ -n "${GENCANVAS_NOTARY_PROFILE:-}" ]; then
        xcrun notarytool submit "$TARGET" --keychain-profile "$GENCANVAS_NOTARY_PROFILE" --wait
        xcrun stapler staple "$TARGET"
    else
        echo "note: set GENCANVAS_NOTARY_PROFILE to notarize and staple $TARGET" >&2
    fi
fi
