"""How long can the GUI thread stall while a job streams 100 frames into the real window?

A 10 ms heartbeat QTimer runs on the GUI thread; the longest gap between its ticks is the
worst stall an artist would feel. The job runs in the real worker thread and its frames
go through the real mailbox into the real canvas. Frame sizes 512² and 1024².

The autosave case measures the same heartbeat while the window autosaves a canvas of
512², 1024² and 2048² (photo of noise, a sketch stroke, a mask, a result): the GUI thread
only captures shared layer copies, the autosave thread converts, encodes and writes.
It also reports the size of a project holding 50 History entries.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from _scratch import scratch_home

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["GENCANVAS_HOME"] = scratch_home()  # autosaves go to a throw-away folder

import numpy as np
from _report import report
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from gencanvas.core.autosave import AutosaveSlot
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.params import slider
from gencanvas.core.plugin_api import ParamsBase, Plugin
from gencanvas.core.settings import Settings
from gencanvas.qt.app import create_application
from gencanvas.qt.canvas import Layer
from gencanvas.qt.history import HistoryEntry
from gencanvas.qt.image_convert import qimage_from_array
from gencanvas.qt.main_window import MainWindow
from gencanvas.qt.project_io import capture

FRAMES = 100


class StreamParams(ParamsBase):
    side: int = slider(512, ge=64, le=2048)
    work_ms: float = slider(10.0, ge=0.0, le=1000.0)


class HundredFrames(Plugin):
    """Emits 100 frames, each after ``work_ms`` of numpy work (a stand-in for a denoise step)."""

    id = "bench-hundred-frames"
    title = "Benchmark: 100 frames"
    Params = StreamParams

    def run(self, inputs, params, ctx):
        rng = np.random.default_rng(0)
        frame = rng.integers(0, 256, (params.side, params.side, 3), dtype=np.uint8)
        for step in range(1, FRAMES + 1):
            deadline = time.perf_counter() + params.work_ms / 1000
            while time.perf_counter() < deadline:
                frame = np.roll(frame, 1, axis=1)
            ctx.emit(frame, step, FRAMES)
        return frame


class Heartbeat:
    """A 10 ms GUI-thread timer that records when it ticks: gaps between ticks are GUI stalls.

    The start and the stop count as ticks, so a stall at either edge of what is measured shows.
    """

    def __init__(self) -> None:
        self.ticks: list[int] = []
        self._clock = QElapsedTimer()
        self._clock.start()
        self._timer = QTimer(interval=10, timerType=Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        self.ticks.append(self._clock.elapsed())

    def stop(self) -> np.ndarray:
        """Stop ticking; the gaps between ticks in ms."""
        self._tick()
        self._timer.stop()
        return np.diff(self.ticks)


def measure(window: MainWindow, app, side: int, work_ms: float) -> dict[str, float]:
    window.autosave.flush()  # the autosave after the previous job finishes before this one is timed
    shown = {"frames": 0}
    window.generation.worker.frameReady.connect(lambda: shown.__setitem__("frames", shown["frames"] + 1))
    done = {"flag": False}
    window.generation.resultCommitted.connect(lambda _e: done.__setitem__("flag", True))
    window.panel.set_plugin(HundredFrames.id)
    window.panel.current_form().set_values({"side": side, "work_ms": work_ms})
    heartbeat = Heartbeat()
    started = time.perf_counter()
    window.generation.generate()
    while not done["flag"]:
        app.processEvents()
        time.sleep(0.0005)
    elapsed = time.perf_counter() - started
    gaps = heartbeat.stop()
    return {
        "max_gap_ms": float(gaps.max()),
        "p99_gap_ms": float(np.percentile(gaps, 99)),
        "median_gap_ms": float(statistics.median(gaps)),
        "frames_shown": shown["frames"],
        "job_s": elapsed,
    }


def _fill_canvas(window: MainWindow, side: int) -> None:
    """A busy document: a noise photo (incompressible, the worst case), a stroke, a mask, a result."""
    rng = np.random.default_rng(side)
    window.new_document(side, side)
    canvas = window.canvas
    canvas.replace_photo(qimage_from_array(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)))
    sketch = np.zeros((side, side, 4), np.uint8)
    sketch[side // 2 : side // 2 + 8, :, 3] = 255
    canvas.set_layer_image(Layer.SKETCH, qimage_from_array(sketch))
    mask = np.zeros((side, side), np.uint8)
    mask[: side // 4, : side // 4] = 255
    canvas.set_layer_image(Layer.MASK, qimage_from_array(mask))
    result = np.dstack([np.linspace(0, 255, side, dtype=np.uint8)[None, :].repeat(side, 0)] * 3)
    canvas.set_layer_image(Layer.RESULT, qimage_from_array(result))


def measure_autosave(window: MainWindow, app, side: int) -> dict[str, float]:
    """Heartbeat gaps while the window's own autosave path captures and writes a ``side``² canvas."""
    _fill_canvas(window, side)
    app.processEvents()
    done = {"flag": False}
    window.autosave.saved.connect(lambda _path: done.__setitem__("flag", True))
    heartbeat = Heartbeat()
    started = time.perf_counter()
    window.autosave.submit()  # what the timer and a finished generation call: the GUI-thread part
    captured_ms = (time.perf_counter() - started) * 1000
    while not done["flag"]:
        app.processEvents()
        time.sleep(0.0005)
    elapsed = time.perf_counter() - started
    gaps = heartbeat.stop()
    window.autosave.saved.disconnect()
    return {
        "capture_ms": captured_ms,
        "max_gap_ms": float(gaps.max()),
        "write_s": elapsed,
        "size_mb": window.autosave.slot.path.stat().st_size / 1e6,
    }


