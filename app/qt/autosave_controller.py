"""Autosave in the window: a timer, a write after each finished generation, and crash cleanup.

The GUI thread only calls :func:`gencanvas.qt.project_io.capture` (shared copies of the
layers); encoding and writing run on :class:`gencanvas.core.autosave.AutosaveWriter`'s
thread. Failures (disk full, read-only folder) become one status-bar sentence; the
previous autosave stays as it was. ``remove`` is for a clean exit or a discarded canvas;
``write_now`` is the blocking flush used on SIGTERM and before quitting with unsaved work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from gencanvas.core.autosave import AutosaveRecord, AutosaveSlot, AutosaveWriter
from gencanvas.qt.project_io import ProjectHost, capture

log = logging.getLogger(__name__)


class AutosaveController(QObject):
    saved = Signal(str)  # path of the autosave just written
    failed = Signal(str)  # one sentence for the status bar

    def __init__(self, window: ProjectHost, parent: QObject | None = None, slot: AutosaveSlot | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self.slot = slot or AutosaveSlot()
        self._written_revision: int | None = None
        self._writer = AutosaveWriter(self._finished)
        self.timer = QTimer(self)
        self.timer.setObjectName("autosaveTimer")
        self.timer.setInterval(window.settings.autosave_seconds * 1000)
        self.timer.timeout.connect(self.autosave_if_changed)
        self.timer.start()

    def adopt(self, record: AutosaveRecord) -> None:
        """Continue writing into a recovered autosave, so a second crash still has it."""
        self._writer.flush()
        if record.path != self.slot.path:
            self.slot.remove()
        self.slot = AutosaveSlot(record.path.parent, record.slot_id)
        self.slot.claim(name=record.name, source=record.source)

    def autosave_if_changed(self) -> bool:
        """Submit a background autosave when the document has changes not yet autosaved."""
        document = self._window.document
        if not document.is_modified() or document.revision == self._written_revision:
            return False
        self.submit()
        return True

    def submit(self) -> None:
        """Capture now (GUI thread, cheap) and write on the autosave thread."""
        job = self._job()
        self._writer.submit(job)

    def write_now(self, timeout: float = 30.0) -> bool:
        """Autosave synchronously (SIGTERM, logout): True once the file is on disk."""
        if not self._window.document.is_modified():
            return True
        self.submit()
        return self._writer.flush(timeout) and self._written_revision == self._window.document.revision

    def flush(self, timeout: float | None = None) -> bool:
        return self._writer.flush(timeout)

    def remove(self) -> None:
        """Delete this canvas's autosave: it was saved, or its changes were discarded."""
        self._writer.flush()
        self.slot.remove()
        self._written_revision = None

    def close(self) -> None:
        self.timer.stop()
        self._writer.close(30)

    def _job(self) -> Callable[[], int]:
        window = self._window
        build = capture(window)
        revision = window.document.revision
        name = window.document.display_name()
        path = window.document.project_path
        source = str(path) if path else window.document.image_name
        slot, limit = self.slot, window.settings.history_limit

        def write() -> int:
            slot.write(build(), name=name, source=source, history_limit=limit)
            return revision

        return write

    def _finished(self, result: object, error: BaseException | None) -> None:
        """Runs on the writer thread: record the revision, report through queued signals."""
        if error is None and isinstance(result, int):
            self._written_revision = result
            self.saved.emit(str(self.slot.path))
        elif error is not None:
            reason = getattr(error, "strerror", None) or str(error)
            self.failed.emit(f"Autosave failed ({reason}); your canvas is unchanged and the previous autosave is kept.")
