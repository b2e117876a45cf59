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
from gencanvas.core.jobs import JobReport
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


def run_job(window: MainWindow, timeout_ms: int = JOB_TIMEOUT_MS) -> tuple[JobReport | None, str | None]:
    """Generate with the panel's plugin and wait for the report of *that* job (by id).

    Reports of other jobs -- a late live re-run of the previous plugin, say -- are ignored.
    Returns (report, None) when it finished, else (report or None, why not).
    """
    loop = QEventLoop()
    reports: list[JobReport] = []
    wanted: dict[str, int] = {}

    def ended(report: JobReport) -> None:
        if report.job_id == wanted.get("id"):
            reports.append(report)
            loop.quit()

    window.generation.jobEnded.connect(ended)
    timer = QTimer(singleShot=True)
    timer.timeout.connect(loop.quit)
    try:
        job = window.generation.generate()
        if job is None:
            return None, window.generation.last_error or "job was not accepted"
        wanted["id"] = job.id
        timer.start(timeout_ms)
        loop.exec()
    finally:
        timer.stop()
        window.generation.jobEnded.disconnect(ended)
    if not reports:
        return None, "timed out"
    report = reports[0]
    return report, None if report.state == "finished" else report.message or report.state


def run_plugin_once(window: MainWindow, plugin_id: str, out_dir: Path) -> tuple[JobReport | None, str | None]:
    """Generate with ``plugin_id``'s defaults (and its quick self-test values) and save the result.

    Returns (report, None) on success, else (report or None, why not).
    """
    window.panel.set_plugin(plugin_id)
    window.panel.current_form().set_values(dict(window.panel.current_plugin().self_test_values))
    report, error = run_job(window)
    if error:
        return report, error
    path = out_dir / f"{plugin_id}.png"
    if not window.save_to(path):
        return report, f"could not save {path}"
    metadata = read_metadata(path)
    if metadata is None or metadata.plugin_id != plugin_id:
        return report, f"{path.name} lacks its generation metadata"
    return report, None


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
            report, error = run_plugin_once(window, plugin_id, out_dir)
            elapsed = (time.perf_counter() - started) * 1000
            frames = f", {report.frames_sent} frames sent, {report.frames_shown} shown" if report else ""
            print(
                f"{'FAIL' if error else 'ok  '} {plugin_id} ({elapsed:.0f} ms{frames}){': ' + error if error else ''}",
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
