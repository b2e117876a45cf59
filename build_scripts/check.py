"""Run the static checks CI and pre-commit run: ruff, ruff format, mypy and import-linter.

    python build_scripts/check.py                  # all four, in that order
    python build_scripts/check.py mypy imports     # some of them

Each check exits non-zero on any finding; this script runs the ones asked for, even after a
failure (so one run shows everything), and exits non-zero if any failed. Use the project's venv
(``.venv/bin/python``): the tools are looked up next to the interpreter first, so the pinned
versions from the ``test`` extra are the ones that run.

mypy and import-linter read the ``gencanvas`` package from files, which the editable install
does not have (it maps ``app/``, ``models/`` and ``plugins/`` with an import hook). Both get
``build/package-tree`` (see ``package_tree.py``), rebuilt on each run; mypy's findings are
reported against the source files (``app/core/x.py``), not the links in that tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import package_tree

ROOT = package_tree.ROOT
TREE = ROOT / "build" / "package-tree"
# A file name at the start of a mypy line: "build/package-tree/gencanvas/core/x.py:12: error: ..."
MYPY_PATH = re.compile(r"^(?P<path>[^:\n]+\.pyi?)(?=:)", re.MULTILINE)


def tool(name: str) -> str:
    """The executable ``name`` of this interpreter's environment, else the one on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed: run `pip install -e '.[test]'` in this environment.")
    return found


def source_path(match: re.Match[str]) -> str:
    """A path inside the package tree, as the source file it links to (relative to the root)."""
    path = Path(match["path"])
    resolved = (ROOT / path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def run(command: list[str], *, env: dict[str, str] | None = None, rewrite: bool = False) -> int:
    print("$", " ".join([Path(command[0]).name, *command[1:]]), flush=True)
    if not rewrite:
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    proc = subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    sys.stdout.write(MYPY_PATH.sub(source_path, proc.stdout))
    sys.stderr.write(proc.stderr)
    return proc.returncode


def check_ruff() -> int:
    return run([tool("ruff"), "check", "."])


def check_format() -> int:
    return run([tool("ruff"), "format", "--check", "."])


def check_mypy() -> int:
    package_tree.build(TREE)  # pyproject's [tool.mypy] mypy_path points here
    return run([tool("mypy"), "-p", "gencanvas"], rewrite=True)


def check_imports() -> int:
    package_tree.build(TREE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TREE), os.environ.get("PYTHONPATH")]))}
    return run([tool("lint-imports")], env=env)


CHECKS: dict[str, Callable[[], int]] = {
    "ruff": check_ruff,
    "format": check_format,
    "mypy": check_mypy,
    "imports": check_imports,
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in CHECKS]
    if unknown:
        print(f"unknown check {', '.join(unknown)}; choose from {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    failed = [name for name in names or list(CHECKS) if CHECKS[name]() != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
