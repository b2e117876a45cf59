"""Glue between the panel, the canvas and the worker: canvas → inputs → plugin → frames → canvas.

The controller snapshots the canvas into :class:`PluginInputs`, validates the parameters,
hands a :class:`Job` to the worker, and routes what comes back: frames of the current job
to the result layer, the finished image to the result layer (an undo step) and the
history strip, errors to the status bar. A result larger than the canvas (an upscale)
grows the document to its size in the same undo step, so it keeps its full resolution.
Every submitted job ends with exactly one ``jobEnded`` report carrying its id, so a caller
waits for *its* job: the self-test once took a late live result of another plugin as its own.

Live mode (:class:`LivePolicy` decides *when*): a parameter change, or a stroke on a layer
the plugin reads, marks the input dirty; the newest input is rendered as soon as the
previous frame is done and a request identical to the last one is skipped. While a mouse
button is held (a slider drag, a stroke) results are only shown; once it is released and
nothing is left to render, the newest result is committed, and all results of one
interaction merge into one undo step and one History entry.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from gencanvas import __version__
from gencanvas.core.jobs import Job, JobReport, JobRunner, check_inputs, job_for, validate_params
from gencanvas.core.live_policy import LivePolicy, request_key
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.plugin_api import InputKind, Plugin, PluginError
from gencanvas.core.settings import Settings
from gencanvas.qt.canvas import CanvasView, Layer
from gencanvas.qt.history import HistoryEntry, HistoryStrip
from gencanvas.qt.mask_preview import MaskPreview
from gencanvas.qt.plugin_panel import PluginPanel
from gencanvas.qt.status import JobStatus
from gencanvas.qt.worker import GenerationWorker, JobOutcome

log = logging.getLogger(__name__)

LAYER_INPUTS = {Layer.PHOTO: InputKind.IMAGE, Layer.SKETCH: InputKind.SKETCH, Layer.MASK: InputKind.MASK}
RELEASE_POLL_MS = 30  # how soon after the mouse is released a held live result is committed
LIVE_BUSY_MS = 150  # a live job running this long shows progress and Cancel (e.g. a StyleGAN projection)


@dataclass
class _Run:
    """A submitted job and what the controller needs to route and report it."""

    job: Job
    key: str  # request_key: plugin, parameters and the content of the inputs it reads
    session: int  # the live interaction it renders for; 0 for Generate
    submitted: float
    shown: int = 0


def _holding() -> bool:
    """A mouse button is down: a drag or a stroke is still going on."""
    return QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton


def _single_shot(parent: QObject, slot: Any) -> QTimer:
    timer = QTimer(parent, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
    timer.timeout.connect(slot)
    return timer


class GenerationController(QObject):
    resultCommitted = Signal(object)  # HistoryEntry
    jobEnded = Signal(object)  # JobReport, once for every submitted job

    def __init__(
        self,
        canvas: CanvasView,
        panel: PluginPanel,
        status: JobStatus,
        history: HistoryStrip,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.canvas, self.panel, self.status, self.history = canvas, panel, status, history
        self.worker = GenerationWorker(JobRunner(settings.device, settings.precision))
        self.policy = LivePolicy()
        self.mask_preview = MaskPreview(canvas, panel, self)  # the mask overlay shows the plugin's feather
        self._plugins: dict[str, Plugin] = {}
        self._runs: dict[int, _Run] = {}
        self._current_id: int | None = None
        self._held: tuple[_Run, JobOutcome] | None = None  # a live result shown, not yet committed
        self._session_entry: tuple[int, HistoryEntry] | None = None  # the open interaction's History entry
        self._undo_index = canvas.undo_stack.index()
        self.last_error: str | None = None
        self._live_timer = _single_shot(self, self._pump)
        self._settle_timer = _single_shot(self, self._settle)
        self._live_busy_timer = _single_shot(self, self._show_live_busy)

        self.worker.jobStarted.connect(self._on_started)
        self.worker.frameReady.connect(self._on_frame)
        self.worker.jobFinished.connect(self._on_finished)
        self.worker.jobCancelled.connect(lambda job_id: self._on_stopped(job_id, "cancelled", "Cancelled"))
        self.worker.jobFailed.connect(lambda job_id, message: self._on_stopped(job_id, "failed", message))
        self.worker.jobDropped.connect(lambda job_id: self._on_stopped(job_id, "dropped", ""))
        panel.generateRequested.connect(self.generate)
        panel.paramsChanged.connect(self._on_params_changed)
        panel.pluginChanged.connect(self._on_plugin_changed)
        canvas.strokeMoved.connect(self._on_layer_edited)
        canvas.strokeFinished.connect(self._on_layer_edited)
        canvas.regions.edited.connect(lambda: self._on_input_edited(InputKind.REGIONS))
        canvas.undo_stack.indexChanged.connect(self._on_undo_index)
        status.cancel_button.clicked.connect(self.cancel)
        self.worker.start()

    # ---- requests ----
    def generate(self) -> Job | None:
        """Generate with the panel's parameters; an unlocked seed is re-rolled first."""
        form = self.panel.current_form()
        if form.seed_widget is not None:
            form.seed_widget.seed_for_next_run()
        try:
            job, key = self._request(self.panel.current_plugin(), form.values())
        except PluginError as exc:
            self._report_error(str(exc), popup=True)
            return None
        self._hold_nothing()  # this result supersedes any live one not yet committed
        return self._submit(job, key, session=0)

    def cancel(self) -> None:
        self.worker.cancel()

    def _plugin(self, plugin_type: type[Plugin]) -> Plugin:
        if plugin_type.id not in self._plugins:
            self._plugins[plugin_type.id] = plugin_type()
        return self._plugins[plugin_type.id]

    def _request(self, plugin_type: type[Plugin], values: dict[str, Any]) -> tuple[Job, str]:
        """Validate here, on the GUI thread, so bad parameters or an empty mask never reach the worker."""
        params = validate_params(plugin_type, values)
        inputs = self.canvas.plugin_inputs(plugin_type.canvas_inputs())
        job = job_for(self._plugin(plugin_type), params, inputs)
        check_inputs(job.plugin, inputs)
        reads = plugin_type.live_triggers(params)
        return job, request_key(plugin_type.id, params.model_dump(mode="json"), inputs, reads)

    def _submit(self, job: Job, key: str, session: int) -> Job:
        self._runs[job.id] = _Run(job, key, session, time.perf_counter())
        self._current_id = job.id
        self.policy.started(key)
        self.worker.submit(job)
        return job

    # ---- live mode ----
    def _on_params_changed(self) -> None:
        if self.panel.live_enabled():
            self._live_input()

    def _on_layer_edited(self, layer: Layer) -> None:
        self._on_input_edited(LAYER_INPUTS[layer])

    def _on_input_edited(self, kind: InputKind) -> None:
        """A stroke re-runs the live plugin only when it reads that input with its current parameters."""
        if not self.panel.live_enabled():
            return
        plugin_type = self.panel.current_plugin()
        try:
            reads = plugin_type.live_triggers(validate_params(plugin_type, self.panel.current_values()))
        except PluginError:
            reads = plugin_type.inputs  # the pump reports the bad parameter
        if kind in reads:
            self._live_input()

    def _live_input(self) -> None:
        self.policy.input_changed(time.perf_counter())
        self._schedule()

    def _on_plugin_changed(self, _plugin_id: str) -> None:
        """Another plugin starts another interaction; the old plugin's pending input is dropped."""
        if self._held is not None:
            self._commit(*self._held)
            self._held = None
        self.policy.refused()
        self.policy.end_session()

    def _pump(self) -> None:
        """Render the newest live input when the policy says so (the live timer's slot)."""
        start = self.policy.start_in(time.perf_counter())
        if start is None:
            return
        if start > 0:
            self._live_timer.start(round(start * 1000))
            return
        if not self.panel.live_enabled():
            self.policy.refused()
        else:
            try:
                job, key = self._request(self.panel.current_plugin(), self.panel.current_values())
            except PluginError as exc:
                self.policy.refused()
                self._report_error(str(exc), popup=False)
            else:
                if self.policy.take(key):
                    self._submit(job, key, self.policy.session)
        self._settle()

    def _schedule(self) -> None:
        start = self.policy.start_in(time.perf_counter())
        if start is not None:
            self._live_timer.start(round(start * 1000))  # 0: after the events already queued
        self._settle()

    def _settle(self) -> None:
        """Commit a held live result once the mouse is up and nothing is left to render;
        end the interaction once the input has been quiet for the policy's settle time."""
        holding = _holding()
        idle = not self.policy.pending and not self.policy.busy
        if self._held is not None and idle and not holding:
            self._commit(*self._held)
            self._held = None
        settle = self.policy.settle_in(time.perf_counter(), holding)
        if settle is None:
            return
        if settle <= 0:
            self.policy.end_session()
        else:
            wait = min(settle * 1000, RELEASE_POLL_MS) if self._held is not None else settle * 1000
            self._settle_timer.start(round(wait))

    def _hold_nothing(self) -> None:
        """Forget a live result that will not be committed, showing the last committed one."""
        if self._held is not None:
            self._held = None
            self.canvas.discard_preview()

    def _on_undo_index(self, index: int) -> None:
        """After an undo (or a new document) live results start a new step and a new entry."""
        if index < self._undo_index:
            self._hold_nothing()
            self.policy.forget_last()
            self.policy.end_session()
        self._undo_index = index

    # ---- worker events (GUI thread) ----
    def _on_started(self, job_id: int) -> None:
        """Show progress and Cancel; for live frames only once one runs long enough to matter."""
        run = self._runs.get(job_id)
        if run is not None and not run.session:
            self.status.running(run.job.plugin.title)
        elif run is not None:
            self._live_busy_timer.start(LIVE_BUSY_MS)

    def _show_live_busy(self) -> None:
        run = self._runs.get(self._current_id or 0)
        if run is not None and run.session and self.worker.busy:
            self.status.running(run.job.plugin.title)

    def _on_frame(self) -> None:
        frame = self.worker.frames.take()
        if frame is None or frame.job_id != self._current_id:
            return
        run = self._runs.get(frame.job_id)
        if run is not None:
            run.shown += 1
        self.canvas.show_frame(frame.image)
        self.status.step(frame.step, frame.total)

    def _on_finished(self, outcome: JobOutcome) -> None:
        self.worker.frames.take()  # a pending preview must not overwrite the final image
        run = self._runs.pop(outcome.job.id, None)
        if run is None:
            return
        seconds = time.perf_counter() - run.submitted
        self.policy.finished(run.key, seconds)
        if run.session and outcome.job.id != self._current_id:
            self._report(run, "superseded", seconds)  # a Generate started after it owns the canvas
        elif run.session:
            self.canvas.show_frame(outcome.image)
            self._held = (run, outcome)
            self.status.idle(" — ".join([f"{run.job.plugin.title}: live", *run.job.notices]))
            self._report(run, "finished", seconds)
        else:
            self._commit(run, outcome)
            self._report(run, "finished", seconds)
        self._schedule()

    def _commit(self, run: _Run, outcome: JobOutcome) -> None:
        """Record a result: an undo step and a History entry, merged into the interaction's own."""
        job = run.job
        metadata = GenerationMetadata(
            plugin_id=job.plugin.id,
            params=job.params.model_dump(mode="json"),
            summary=job.plugin.describe_params(job.params),
            app_version=__version__,
        )
        entry = HistoryEntry(job.plugin.title, metadata, outcome.pixels, outcome.image, job.id)
        verb = "Live" if run.session else "Generate"
        notices = list(job.notices)
        if self.canvas.is_larger_result(outcome.image):  # an upscale keeps its full resolution
            self.canvas.commit_grown_result(outcome.image, text=f"{verb} ({job.plugin.title})")
            width, height = outcome.image.width(), outcome.image.height()
            notices.append(f"Canvas grown to {width}×{height} for the upscaled result")
        else:
            self.canvas.commit_result(outcome.image, text=f"{verb} ({job.plugin.title})", merge_key=run.session or None)
        previous = self._session_entry[1] if self._session_entry and self._session_entry[0] == run.session else None
        if run.session and previous is not None and self.history.count() and self.history.entry(0) is previous:
            self.history.replace_newest(entry)
        else:
            self.history.add(entry)
        self._session_entry = (run.session, entry) if run.session else None
        self.status.idle(" — ".join([f"{job.plugin.title}: done", *notices]))
        self.resultCommitted.emit(entry)

    def _on_stopped(self, job_id: int, state: str, message: str) -> None:
        """A job cancelled, failed or dropped (a waiting job replaced by a newer one)."""
        run = self._runs.pop(job_id, None)
        if run is not None:
            self.policy.finished(run.key, None)
            if state != "dropped":
                self.policy.forget_last()  # the canvas goes back to an older result
        if state != "dropped" and job_id == self._current_id:
            self._held = None
            self.canvas.discard_preview()  # back to the last committed result
        if state == "cancelled":
            self.status.idle(message)
        elif state == "failed":
            self._report_error(message, popup=run is None or not run.session)
        if run is not None:
            self._report(run, state, time.perf_counter() - run.submitted, message)
        self._schedule()

    def _report(self, run: _Run, state: str, seconds: float, message: str = "") -> None:
        job = run.job
        report = JobReport(job.id, job.plugin.id, state, job.frames_sent, run.shown, seconds, message)
        log.log(logging.DEBUG if run.session else logging.INFO, report.line())
        self.jobEnded.emit(report)

    def _report_error(self, message: str, popup: bool) -> None:
        """Live requests report in the status bar only: a dialog per stroke would be unbearable."""
        self.last_error = message
        if popup:
            self.status.report_error(message, self.panel.window())
        else:
            self.status.failed(message)

    def apply_device(self, device: str, precision: str) -> None:
        """Run the next job on ``device``/``precision``; models loaded for the old pair are dropped."""
        runner = self.worker.runner
        if (runner.device, runner.precision) != (device, precision):
            runner.device, runner.precision = device, precision
            runner.models.clear()

    def shutdown(self) -> bool:
        self._live_timer.stop()
        self._settle_timer.stop()
        self._live_busy_timer.stop()
        return self.worker.shutdown()
