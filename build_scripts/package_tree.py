"""Lay the installed ``gencanvas`` package out on disk, for tools that read files instead of importing.

The repository keeps the card's folders (``app/``, ``models/``, ``plugins/``) and pyproject's
``package-dir`` maps them into one import package, ``gencanvas``. An editable install does that
mapping with an import hook, which Python runs but PyInstaller, mypy and import-linter do not:
they look for a folder called ``gencanvas``. This script builds exactly that folder (real
directories, each file a symlink to its source, or a copy where symlinks are unavailable), fresh
each time, so no tool ever reads a stale copy:

    python build_scripts/package_tree.py            # prints the folder to put on sys.path

The mapping is read from pyproject.toml, the one place it is written.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "package-tree"


def package_dirs(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, Path]:
    """Every package name pyproject installs, with the source folder it comes from."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapping: dict[str, str] = config["package-dir"]
    result = {}
    for package in config["packages"]:
        # The longest mapped prefix wins, as in setuptools: gencanvas.models.vae -> models/vae.
        prefix = max((p for p in mapping if package == p or package.startswith(p + ".")), key=len)
        rest = package[len(prefix) :].lstrip(".").split(".") if package != prefix else []
        result[package] = ROOT.joinpath(mapping[prefix], *rest)
    return result


def _link(source: Path, target: Path) -> None:
    try:
        os.symlink(source, target)
    except OSError:  # Windows without developer mode: a copy is as good for a one-off build
        shutil.copy2(source, target)


def build(out: Path | str = DEFAULT_OUT) -> Path:
    """(Re)create ``out/gencanvas/...`` and return ``out``."""
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    for package, source in package_dirs().items():
        folder = out.joinpath(*package.split("."))
        folder.mkdir(parents=True, exist_ok=True)
        for entry in source.iterdir():
            if entry.is_file() and entry.suffix in {".py", ".pyi", ".typed", ".md"}:
                _link(entry, folder / entry.name)
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
