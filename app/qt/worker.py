"""The one long-lived generation thread.

It owns the :class:`JobRunner` (and so the loaded models), runs one job at a time, and
talks to the GUI only through two latest-wins slots and queued signals:

* requests: ``submit`` replaces any job still waiting, so a burst of requests becomes a
  handful of renders and the last one always runs (live mode goes further and submits
  only when the previous frame is done, see app/core/live_policy.py);
* frames: each frame is converted to a QImage *here*, off the GUI thread, and dropped
  into a slot; ``frameReady`` is emitted only when the slot was empty, so the GUI event
  queue never fills with stale frames and the GUI never waits on the worker.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from gencanvas.core.jobs import Job, JobRunner, LatestSlot, user_message
from gencanvas.core.plugin_api import JobCancelled, PluginError
from gencanvas.qt.image_convert import qimage_from_array

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamFrame:
    job_id: int
    image: QImage
    step: int
    total: int


@dataclass(frozen=True)
class JobOutcome:
    job: Job
    pixels: np.ndarray  # the finished RGB uint8 image, kept for saving with metadata
    image: QImage


class GenerationWorker(QThread):
    jobStarted = Signal(int)
    frameReady = Signal()
    jobFinished = Signal(object)  # JobOutcome
    jobCancelled = Signal(int)
    jobFailed = Signal(int, str)
    jobDropped = Signal(int)  # a waiting job replaced by a newer request

    live_workers: ClassVar[weakref.WeakSet[GenerationWorker]] = weakref.WeakSet()

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GenerationWorker")
        self.runner = runner
        self.frames: LatestSlot[StreamFrame] = LatestSlot()
        self._requests: LatestSlot[Job] = LatestSlot()
        self._wake = threading.Condition()
        self._stopping = False
        self._current: Job | None = None
        GenerationWorker.live_workers.add(self)

    # ---- GUI-thread API (never blocks for longer than a lock) ----
    def submit(self, job: Job) -> None:
        with self._wake:
            dropped = self._requests.put(job)
            self._wake.notify()
        if dropped is not None:
            self.jobDropped.emit(dropped.id)

    def cancel(self) -> None:
        """Cancel the running job (at its next step) and forget any waiting one."""
        with self._wake:
            waiting = self._requests.take()
            current = self._current
        if current is not None:
            current.cancel()
        if waiting is not None:
            self.jobDropped.emit(waiting.id)

    @property
    def busy(self) -> bool:
        return self._current is not None

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel, stop the loop and wait for the thread; True when it ended in time."""
        with self._wake:
            self._stopping = True
            self._requests.take()
            if self._current is not None:
                self._current.cancel()
            self._wake.notify()
        return self.wait(timeout_ms) if self.isRunning() else True

    # ---- worker thread ----
    def run(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and (job := self._requests.take()) is None:
                    self._wake.wait()
                if self._stopping:
                    return
                assert job is not None  # the wait above ends only with a job or a stop
                self._current = job
            try:
                self._run_one(job)
            finally:
                with self._wake:
                    self._current = None

    def _run_one(self, job: Job) -> None:
        self.jobStarted.emit(job.id)

        def sink(frame: np.ndarray, step: int, total: int) -> None:
            stream_frame = StreamFrame(job.id, qimage_from_array(frame), step, total)
            if self.frames.put(stream_frame) is None:
                self.frameReady.emit()

        try:
            pixels = self.runner.run(job, sink)
        except JobCancelled:
            self.jobCancelled.emit(job.id)
        except PluginError as exc:  # the artist's input, not a bug: no traceback in the log
            log.info("job %s (%s) refused: %s", job.id, job.plugin.id, exc)
            self.jobFailed.emit(job.id, str(exc))
        except BaseException as exc:  # every failure reaches the user; the thread lives on
            log.exception("job %s (%s) failed", job.id, job.plugin.id)
            self.jobFailed.emit(job.id, user_message(exc, job.plugin))
        else:
            self.jobFinished.emit(JobOutcome(job, pixels, qimage_from_array(pixels)))
