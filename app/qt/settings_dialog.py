"""The Settings dialog, built from the same declaration that validates and stores settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gencanvas.core.settings import Settings, plugins_dir
from gencanvas.qt.model_manager import refresh_model_lists
from gencanvas.qt.param_form import ParamForm

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.qt.window_host import SettingsHost


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.form = ParamForm(Settings, settings.model_dump())
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(self._plugins_folder_row())
        layout.addWidget(QLabel("Device and precision apply from the next job; the theme from the next start."))
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.result_settings: Settings | None = None

    def _plugins_folder_row(self) -> QHBoxLayout:
        """Where to drop plugin wheels and folders; fixed (GENCANVAS_HOME moves it), so shown read-only."""
        self.plugins_folder = QLineEdit(str(plugins_dir()), readOnly=True)
        self.plugins_folder.setToolTip("Drop a plugin wheel (.whl) or folder here; it loads at the next start.")
        open_button = QPushButton("Open folder")
        open_button.clicked.connect(self.open_plugins_folder)
        row = QHBoxLayout()
        row.addWidget(QLabel("Plugins folder"))
        row.addWidget(self.plugins_folder, 1)
        row.addWidget(open_button)
        return row

    def open_plugins_folder(self) -> bool:
        folder = plugins_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

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
            old = window.settings.model_folders(), window.settings.allow_ckpt
            window.apply_settings(dialog.result_settings)
            if (dialog.result_settings.model_folders(), dialog.result_settings.allow_ckpt) != old:
                refresh_model_lists(window.qt_window)
