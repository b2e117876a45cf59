"""How long can the GUI thread stall while a job streams 100 frames into the real window?

A 10 ms heartbeat QTimer runs on the GUI thread; the longest gap between its ticks is the
worst stall an artist would feel. The job runs in the real worker thread and its frames
go through the real mailbox into the real canvas. Frame sizes 512² and 1024².
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from _report import report
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from gencanvas.core.params import slider
from gencanvas.core.plugin_api import ParamsBase, Plugin
from gencanvas.core.settings import Settings
from gencanvas.qt.app import create_application
from gencanvas.qt.main_window import MainWindow

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


def measure(window: MainWindow, app, side: int, work_ms: float) -> dict[str, float]:
    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    heartbeat = QTimer(interval=10, timerType=Qt.TimerType.PreciseTimer)
    heartbeat.timeout.connect(lambda: ticks.append(clock.elapsed()))
    shown = {"frames": 0}
    window.generation.worker.frameReady.connect(lambda: shown.__setitem__("frames", shown["frames"] + 1))
    done = {"flag": False}
    window.generation.resultCommitted.connect(lambda _e: done.__setitem__("flag", True))
    window.panel.set_plugin(HundredFrames.id)
    window.panel.current_form().set_values({"side": side, "work_ms": work_ms})
    heartbeat.start()
    ticks.append(clock.elapsed())  # the start and the end count as ticks: a stall at either edge shows
    started = time.perf_counter()
    window.generation.generate()
    while not done["flag"]:
        app.processEvents()
        time.sleep(0.0005)
    elapsed = time.perf_counter() - started
    ticks.append(clock.elapsed())
    heartbeat.stop()
    gaps = np.diff(ticks)
    return {
        "max_gap_ms": float(gaps.max()),
        "p99_gap_ms": float(np.percentile(gaps, 99)),
        "median_gap_ms": float(statistics.median(gaps)),
        "frames_shown": shown["frames"],
        "job_s": elapsed,
    }


def main() -> None:
    app = create_application()
    window = MainWindow({HundredFrames.id: HundredFrames}, Settings(device="cpu"))
    window.show()
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
    window.canvas.undo_stack.setClean()
    window.close()
    report(
        "gui_stall",
        ["frame", "work/step ms", "max gap ms (worst of 3)", "p99 gap ms", "median gap ms", "frames shown", "job s"],
        rows,
    )


if __name__ == "__main__":
    main()
