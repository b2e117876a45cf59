"""The Settings dialog, built from the same declaration that validates and stores settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from gencanvas.core.settings import Settings
from gencanvas.qt.param_form import ParamForm

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.qt.window_host import SettingsHost


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.form = ParamForm(Settings, settings.model_dump())
        self.error = QLabel(styleSheet="color: #c62828;", wordWrap=True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(QLabel("Device and precision apply from the next job; the theme from the next start."))
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.result_settings: Settings | None = None

    def accept(self) -> None:
        try:
            self.result_settings = Settings(**self.form.values())
        except ValidationError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()

    @classmethod
    def edit(cls, window: SettingsHost) -> None:
        """Show the dialog over ``window``; accepted settings go to ``window.apply_settings``."""
        dialog = cls(window.settings, window.qt_window)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_settings is not None:
            window.apply_settings(dialog.result_settings)
