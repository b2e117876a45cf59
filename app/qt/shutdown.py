"""SIGTERM (logout, system shutdown, ``kill``) goes through the autosave path, not around it.

Qt's event loop runs in C++, so a Python signal handler alone would only run at the next
Python callback. The signal's number is written to a socket (``signal.set_wakeup_fd``)
that a ``QSocketNotifier`` watches: the GUI thread wakes at once and calls
``on_terminate`` (the window writes its autosave synchronously and quits without a
dialog nobody is there to answer).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger(__name__)


class TerminationHandler(QObject):
    def __init__(self, on_terminate: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_terminate = on_terminate
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous_handler = signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._wake)

    def _wake(self) -> None:
        try:
            data = self._reader.recv(64)
        except OSError:
            return
        if signal.SIGTERM in data:
            log.info("SIGTERM received: autosaving and quitting")
            self._on_terminate()

    def uninstall(self) -> None:
        self._notifier.setEnabled(False)
        signal.signal(signal.SIGTERM, self._previous_handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()


def install_termination_handler(
    on_terminate: Callable[[], None], parent: QObject | None = None
) -> TerminationHandler | None:
    """Route SIGTERM to ``on_terminate`` on the GUI thread; None where signals do not apply (Windows)."""
    if os.name == "nt":  # pragma: no cover - Windows ends GUI apps with window messages instead
        return None
    try:
        return TerminationHandler(on_terminate, parent)
    except ValueError:  # not the main thread: signals cannot be installed here
        return None
