"""``gencanvas --self-test``: build the real window offscreen and run every plugin once.

It drives the same objects a user does (canvas layers, panel, worker thread, history,
save with metadata), so a frozen bundle that passes it can generate and save images.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPointF, QTimer
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QMessageBox

from gencanvas.core.image_io import read_metadata
from gencanvas.core.settings import Settings
from gencanvas.qt.app import build_window, create_application
from gencanvas.qt.canvas import Layer
from gencanvas.qt.main_window import MainWindow

SIDE = 64
JOB_TIMEOUT_MS = 300_000


def _gradient_photo() -> QImage:
    image = QImage(SIDE, SIDE, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, SIDE, SIDE)
    gradient.setColorAt(0, QColor("#1e88e5"))
    gradient.setColorAt(1, QColor("#fdd835"))
    painter.fillRect(image.rect(), gradient)
    painter.end()
    return image


def prepare_tiny_canvas(window: MainWindow) -> None:
    """Photo, a diagonal sketch stroke and a square mask: enough input for every plugin."""
    window.new_document(SIDE, SIDE)
    window.canvas.replace_photo(_gradient_photo())
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(8, 8), QPointF(56, 56)], 3, QColor("black"))
    window.canvas.paint_stroke(Layer.MASK, [QPointF(24, 32), QPointF(40, 32)], 12, QColor("white"))


def run_plugin_once(window: MainWindow, plugin_id: str, out_dir: Path) -> str | None:
    """Generate with ``plugin_id``'s defaults and save the result; None on success, else why not."""
    window.panel.set_plugin(plugin_id)
    loop = QEventLoop()
    outcome: dict[str, str | None] = {"error": "timed out"}

    def finished(_entry) -> None:
        outcome["error"] = None
        loop.quit()

    def failed(_job_id: int, message: str) -> None:
        outcome["error"] = message
        loop.quit()

    window.generation.resultCommitted.connect(finished)
    window.generation.worker.jobFailed.connect(failed)
    QTimer.singleShot(JOB_TIMEOUT_MS, loop.quit)
    try:
        if window.generation.generate() is None:
            return window.generation.last_error or "job was not accepted"
        loop.exec()
    finally:
        window.generation.resultCommitted.disconnect(finished)
        window.generation.worker.jobFailed.disconnect(failed)
    if outcome["error"]:
        return outcome["error"]
    path = out_dir / f"{plugin_id}.png"
    if not window.save_to(path):
        return f"could not save {path}"
    metadata = read_metadata(path)
    if metadata is None or metadata.plugin_id != plugin_id:
        return f"{path.name} lacks its generation metadata"
    return None


def run_self_test(out_dir: Path | None = None) -> int:
    create_application()
    window = build_window(Settings())
    window.ask_unsaved = lambda _parent: QMessageBox.StandardButton.Discard  # nobody is there to answer
    failures = {plugin_id: f"failed to load: {why}" for plugin_id, why in window.plugin_failures.items()}
    for plugin_id, why in failures.items():
        print(f"FAIL {plugin_id}: {why}", flush=True)
    out_dir = out_dir or Path(tempfile.mkdtemp(prefix="gencanvas-selftest-"))
    window.show()
    try:
        for plugin_id, plugin_type in window.panel.plugins.items():
            if reason := plugin_type.unavailable():
                print(f"skip {plugin_id}: {reason}", flush=True)
                continue
            prepare_tiny_canvas(window)
            started = time.perf_counter()
            error = run_plugin_once(window, plugin_id, out_dir)
            elapsed = (time.perf_counter() - started) * 1000
            print(
                f"{'FAIL' if error else 'ok  '} {plugin_id} ({elapsed:.0f} ms){': ' + error if error else ''}",
                flush=True,
            )
            if error:
                failures[plugin_id] = error
    finally:
        window.canvas.undo_stack.setClean()
        window.close()
    ok = not failures
    print(
        f"self-test {'passed' if ok else 'failed'}: {len(window.panel.plugins)} plugins, images in {out_dir}",
        flush=True,
    )
    return 0 if ok else 1
