"""Status-bar pieces: a message, a progress bar and the Cancel button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QPushButton, QStatusBar, QWidget


class JobStatus:
    """Owns the status-bar widgets; every job state change goes through one method here."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        # objectName and maximumWidth are Qt properties, set with setters: PySide6's stubs do not
        # list them as constructor keywords.
        self.message = QLabel("Ready")
        self.message.setObjectName("statusMessage")
        self.progress = QProgressBar(textVisible=True)
        self.progress.setObjectName("jobProgress")
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setShortcut("Esc")
        self.cancel_button.setToolTip("Cancel the running job (Esc)")
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self.idle("Ready")

    def running(self, title: str) -> None:
        self._set(f"{title}: starting…", busy=True)
        self.progress.setRange(0, 0)  # indeterminate until the first frame says how many steps

    def step(self, step: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(step)
        self.message.setText(f"Step {step}/{total}")

    def idle(self, text: str) -> None:
        self._set(text, busy=False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)

    def failed(self, text: str) -> None:
        self.idle(text)
        self.message.setStyleSheet("color: #c62828;")

    def report_error(self, text: str, parent: QWidget) -> None:
        """Status bar plus a non-modal box: the artist sees it, and nothing waits on it."""
        self.failed(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "GenCanvas", text, parent=parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _set(self, text: str, busy: bool) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
