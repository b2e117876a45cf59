"""Live mode through the real window: one interaction is one History entry and one undo
step, strokes re-run only plugins that read the sketch, identical requests run nothing,
and the self-test takes only the result of the job it started."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider

from gencanvas.core.jobs import JobReport
from gencanvas.core.plugin_api import InputKind
from gencanvas.qt.canvas import Layer
from gencanvas.qt.image_convert import array_from_qimage
from gencanvas.qt.selftest import run_job

JOB_MS = 10_000


class Jobs:
    """Counts the window's jobs: started ids and end reports."""

    def __init__(self, window) -> None:
        self.started: list[int] = []
        self.reports: list[JobReport] = []
        window.generation.worker.jobStarted.connect(self.started.append)
        window.generation.jobEnded.connect(self.reports.append)

    def finished(self) -> int:
        return sum(r.state == "finished" for r in self.reports)


def settled(qtbot, window) -> None:
    """Wait until the live interaction is over, so the next edit starts a new one."""
    qtbot.waitUntil(lambda: window.generation.policy.session == 0 and not window.generation.worker.busy, timeout=JOB_MS)


def live_sketch(qtbot, window, **values) -> None:
    """test-live-sketch with a small sketch and ``values``, its first result committed and settled."""
    window.panel.set_plugin("test-live-sketch")
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 10), QPointF(40, 40)], 6, QColor("black"))
    if values:
        window.panel.current_form().set_values(values)
    qtbot.waitUntil(lambda: window.history.count() >= 1, timeout=JOB_MS)
    settled(qtbot, window)


def drag_slider(qtbot, slider: QSlider, steps: int, pixels: int = 6, pause_ms: int = 15, during=None) -> None:
    """Press the handle, move it ``steps`` times (letting the app run between moves), release."""
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle)
    start = rect.center()
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, steps + 1):
        QTest.mouseMove(slider, start + QPoint(pixels * step, 0))
        qtbot.wait(pause_ms)
    if during is not None:
        during()
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=start + QPoint(pixels * steps, 0))


def draw(qtbot, window, points: list[QPointF], pause_ms: int = 15, during=None) -> None:
    """A real mouse stroke on the canvas through document points."""
    viewport = window.canvas.viewport()
    at = [window.canvas.mapFromScene(p) for p in points]
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=at[0])
    for point in at[1:]:
        QTest.mouseMove(viewport, point)
        qtbot.wait(pause_ms)
    if during is not None:
        during()
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at[-1])


def test_a_20_step_slider_drag_is_one_history_entry_and_one_undo_step(qtbot, window):
    live_sketch(qtbot, window)
    stack, history = window.canvas.undo_stack, window.history
    undo_before, entries_before = stack.count(), history.count()
    result_before = array_from_qimage(window.canvas.layer_image(Layer.RESULT), 3)
    jobs = Jobs(window)
    slider = window.panel.current_form().editor("gain").widget.findChild(QSlider)
    mid_drag: dict[str, int] = {}

    def look() -> None:  # still holding the mouse: results shown, nothing recorded yet
        qtbot.waitUntil(lambda: jobs.finished() >= 2 and not window.generation.worker.busy, timeout=JOB_MS)
        mid_drag.update(finished=jobs.finished(), entries=history.count(), undo=stack.count())

    drag_slider(qtbot, slider, steps=20, during=look)
    gain = window.panel.current_values()["gain"]
    assert gain > 10
    qtbot.waitUntil(lambda: history.count() > entries_before, timeout=JOB_MS)
    settled(qtbot, window)
    assert mid_drag["finished"] >= 2, "the result did not update while dragging"
    assert (mid_drag["entries"], mid_drag["undo"]) == (entries_before, undo_before)
    assert history.count() == entries_before + 1
    assert stack.count() == undo_before + 1
    assert history.entry(0).metadata.params["gain"] == gain
    assert array_from_qimage(window.canvas.layer_image(Layer.RESULT), 3)[5, 5, 0] == gain
    stack.undo()  # one step takes the whole drag back
    np.testing.assert_array_equal(array_from_qimage(window.canvas.layer_image(Layer.RESULT), 3), result_before)


def test_a_burst_of_edits_merges_into_one_entry_and_one_undo_step(qtbot, window):
    live_sketch(qtbot, window)
    window.generation.policy.settle_s = 30.0  # however slow the machine, the burst stays one interaction
    undo_before, entries_before = window.canvas.undo_stack.count(), window.history.count()
    jobs = Jobs(window)
    for gain in range(1, 21):  # e.g. arrow keys on a slider: no mouse button held
        window.panel.current_form().set_values({"gain": gain})
        qtbot.waitUntil(lambda gain=gain: window.history.entry(0).metadata.params["gain"] == gain, timeout=JOB_MS)
    assert jobs.finished() == 20  # every edit was rendered and committed at once...
    assert window.history.count() == entries_before + 1  # ...into the interaction's one entry
    assert window.canvas.undo_stack.count() == undo_before + 1
    assert window.canvas.undo_stack.undoText().startswith("Live")


