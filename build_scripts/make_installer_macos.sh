#!/usr/bin/env bash
# macOS installer: a compressed drag-to-Applications DMG of dist/GenCanvas.app, made with hdiutil,
# dist/GenCanvas-<version>-macos-<arch>.dmg; signed when GENCANVAS_CODESIGN_IDENTITY is set.
#
#   build_scripts/make_installer_macos.sh [--dist DIR] [--work DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$ROOT/dist"
WORK="$ROOT/build"
while [ $# -gt 0 ]; do
    case "$1" in
        --dist) DIST="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        *) echo "usage: $0 [--dist DIR] [--work DIR]" >&2; exit 2 ;;
    esac
done
cd "$ROOT"
PYTHON="${PYTHON:-.venv/bin/python}"
APP="$DIST/GenCanvas.app"
[ -d "$APP" ] || { echo "no $APP: run build_macos.sh first" >&2; exit 1; }

TARGET="$DIST/$("$PYTHON" build_scripts/bundle_contents.py artifact-stem).dmg"
STAGE="$WORK/dmg"
rm -rf "$STAGE" "$TARGET"
mkdir -p "$STAGE"
# ditto keeps symlinks, extended attributes and code signatures intact (cp -R may not).
ditto "$APP" "$STAGE/GenCanvas.app"
ln -s /Applications "$STAGE/Applications"     # drag-to-install layout
# ULMO (LZMA) needs macOS 10.15+, well below the app's own minimum (14, torch's); hdiutil sizes
# the image from -srcfolder. It sometimes fails with "Resource busy" on CI machines: retried.
for attempt in 1 2 3; do
    if hdiutil create -volname GenCanvas -srcfolder "$STAGE" -fs HFS+ -format ULMO -ov "$TARGET"; then break; fi
    [ "$attempt" -lt 3 ] || { echo "hdiutil create failed 3 times" >&2; exit 1; }
    sleep 10
done
rm -rf "$STAGE"
hdiutil verify "$TARGET"
if [ -n "${GENCANVAS_CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$GENCANVAS_CODESIGN_IDENTITY" "$TARGET"
fi
echo "dmg: $TARGET ($(du -sh "$TARGET" | cut -f1))"
