#!/usr/bin/env bash
# Linux: one-folder bundle (dist/gencanvas/) plus an AppImage-style tarball of an AppDir.
#
#   build_scripts/build_linux.sh [--dist DIR] [--work DIR] [--no-tarball]
#
# PYTHON selects the interpreter (default: .venv/bin/python, else python3); it must have the
# app and PyInstaller installed (pip install -e ".[test]"). When `appimagetool` is on PATH a
# real .AppImage is made from the same AppDir.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$ROOT/dist"
WORK="$ROOT/build"
TARBALL=1
while [ $# -gt 0 ]; do
    case "$1" in
        --dist) DIST="$(realpath -m "$2")"; shift 2 ;;
        --work) WORK="$(realpath -m "$2")"; shift 2 ;;
        --no-tarball) TARBALL=0; shift ;;
        *) echo "usage: $0 [--dist DIR] [--work DIR] [--no-tarball]" >&2; exit 2 ;;
    esac
done
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
cd "$ROOT"

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level "${PYI_LOG_LEVEL:-WARN}" \
    --distpath "$DIST" --workpath "$WORK" build_scripts/gencanvas.spec
echo "bundle: $DIST/gencanvas ($(du -sh "$DIST/gencanvas" | cut -f1), built in $(( $(date +%s) - started )) s)"

[ "$TARBALL" = 1 ] || exit 0

VERSION="$("$PYTHON" -c 'import app; print(app.__version__)')"
APPDIR="$DIST/GenCanvas.AppDir"
rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/lib"
cp -al "$DIST/gencanvas" "$APPDIR/usr/lib/gencanvas"  # hard links: no second copy of several GB
cp resources/icons/gencanvas.svg "$APPDIR/gencanvas.svg"
ln -s gencanvas.svg "$APPDIR/.DirIcon"
cat > "$APPDIR/AppRun" <<'EOF'
#!/bin/sh
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/lib/gencanvas/gencanvas" "$@"
EOF
chmod +x "$APPDIR/AppRun"
cat > "$APPDIR/gencanvas.desktop" <<EOF
[Desktop Entry]
Type=Application
Name=GenCanvas
Comment=Offline generative image editing
Exec=gencanvas %f
Icon=gencanvas
Categories=Graphics;2DGraphics;RasterGraphics;
MimeType=image/png;image/jpeg;image/webp;
X-AppImage-Version=$VERSION
EOF

ARCH="$(uname -m)"
TARGET="$DIST/GenCanvas-$VERSION-linux-$ARCH.tar.gz"
if command -v pigz >/dev/null; then COMPRESS="pigz"; else COMPRESS="gzip"; fi
tar -C "$DIST" -I "$COMPRESS" -cf "$TARGET" GenCanvas.AppDir
echo "tarball: $TARGET ($(du -sh "$TARGET" | cut -f1)); unpack anywhere and run GenCanvas.AppDir/AppRun"

if command -v appimagetool >/dev/null; then
    # squashfs images over 4 GB need a 64-bit runtime; the CPU torch build stays far below.
    ARCH="$ARCH" appimagetool "$APPDIR" "$DIST/GenCanvas-$VERSION-$ARCH.AppImage"
fi