def idle_gap(app, seconds: float) -> float:
    """The longest heartbeat gap with nothing to do: the machine's own noise, for comparison."""
    heartbeat = Heartbeat()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)
    return float(heartbeat.stop().max())


def project_with_history(window: MainWindow, folder: Path, side: int = 512, entries: int = 50) -> float:
    """Size in MB of a project whose History holds ``entries`` results of a ``side``² canvas."""
    _fill_canvas(window, side)
    rng = np.random.default_rng(1)
    base = np.dstack([np.linspace(0, 255, side)[None, :].repeat(side, 0)] * 3)
    for index in range(entries):  # smooth images with mild noise, like generated results
        pixels = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
        metadata = GenerationMetadata.create("bench", {"prompt": f"result {index}", "seed": index})
        window.history.add(HistoryEntry("bench", metadata, pixels, qimage_from_array(pixels)))
    slot = AutosaveSlot(folder, "history")
    slot.write(capture(window)(), name="bench", source=None, history_limit=entries)
    window.history.clear()
    return slot.path.stat().st_size / 1e6


def autosave_rows(window: MainWindow, app) -> tuple[list[list[object]], float]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for side in (512, 1024, 2048):
            runs = [measure_autosave(window, app, side) for _ in range(3)]
            worst = max(runs, key=lambda r: r["max_gap_ms"])
            idle = max(idle_gap(app, worst["write_s"]) for _ in range(3))
            rows.append(
                [
                    f"{side}²",
                    f"{worst['capture_ms']:.1f}",
                    f"{worst['max_gap_ms']:.0f}",
                    f"{idle:.0f}",
                    f"{worst['write_s']:.2f}",
                    f"{worst['size_mb']:.1f}",
                ]
            )
        history_mb = project_with_history(window, Path(folder))
    return rows, history_mb


def main() -> None:
    app = create_application()
    window = MainWindow({HundredFrames.id: HundredFrames}, Settings(device="cpu"))
    window.ask_unsaved = lambda _window: QMessageBox.StandardButton.Discard  # each case starts a new canvas
    window.show()
    if os.environ.get("GUI_STALL_CASE") != "autosave":
        streaming(window, app)
    rows, history_mb = autosave_rows(window, app)
    window.close()
    report(
        "gui_stall_autosave",
        ["canvas", "GUI capture ms", "max gap ms (worst of 3)", "idle max gap ms", "write s", "autosave MB"],
        rows,
        {"project_with_50_history_entries_512px_mb": round(history_mb, 1)},
    )
    print(f"project with 50 History entries (512² canvas and results): {history_mb:.1f} MB")


def streaming(window: MainWindow, app) -> None:
    rows = []
    for side, work_ms in ((512, 10.0), (1024, 10.0), (1024, 0.0)):
        window.new_document(side, side)
        runs = [measure(window, app, side, work_ms) for _ in range(3)]
        worst = max(runs, key=lambda r: r["max_gap_ms"])
        rows.append(
            [
                f"{side}²",
                f"{work_ms:.0f}",
                f"{worst['max_gap_ms']:.0f}",
                f"{worst['p99_gap_ms']:.0f}",
                f"{worst['median_gap_ms']:.0f}",
                f"{worst['frames_shown']}/{FRAMES}",
                f"{worst['job_s']:.2f}",
            ]
        )
    report(
        "gui_stall",
        ["frame", "work/step ms", "max gap ms (worst of 3)", "p99 gap ms", "median gap ms", "frames shown", "job s"],
        rows,
    )


if __name__ == "__main__":
    main()
