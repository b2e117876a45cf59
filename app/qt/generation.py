"""Glue between the panel, the canvas and the worker: canvas → inputs → plugin → frames → canvas.

The controller snapshots the canvas into :class:`PluginInputs`, validates the parameters,
hands a :class:`Job` to the worker, and routes what comes back: frames of the current job
to the result layer, the finished image to the result layer (one undo step) and the
history strip, errors to the status bar. Frames of a superseded job are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from superqt.utils import qdebounced

from gencanvas import __version__
from gencanvas.core.jobs import Job, JobRunner, check_inputs, job_for, validate_params
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.plugin_api import Plugin, PluginError
from gencanvas.core.settings import Settings
from gencanvas.qt.canvas import CanvasView
from gencanvas.qt.history import HistoryEntry, HistoryStrip
from gencanvas.qt.plugin_panel import PluginPanel
from gencanvas.qt.status import JobStatus
from gencanvas.qt.worker import GenerationWorker, JobOutcome

log = logging.getLogger(__name__)

LIVE_DEBOUNCE_MS = 120


class GenerationController(QObject):
    resultCommitted = Signal(object)  # HistoryEntry

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
        self._plugins: dict[str, Plugin] = {}
        self._jobs: dict[int, Job] = {}
        self._current_id: int | None = None
        self.last_error: str | None = None

        self.worker.jobStarted.connect(self._on_started)
        self.worker.frameReady.connect(self._on_frame)
        self.worker.jobFinished.connect(self._on_finished)
        self.worker.jobCancelled.connect(self._on_cancelled)
        self.worker.jobFailed.connect(self._on_failed)
        self.worker.jobDropped.connect(lambda job_id: self._jobs.pop(job_id, None))
        panel.generateRequested.connect(self.generate)
        panel.paramsChanged.connect(self._request_live)
        canvas.strokeFinished.connect(lambda _layer: self._request_live())
        status.cancel_button.clicked.connect(self.cancel)
        self._live_debounced = qdebounced(self._run_live, timeout=LIVE_DEBOUNCE_MS)
        self.worker.start()

    # ---- requests ----
    def generate(self) -> Job | None:
        """Generate with the panel's parameters; an unlocked seed is re-rolled first."""
        form = self.panel.current_form()
        if form.seed_widget is not None:
            form.seed_widget.seed_for_next_run()
        return self._submit(self.panel.current_plugin(), form.values(), popup_errors=True)

    def _request_live(self) -> None:
        if self.panel.live_enabled():
            self._live_debounced()

    def _run_live(self) -> None:
        if self.panel.live_enabled():  # the seed stays as shown: live edits must not flicker
            self._submit(self.panel.current_plugin(), self.panel.current_values(), popup_errors=False)

    def cancel(self) -> None:
        self.worker.cancel()

    def _plugin(self, plugin_type: type[Plugin]) -> Plugin:
        if plugin_type.id not in self._plugins:
            self._plugins[plugin_type.id] = plugin_type()
        return self._plugins[plugin_type.id]

    def _submit(self, plugin_type: type[Plugin], values: dict[str, Any], popup_errors: bool) -> Job | None:
        """Validate here, on the GUI thread, so bad parameters or an empty mask never reach the worker."""
        try:
            params = validate_params(plugin_type, values)
            inputs = self.canvas.plugin_inputs(plugin_type.inputs)
            job = job_for(self._plugin(plugin_type), params, inputs)
            check_inputs(job.plugin, inputs)
        except PluginError as exc:
            self._report_error(str(exc), popup=popup_errors)
            return None
        self._jobs[job.id] = job
        self._current_id = job.id
        self.worker.submit(job)
        return job

    # ---- worker events (GUI thread) ----
    def _on_started(self, job_id: int) -> None:
        job = self._jobs.get(job_id)
        if job is not None:
            self.status.running(job.plugin.title)

    def _on_frame(self) -> None:
        frame = self.worker.frames.take()
        if frame is None or frame.job_id != self._current_id:
            return
        self.canvas.show_frame(frame.image)
        self.status.step(frame.step, frame.total)

    def _on_finished(self, outcome: JobOutcome) -> None:
        self.worker.frames.take()  # a pending preview must not overwrite the final image
        job = self._jobs.pop(outcome.job.id, outcome.job)
        metadata = GenerationMetadata(
            plugin_id=job.plugin.id,
            params=job.params.model_dump(mode="json"),
            summary=job.plugin.describe_params(job.params),
            app_version=__version__,
        )
        entry = HistoryEntry(job.plugin.title, metadata, outcome.pixels, outcome.image)
        self.canvas.commit_result(outcome.image, text=f"Generate ({job.plugin.title})")
        self.history.add(entry)
        self.status.idle(" — ".join([f"{job.plugin.title}: done", *job.notices]))
        self.resultCommitted.emit(entry)

    def _on_cancelled(self, job_id: int) -> None:
        self._jobs.pop(job_id, None)
        if job_id == self._current_id:
            self.canvas.discard_preview()  # back to the last finished result
        self.status.idle("Cancelled")

    def _on_failed(self, job_id: int, message: str) -> None:
        self._jobs.pop(job_id, None)
        self.canvas.discard_preview()
        self._report_error(message, popup=True)

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
        return self.worker.shutdown()
