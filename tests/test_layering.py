"""The architecture holds: Qt only in gencanvas.qt, models pure, core free of plugins, atomic a leaf (import-linter)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(tmp_path):
    # import-linter reads files from the package's folder; the tree lays gencanvas out as installed.
    tree = subprocess.run(
        [sys.executable, str(ROOT / "build_scripts" / "package_tree.py"), str(tmp_path / "tree")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": tree}
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 kept, 0 broken" in proc.stdout


def test_window_builds_before_torch_is_imported():
    """The window must appear without paying torch's multi-second import."""
    code = textwrap.dedent(
        """
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from gencanvas.qt.app import build_window, create_application
        from gencanvas.core.settings import Settings
        create_application()
        window = build_window(Settings())
        window.show()
        heavy = [m for m in ("torch", "diffusers", "transformers") if m in sys.modules]
        window.close()
        print("HEAVY=" + ",".join(heavy))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY=\n" in proc.stdout, proc.stdout