def test_a_stroke_does_not_rerun_a_plugin_that_does_not_read_the_sketch(qtbot, window):
    live_sketch(qtbot, window, use_sketch=False)
    jobs = Jobs(window)
    entries = window.history.count()
    draw(qtbot, window, [QPointF(60 + 10 * i, 80) for i in range(10)])
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(100, 100), QPointF(200, 150)], 8, QColor("black"))
    window.panel.set_plugin("test-stream")  # declares no input at all
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(100, 200), QPointF(200, 250)], 8, QColor("black"))
    qtbot.wait(300)
    assert jobs.started == [] and window.history.count() == entries


def test_a_stroke_reruns_a_plugin_that_reads_the_sketch_while_drawing(qtbot, window):
    live_sketch(qtbot, window)
    jobs = Jobs(window)
    entries = window.history.count()
    seen: dict[str, int] = {}

    def look() -> None:
        qtbot.waitUntil(lambda: jobs.finished() >= 2, timeout=JOB_MS)
        seen["during"] = jobs.finished()

    draw(qtbot, window, [QPointF(60 + 12 * i, 120) for i in range(20)], during=look)
    qtbot.waitUntil(lambda: window.history.count() == entries + 1, timeout=JOB_MS)
    settled(qtbot, window)
    assert seen["during"] >= 2, "results should update while the stroke is drawn"
    assert window.history.count() == entries + 1
    sketch_alpha = array_from_qimage(window.canvas.layer_image(Layer.SKETCH), 4)[120, 60:280, 3]
    result_green = array_from_qimage(window.canvas.layer_image(Layer.RESULT), 3)[120, 60:280, 1]
    np.testing.assert_array_equal(result_green, sketch_alpha)  # the final result saw the whole stroke


def test_repeating_an_identical_request_runs_nothing(qtbot, window):
    live_sketch(qtbot, window)
    jobs = Jobs(window)
    skipped = window.generation.policy.skipped
    entries = window.history.count()
    window.panel.paramsChanged.emit()  # a change that changes nothing
    form = window.panel.current_form()
    form.set_values({"gain": 7})
    form.set_values({"gain": 0})  # there and back before the request was taken
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(300, 300), QPointF(350, 350)], 8, QColor("black"), erase=True)
    qtbot.wait(300)
    assert jobs.started == [] and window.history.count() == entries
    assert window.generation.policy.skipped > skipped
    form.set_values({"gain": 7})  # a real change still runs
    qtbot.waitUntil(lambda: jobs.finished() == 1, timeout=JOB_MS)


def test_stylegan_on_seed_reads_no_layer_and_on_the_canvas_image_reads_the_photo():
    from gencanvas.plugins.stylegan_edit import StyleGANEdit

    assert StyleGANEdit.live_triggers(StyleGANEdit.Params(source="seed")) == frozenset()
    assert StyleGANEdit.live_triggers(StyleGANEdit.Params(source="canvas image")) == {InputKind.IMAGE}


def test_self_test_takes_the_result_of_its_own_job_only(qtbot, window):
    window.panel.set_plugin("test-stream")
    window.panel.live.setChecked(False)
    window.panel.current_form().set_values({"steps": 5, "step_seconds": 0.05})
    late = JobReport(job_id=10**9, plugin_id="stylegan-edit", state="finished")
    QTimer.singleShot(20, lambda: window.generation.jobEnded.emit(late))  # another plugin's late live result
    report, error = run_job(window)
    assert error is None and report is not None
    assert report.plugin_id == "test-stream" and report.frames_sent == 5 and 1 <= report.frames_shown <= 5
    assert window.result_metadata.plugin_id == "test-stream"


def test_a_live_result_arriving_after_generate_is_neither_shown_nor_recorded(qtbot, window):
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 10), QPointF(40, 40)], 6, QColor("black"))
    window.panel.set_plugin("test-stream")  # live, and slow enough to still run when Generate is pressed
    jobs = Jobs(window)
    window.panel.current_form().set_values({"steps": 10, "step_seconds": 0.05})
    qtbot.waitUntil(lambda: bool(jobs.started), timeout=JOB_MS)
    window.panel.set_plugin("test-sketch-echo")
    report, error = run_job(window)
    assert error is None and report.plugin_id == "test-sketch-echo"
    assert [r.state for r in jobs.reports if r.plugin_id == "test-stream"] == ["superseded"]
    assert window.history.count() == 1 and window.history.entry(0).metadata.plugin_id == "test-sketch-echo"
    assert window.result_metadata.plugin_id == "test-sketch-echo"


def test_a_long_live_job_shows_progress_and_can_be_cancelled(qtbot, window):
    window.panel.set_plugin("test-stream")
    jobs = Jobs(window)
    window.panel.current_form().set_values({"steps": 200, "step_seconds": 0.02})  # one request, 4 s
    qtbot.waitUntil(window.status.cancel_button.isEnabled, timeout=JOB_MS)
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [r.state for r in jobs.reports] == ["cancelled"], timeout=JOB_MS)
    assert window.history.count() == 0 and window.status.message.text() == "Cancelled"
