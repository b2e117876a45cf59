"""The model manager: the user's models with kind, base, size and name; Add… and Remove.

A thin window over ``gencanvas.models.sd.manage`` and ``scan`` (the code behind
``gencanvas models``), so the window and the command line identify, copy and delete
files the same way. Files passed over by the scan are listed below with the reason. After
every change :func:`refresh_model_lists` updates the drop-downs of every panel, no restart.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gencanvas.core.settings import Settings
from gencanvas.models.sd.importer import ModelInfo
from gencanvas.models.sd.manage import ModelFileError, add_model, inside, remove_model
from gencanvas.models.sd.scan import scan_folders
from gencanvas.qt.plugin_panel import PluginPanel

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.qt.window_host import SettingsHost

COLUMNS = ("Kind", "Base", "Size", "Name", "Folder")
# Plugin support modules that keep a list of the user's models for their drop-downs, by dotted
# name: only those already loaded have a list to forget.
MODEL_LISTS = ("gencanvas.plugins.sd_models_scan", "gencanvas.plugins.upscale_support")


def refresh_model_lists(window: QWidget | None) -> None:
    """Rescan the models for every drop-down and let ``window``'s panel show the new lists.

    Called after a model was added or removed and after Settings changed the folders; the
    panel rebuilds only the forms whose options changed, keeping their values.
    """
    for name in MODEL_LISTS:
        module = sys.modules.get(name)
        if module is not None:
            module.refresh()
    panel = getattr(window, "panel", None)
    if isinstance(panel, PluginPanel):
        panel.refresh_schemas()


def size_text(path: Path) -> str:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    total = float(sum(p.stat().st_size for p in files))
    for unit in ("B", "KB", "MB", "GB"):
        if total < 1024 or unit == "GB":
            return f"{total:.0f} {unit}" if unit == "B" else f"{total:.1f} {unit}"
        total /= 1024
    return ""


class ModelManager(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(760, 460)
        self.settings = settings
        self.models: list[ModelInfo] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.skipped = QListWidget()
        self.status = QLabel(wordWrap=True)
        self.link = QCheckBox("Link instead of copying")
        buttons = QHBoxLayout()
        for text, slot in (("Add file…", self.add_file), ("Add folder…", self.add_folder), ("Remove", self.remove)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addWidget(self.link)
        buttons.addStretch()
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Models folder: {settings.models_dir} (and the extra folders in Settings)"))
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel("Skipped files"))
        layout.addWidget(self.skipped, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        result = scan_folders(self.settings.model_folders(), self.settings.allow_ckpt)
        self.models = result.models
        self.table.setRowCount(len(self.models))
        for row, info in enumerate(self.models):
            cells = (info.kind_label, info.base, size_text(info.path), info.path.name, str(info.path.parent))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.skipped.clear()
        self.skipped.addItems([f"{s.path.name}: {s.reason}" for s in result.skipped])

    def add_path(self, path: Path) -> bool:
        """Identify and copy (or link) one file or folder; the outcome in the status line."""
        try:
            target = add_model(
                path, self.settings.models_dir, allow_ckpt=self.settings.allow_ckpt, link=self.link.isChecked()
            )
        except (ModelFileError, OSError) as exc:
            self.status.setText(str(exc))
            return False
        self.status.setText(f"Added {target.name} to {target.parent}.")
        self.reload()
        refresh_model_lists(self.parentWidget())
        return True

    def add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add model", "", "Models (*.safetensors *.ckpt *.pt *.pth *.bin)")
        if path:
            self.add_path(Path(path))

    def add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a diffusers model folder")
        if path:
            self.add_path(Path(path))

    def remove(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.models):
            return
        info = self.models[row]
        if not inside(info.path, self.settings.models_dir):
            self.status.setText(
                f"{info.path} is outside the models folder; GenCanvas reads it there and will not delete it."
            )
            return
        answer = QMessageBox.question(self, "Remove model", f"Delete {info.path}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            remove_model(info, self.settings.models_dir)
        except (ModelFileError, OSError) as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(f"Deleted {info.path.name}.")
        self.reload()
        refresh_model_lists(self.parentWidget())

    @classmethod
    def show_for(cls, window: SettingsHost) -> None:
        """Open over the studio window, with the folders of its current settings."""
        cls(window.settings, window.qt_window).exec()

    @classmethod
    def open_adding(cls, window: SettingsHost) -> ModelManager:
        """Open over the window (not blocking) and go straight to *Add file…*: the panel's *Add model…*."""
        dialog = cls(window.settings, window.qt_window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        dialog.add_file()
        return dialog
