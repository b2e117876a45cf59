"""Live mode through the real window: input event → result on screen, and updates per second.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/live_latency.py [--runs 3] [--seconds 1.0]

Two interactions on a 512² canvas with the shipped weights, each driven by real mouse
events at 60 Hz from a timer, so the GUI event loop runs between them as it does for an
artist: a pen stroke with *Sketch to photo (pix2pix)* and a slider drag with *Latent edit
(StyleGAN)* on *Source: seed*. A result is "on screen" at the first paint of the canvas
after a frame of a job that was requested after the input event. Reported per run:

* last input → on screen: the mouse stops; how long until its result shows (goal ≤ 50 ms
  where a frame computes in under 20 ms);
* median input → on screen over every input of the drag;
* updates/s: distinct results painted while the drag is going on (goal ≥ 15);
* single step: one slider step / one short stroke from idle;
* jobs run, requests skipped as identical, frames sent by the plugin and shown by the canvas.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _report import report
from PySide6.QtCore import QEvent, QEventLoop, QObject, QPoint, QPointF, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QSlider, QStyle, QStyleOptionSlider

from gencanvas.core.jobs import JobReport
from gencanvas.core.registry import default_registry
from gencanvas.core.settings import Settings
from gencanvas.qt.app import create_application
from gencanvas.qt.canvas import Layer
from gencanvas.qt.main_window import MainWindow

HZ = 60


class Probe(QObject):
    """Records input times, job request times, shows and the paints that put them on screen."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.inputs: list[float] = []
        self.requested: dict[int, float] = {}  # job id -> request time
        self.on_screen: list[tuple[float, int]] = []  # (paint time, job id)
        self.reports: list[JobReport] = []
        self.compute: list[float] = []  # seconds inside the plugin's run, on the worker thread
        self._unpainted: set[int] = set()
        generation, canvas = window.generation, window.canvas
        submit, show, run = generation.worker.submit, canvas.show_frame, generation.worker.runner.run

        def run_and_time(job, sink):
            started = time.perf_counter()
            try:
                return run(job, sink)
            finally:
                self.compute.append(time.perf_counter() - started)

        def submit_and_note(job) -> None:
            self.requested[job.id] = time.perf_counter()
            submit(job)

        def show_and_note(image) -> None:
            show(image)
            if generation._current_id is not None:
                self._unpainted.add(generation._current_id)

        generation.worker.submit = submit_and_note  # type: ignore[method-assign]
        generation.worker.runner.run = run_and_time  # type: ignore[method-assign]
        canvas.show_frame = show_and_note  # type: ignore[method-assign]
        generation.jobEnded.connect(self.reports.append)
        canvas.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._unpainted:
            now = time.perf_counter()
            self.on_screen.extend((now, job_id) for job_id in self._unpainted)
            self._unpainted.clear()
        return False

    def reset(self) -> None:
        self.inputs.clear()
        self.requested.clear()
        self.on_screen.clear()
        self.reports.clear()
        self.compute.clear()

    def latency(self, at: float) -> float | None:
        """Seconds from an input at ``at`` to the first paint of a result requested after it."""
        shown = [t for t, job in self.on_screen if self.requested.get(job, -1.0) >= at]
        return min(shown) - at if shown else None

    def summary(self) -> dict[str, float]:
        last = self.inputs[-1]
        during = {job for t, job in self.on_screen if self.inputs[0] <= t <= last}
        latencies = [x for at in self.inputs if (x := self.latency(at)) is not None]
        finished = [r for r in self.reports if r.state == "finished"]
        return {
            "last_ms": (self.latency(last) or float("nan")) * 1000,
            "median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "updates_per_s": len(during) / max(last - self.inputs[0], 1e-9),
            "compute_ms": statistics.median(self.compute) * 1000 if self.compute else float("nan"),
            "frame_ms": statistics.median(r.seconds for r in finished) * 1000 if finished else float("nan"),
            "jobs": len(self.reports),
            "sent": sum(r.frames_sent for r in self.reports),
            "shown": sum(r.frames_shown for r in self.reports),
        }


def run_loop_until(app: QApplication, done, timeout_s: float = 30.0) -> None:
    """Run the real event loop (blocking in the dispatcher, no busy polling) until ``done()``."""
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    check = QTimer(interval=5)
    check.timeout.connect(lambda: (done() or time.perf_counter() > deadline) and loop.quit())
    check.start()
    if not done():
        loop.exec()
    check.stop()


