#!/usr/bin/env bash
# Make .venv with the app, its test tools and PyInstaller, for one edition: the install that
# CI (.ci/run) and the release workflow's Linux and macOS jobs share.
#
#   build_scripts/ci_install.sh [gpu|cpu]      (default: gpu on Linux, cpu on macOS)
#
# gpu: torch as PyPI ships it for Linux (a CUDA build). cpu: on Linux the CPU-only wheel of the
# same pinned version from PyPI's sibling index at PyTorch (TORCH_CPU_INDEX); on macOS PyPI's
# torch, which is CPU + MPS. PYTHON picks the interpreter that makes the venv (default python3).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
case "$(uname -s)" in Darwin) default=cpu ;; *) default=gpu ;; esac
EDITION="${1:-$default}"
TORCH_CPU_INDEX="${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"

# The one torch pin lives in pyproject.toml; the CPU wheel must be that same version.
TORCH_PIN="$(sed -n 's/^ *"\(torch==[^"]*\)".*/\1/p' pyproject.toml)"
[ -n "$TORCH_PIN" ] || { echo "no torch== pin in pyproject.toml" >&2; exit 1; }

"${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
case "$EDITION" in
    gpu)
        [ "$(uname -s)" != Darwin ] || { echo "macOS has no gpu edition (torch uses MPS there)" >&2; exit 2; } ;;
    cpu)
        if [ "$(uname -s)" != Darwin ]; then
            # --index-url, not --extra-index-url: PyPI's Linux wheel of the same version is the CUDA one.
            .venv/bin/python -m pip install --quiet "$TORCH_PIN" --index-url "$TORCH_CPU_INDEX"
        fi ;;
    *) echo "usage: $0 [gpu|cpu]" >&2; exit 2 ;;
esac
# ==2.14.1 accepts the installed 2.14.1+cpu, so this keeps the CPU build.
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/python -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
