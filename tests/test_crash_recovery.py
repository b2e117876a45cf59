"""Crash recovery end to end: a real app process is killed (SIGKILL) or asked to stop (SIGTERM),
relaunched with the same GENCANVAS_HOME, and the recovered sketch must match pixel for pixel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")

COMMON = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox
from gencanvas.core.settings import Settings
from gencanvas.qt.app import build_window, create_application
from gencanvas.qt.canvas import Layer
from gencanvas.qt.image_convert import array_from_qimage
from gencanvas.qt.shutdown import install_termination_handler
app = create_application()
window = build_window(Settings(device="cpu"))
window.show()
"""

DRAW = COMMON + textwrap.dedent(
    """
    handler = install_termination_handler(window.terminate, window)
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(20, 30), QPointF(300, 200)], 17, QColor(30, 90, 200))
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(50, 400), QPointF(450, 380)], 5, QColor(200, 20, 20, 140))
    np.save(sys.argv[1], array_from_qimage(window.canvas.layer_image(Layer.SKETCH), 4))
    window.autosave.saved.connect(lambda _path: print("autosaved", flush=True))
    if sys.argv[2] == "timer":
        window.autosave.timer.setInterval(200)  # the real timer path, sooner than a test can wait
    else:
        window.autosave.timer.stop()
        print("drawn", flush=True)
    sys.exit(app.exec())
    """
)

RECOVER = COMMON + textwrap.dedent(
    """
    offered = []
    window.choose_recovery = lambda _w, records: offered.extend(records) or records[0]
    recovered = window.offer_recovery()
    print("offered", [r.name for r in offered], "recovered", recovered, flush=True)
    np.save(sys.argv[1], array_from_qimage(window.canvas.layer_image(Layer.SKETCH), 4))
    window.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard
    window.close()
    """
)


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "GENCANVAS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


def _launch(script: str, *args: str, home: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args], cwd=ROOT, env=_env(home), stdout=subprocess.PIPE, text=True
    )


def _wait_for(child: subprocess.Popen, word: str) -> None:
    for _ in range(50):
        line = child.stdout.readline()
        if not line:
            break
        if line.strip() == word:
            return
    raise AssertionError(f"the app never printed {word!r} (exit code {child.poll()})")


def _recover(tmp_path: Path) -> tuple[str, np.ndarray]:
    out = tmp_path / "recovered.npy"
    proc = subprocess.run(
        [sys.executable, "-c", RECOVER, str(out)],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, np.load(out)


def test_sigkill_after_an_autosave_loses_nothing(tmp_path):
    drawn = tmp_path / "drawn.npy"
    child = _launch(DRAW, str(drawn), "timer", home=tmp_path)
    try:
        _wait_for(child, "autosaved")
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        child.kill()
        child.stdout.close()
    output, recovered = _recover(tmp_path)
    assert "recovered True" in output and "(unsaved project)" not in output
    np.testing.assert_array_equal(recovered, np.load(drawn))
    assert recovered[..., 3].any()  # the stroke is really there


def test_sigterm_autosaves_and_quits_cleanly(tmp_path):
    drawn = tmp_path / "drawn.npy"
    child = _launch(DRAW, str(drawn), "no-timer", home=tmp_path)
    try:
        _wait_for(child, "drawn")
        assert not list((tmp_path / "autosave").glob("*.ora"))  # nothing autosaved before the signal
        child.send_signal(signal.SIGTERM)
        assert child.wait(60) == 0
    finally:
        child.kill()
        child.stdout.close()
    output, recovered = _recover(tmp_path)
    assert "recovered True" in output
    np.testing.assert_array_equal(recovered, np.load(drawn))
