#!/usr/bin/env bash
# macOS: dist/GenCanvas.app (PyInstaller's one-folder bundle wrapped as an app; ad-hoc signed,
# which Apple silicon requires of every binary). Then: frozen_self_test.sh on
# dist/GenCanvas.app/Contents/MacOS/gencanvas, sign_macos.sh (when a signing identity exists),
# make_installer_macos.sh (DMG), notarize_macos.sh (when notary credentials exist).
#
#   build_scripts/build_macos.sh [--dist DIR] [--work DIR]
#
# PYTHON selects the interpreter (default .venv/bin/python; build_scripts/ci_install.sh cpu).
# macOS has one edition, cpu: PyPI's torch for macOS runs on the CPU and the Apple GPU (MPS).
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
export GENCANVAS_EDITION="${GENCANVAS_EDITION:-cpu}"

mkdir -p "$WORK"
"$PYTHON" build_scripts/render_icon.py "$WORK/gencanvas.png" >/dev/null
export GENCANVAS_ICON="$WORK/gencanvas.png"   # PyInstaller converts it to .icns (needs Pillow)
export GENCANVAS_ENTITLEMENTS="$ROOT/build_scripts/entitlements.plist"

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level "${PYI_LOG_LEVEL:-WARN}" --distpath "$DIST" --workpath "$WORK" \
    build_scripts/gencanvas.spec
APP="$DIST/GenCanvas.app"
echo "bundle: $APP ($(du -sh "$APP" | cut -f1), built in $(( $(date +%s) - started )) s)"
