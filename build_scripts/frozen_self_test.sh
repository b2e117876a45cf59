#!/usr/bin/env bash
# Run a frozen bundle's --self-test headless, as a user's first start would, in a scratch home.
#
#   build_scripts/frozen_self_test.sh EXECUTABLE [HOME]
#
# EXECUTABLE: dist/gencanvas/gencanvas (Linux) or dist/GenCanvas.app/Contents/MacOS/gencanvas.
# Nothing from the checkout may leak in: an empty PYTHONPATH, a scratch GENCANVAS_HOME and TMPDIR,
# and the bundle's own folder is not the working directory. HOME, when given, is the
# GENCANVAS_HOME to start from (e.g. with a plugin in its plugins/ folder); it is left in place. Prints the app's output; exits
# non-zero unless the app exits 0 and prints "self-test passed" with no FAIL line.
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 EXECUTABLE [HOME]" >&2; exit 2; }
EXE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$EXE" ] || { echo "not an executable: $EXE" >&2; exit 2; }
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/gencanvas-selftest-XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
APP_HOME="${2:-$SCRATCH/home}"
mkdir -p "$APP_HOME" "$SCRATCH/tmp"
OUTPUT="$SCRATCH/output.txt"
status=0
(
    cd "$SCRATCH"
    QT_QPA_PLATFORM=offscreen GENCANVAS_HOME="$APP_HOME" TMPDIR="$SCRATCH/tmp" PYTHONPATH="" \
        "$EXE" --self-test
) >"$OUTPUT" 2>&1 || status=$?
cat "$OUTPUT"
if [ "$status" -ne 0 ]; then echo "frozen self-test exited with $status" >&2; exit 1; fi
grep -q "self-test passed" "$OUTPUT" || { echo "frozen self-test did not report success" >&2; exit 1; }
if grep -q "FAIL" "$OUTPUT"; then echo "frozen self-test reported a failure" >&2; exit 1; fi
echo "frozen self-test passed: $EXE"
