#!/usr/bin/env bash
# A fresh CI runner's system side, before ci_install.sh (release workflow, Linux and macOS jobs).
#
#   build_scripts/ci_system_deps.sh
#
# Linux: room on disk (the gpu edition's venv, bundle and tarball need ~15 GB, more than a
# hosted runner has free) and the system libraries Qt's offscreen platform loads for the
# tests and the frozen --self-test. macOS: nothing is missing.
set -euo pipefail
case "$(uname -s)" in
    Linux)
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO="sudo"
        # Preinstalled SDKs the build never uses (several GB each on hosted runners).
        for folder in /usr/share/dotnet /usr/local/lib/android /opt/ghc /opt/hostedtoolcache/CodeQL; do
            if [ -d "$folder" ]; then $SUDO rm -rf "$folder"; fi
        done
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
            libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 pigz >/dev/null
        df -h .
        ;;
    Darwin) ;;
    *) echo "ci_system_deps.sh: unsupported system $(uname -s)" >&2; exit 2 ;;
esac
