"""A throw-away GENCANVAS_HOME for a benchmark run, removed when the benchmark exits."""

from __future__ import annotations

import atexit
import shutil
import tempfile


def scratch_home() -> str:
    """A new empty folder for the app's per-user files (autosaves, settings); gone at exit."""
    path = tempfile.mkdtemp(prefix="gencanvas-bench-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
