#!/usr/bin/env bash
# Linux: the one-folder bundle dist/gencanvas/, then (unless --no-tarball) its installer, an
# AppImage-style tarball made by make_installer_linux.sh.
#
#   build_scripts/build_linux.sh [--dist DIR] [--work DIR] [--no-tarball]
#
# PYTHON selects the interpreter (default: .venv/bin/python, else python3); it must have the
# app and PyInstaller installed (build_scripts/ci_install.sh). GENCANVAS_EDITION (gpu|cpu)
# names the edition; the spec stops when the installed torch does not match it.
# `pytest -m packaging` (CI) and the release workflow both run this script with --no-tarball.
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
export PYTHON
cd "$ROOT"

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level "${PYI_LOG_LEVEL:-WARN}" \
    --distpath "$DIST" --workpath "$WORK" build_scripts/gencanvas.spec
echo "bundle: $DIST/gencanvas ($(du -sh "$DIST/gencanvas" | cut -f1), built in $(( $(date +%s) - started )) s)"

if [ "$TARBALL" = 1 ]; then
    "$ROOT/build_scripts/make_installer_linux.sh" --dist "$DIST"
fi
