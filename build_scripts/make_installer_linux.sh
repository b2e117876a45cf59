#!/usr/bin/env bash
# Linux installer: wrap dist/gencanvas/ in an AppDir and pack it as
# dist/GenCanvas-<version>-linux-<arch>-<edition>.tar.gz (a real .AppImage too when
# `appimagetool` is on PATH). Users unpack it anywhere and run GenCanvas.AppDir/AppRun.
#
#   build_scripts/make_installer_linux.sh [--dist DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$ROOT/dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --dist) DIST="$(realpath -m "$2")"; shift 2 ;;
        *) echo "usage: $0 [--dist DIR]" >&2; exit 2 ;;
    esac
done
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
cd "$ROOT"
[ -x "$DIST/gencanvas/gencanvas" ] || { echo "no bundle in $DIST/gencanvas: run build_linux.sh first" >&2; exit 1; }

VERSION="$("$PYTHON" build_scripts/bundle_contents.py version)"
STEM="$("$PYTHON" build_scripts/bundle_contents.py artifact-stem)"
APPDIR="$DIST/GenCanvas.AppDir"
rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/lib"
cp -al "$DIST/gencanvas" "$APPDIR/usr/lib/gencanvas"  # hard links: no second copy of several GB
cp resources/icons/gencanvas.svg "$APPDIR/gencanvas.svg"
ln -s gencanvas.svg "$APPDIR/.DirIcon"
cat > "$APPDIR/AppRun" <<'APPRUN'
#!/bin/sh
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/lib/gencanvas/gencanvas" "$@"
APPRUN
chmod +x "$APPDIR/AppRun"
cat > "$APPDIR/gencanvas.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=GenCanvas
Comment=Offline generative image editing
Exec=gencanvas %f
Icon=gencanvas
Categories=Graphics;2DGraphics;RasterGraphics;
MimeType=image/png;image/jpeg;image/webp;
X-AppImage-Version=$VERSION
DESKTOP

TARGET="$DIST/$STEM.tar.gz"
if command -v pigz >/dev/null; then COMPRESS="pigz"; else COMPRESS="gzip"; fi
started=$(date +%s)
tar -C "$DIST" -I "$COMPRESS" -cf "$TARGET" GenCanvas.AppDir
echo "tarball: $TARGET ($(du -sh "$TARGET" | cut -f1), $(( $(date +%s) - started )) s); unpack anywhere and run GenCanvas.AppDir/AppRun"

if command -v appimagetool >/dev/null; then
    # squashfs images over 4 GB need a 64-bit runtime; the cpu edition stays far below.
    # appimagetool reads ARCH from the environment.
    ARCH="$(uname -m)"
    export ARCH
    appimagetool "$APPDIR" "$DIST/$STEM.AppImage"
fi