def settle(app: QApplication, window: MainWindow) -> None:
    generation = window.generation
    run_loop_until(app, lambda: generation.policy.session == 0 and not generation.worker.busy)


def drive(app: QApplication, probe: Probe, target, positions: list[QPoint]) -> None:
    """Press at the first position, move through the rest at 60 Hz from a timer, release."""
    QTest.mousePress(target, Qt.MouseButton.LeftButton, pos=positions[0])
    probe.inputs.append(time.perf_counter())
    queue = list(positions[1:])
    timer = QTimer(interval=round(1000 / HZ), timerType=Qt.TimerType.PreciseTimer)

    def step() -> None:
        if not queue:
            timer.stop()
            return
        probe.inputs.append(time.perf_counter())
        QTest.mouseMove(target, queue.pop(0))

    timer.timeout.connect(step)
    timer.start()
    run_loop_until(app, lambda: not timer.isActive())
    run_loop_until(app, lambda: probe.latency(probe.inputs[-1]) is not None, timeout_s=10)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, pos=positions[-1])


def stroke_positions(window: MainWindow, moves: int) -> list[QPoint]:
    points = [QPointF(60 + (i * 7) % 400, 100 + 300 * i / max(moves, 1)) for i in range(moves + 1)]
    return [window.canvas.mapFromScene(p) for p in points]


def slider_positions(slider: QSlider, moves: int) -> list[QPoint]:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    start = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle)
    width = slider.width() - start.width()
    return [start.center() + QPoint(round((i % 40) * width / 80), 0) for i in range(moves + 1)]


def measure(app, window: MainWindow, probe: Probe, plugin_id: str, moves: int) -> dict[str, float]:
    window.panel.set_plugin(plugin_id)
    if plugin_id == "sketch-to-photo":
        window.canvas.clear_layer(Layer.SKETCH)
        target, positions = window.canvas.viewport(), stroke_positions(window, moves)
    else:
        direction = next(n for n in window.panel.current_values() if n.startswith("pc"))
        window.panel.current_form().set_values({direction: 0.0})
        target = window.panel.current_form().editor(direction).widget.findChild(QSlider)
        positions = slider_positions(target, moves)
    settle(app, window)
    probe.reset()
    drive(app, probe, target, positions)
    settle(app, window)
    return probe.summary()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each drag")
    args = parser.parse_args()
    app = create_application()
    plugins = {k: v for k, v in default_registry().load_all().items() if k in ("sketch-to-photo", "stylegan-edit")}
    window = MainWindow(plugins, Settings(device="cpu"))
    window.show()
    window.new_document(512, 512)
    probe = Probe(window)
    rows, raw = [], {}
    for plugin_id, what in (("sketch-to-photo", "pen stroke"), ("stylegan-edit", "slider drag")):
        measure(app, window, probe, plugin_id, 10)  # warm-up: loads the model
        single = [measure(app, window, probe, plugin_id, 1) for _ in range(args.runs)]
        drags = [measure(app, window, probe, plugin_id, round(args.seconds * HZ)) for _ in range(args.runs)]
        raw[plugin_id] = {"single": single, "drag": drags}
        for kind, runs in (("single step", single), (f"{args.seconds:.0f} s {what}", drags)):
            for i, r in enumerate(runs, 1):
                rows.append(
                    [
                        plugin_id,
                        f"{kind} #{i}",
                        f"{r['compute_ms']:.1f}",
                        f"{r['frame_ms']:.1f}",
                        f"{r['last_ms']:.1f}",
                        f"{r['median_ms']:.1f}",
                        f"{r['updates_per_s']:.1f}" if kind != "single step" else "–",
                        r["jobs"],
                        f"{r['sent']}/{r['shown']}",
                    ]
                )
    window.canvas.undo_stack.setClean()
    window.close()
    report(
        "live_latency",
        [
            "plugin",
            "interaction",
            "compute ms (median)",
            "request→result ms (median)",
            "last input → on screen ms",
            "median input → on screen ms",
            "updates/s while dragging",
            "jobs",
            "frames sent/shown",
        ],
        rows,
        {"raw": raw, "hz": HZ, "load_average": os.getloadavg()},
    )
    print(f"load average during the run: {os.getloadavg()}")


if __name__ == "__main__":
    main()
