"""The GenCanvas main window: canvas in the centre, plugin panel and history docked.

The window composes the pieces; generation is delegated to :class:`GenerationController`,
the file rules (project Save, Export, asking before the canvas is replaced, recovery)
to :class:`FileCommands`, autosave to :class:`AutosaveController`. Every file operation
has a dialog-free method (``open_path``, ``save_to``…) that the dialog wraps, so tests
and the self-test drive exactly what the menu does. Menus and dialogs see the window
only through the protocols of :mod:`gencanvas.qt.window_host`, which it implements.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QImage
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMessageBox, QWidget
from superqt import QLabeledSlider

from gencanvas.core import image_io
from gencanvas.core.autosave import AutosaveRecord, list_autosaves
from gencanvas.core.image_io import ImageLoadError
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.plugin_api import Plugin
from gencanvas.core.settings import Settings, save_settings
from gencanvas.qt import model_drop
from gencanvas.qt.actions import build_menus
from gencanvas.qt.autosave_controller import AutosaveController
from gencanvas.qt.canvas import CanvasView, Layer
from gencanvas.qt.document import Document
from gencanvas.qt.file_commands import FileCommands, ask_overwrite_dialog, ask_unsaved_dialog
from gencanvas.qt.generation import GenerationController
from gencanvas.qt.history import HistoryEntry, HistoryStrip
from gencanvas.qt.layers_panel import LayersPanel
from gencanvas.qt.plugin_panel import PluginPanel
from gencanvas.qt.recovery_dialog import RecoveryDialog
from gencanvas.qt.regions_panel import RegionsPanel
from gencanvas.qt.status import JobStatus

log = logging.getLogger(__name__)


def choose_recovery_dialog(parent: QWidget, records: list[AutosaveRecord]) -> AutosaveRecord | None:
    dialog = RecoveryDialog(records, parent)
    dialog.exec()
    return dialog.chosen


class MainWindow(QMainWindow):
    def __init__(self, plugins: dict[str, type[Plugin]], settings: Settings) -> None:
        super().__init__()
        self.setObjectName("GenCanvasMainWindow")
        self.setWindowTitle("GenCanvas")
        self.resize(1280, 860)
        self.settings = settings
        self.result_metadata: GenerationMetadata | None = None
        self.result_pixels: np.ndarray | None = None  # the last result as the plugin made it (File › Export animation)
        self.plugin_failures: dict[str, str] = {}
        self.ask_unsaved: Callable[[QWidget], QMessageBox.StandardButton] = ask_unsaved_dialog
        self.ask_overwrite: Callable[[QWidget, Path], bool] = ask_overwrite_dialog
        self.choose_recovery: Callable[[QWidget, list[AutosaveRecord]], AutosaveRecord | None] = choose_recovery_dialog
        self._terminating = False
        self._device_checked = False

        self.canvas = CanvasView()
        self.canvas.setObjectName("canvas")
        self.setCentralWidget(self.canvas)
        self.panel = PluginPanel(plugins)
        self.panel_dock = self._dock("Generators", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.history = HistoryStrip()
        self.history.limit = 1 << 62  # History is bounded when a project is written (Settings), never while working
        self.history_dock = self._dock("History", self.history, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.layers_panel = LayersPanel(self.canvas)
        self.layers_dock = self._dock("Layers", self.layers_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.regions_panel = RegionsPanel(self.canvas)
        self.regions_dock = self._dock("Regions", self.regions_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.status = JobStatus(self.statusBar())
        self.generation = GenerationController(self.canvas, self.panel, self.status, self.history, settings, self)
        self.brush_size_slider = self._brush_size_slider()
        self.document = Document(self.canvas.undo_stack, self)
        self.autosave = AutosaveController(self, self)
        self.files = FileCommands(self)

        self.actions_by_name = build_menus(self)
        self.generation.resultCommitted.connect(self._on_result)
        self.history.entryActivated.connect(self.restore_history_entry)
        self.panel.paramsRefused.connect(self.status.failed)
        self.autosave.failed.connect(self.status.failed)
        self.canvas.filesDropped.connect(lambda p: model_drop.add_dropped_models(self, p) or self.open_path(p[0]))
        model_drop.connect(self)
        self.canvas.imageDropped.connect(lambda image: self.set_photo(image, "Drop image"))
        self.document.changed.connect(self._update_title)
        self.canvas.documentResized.connect(lambda _w, _h: self.canvas.zoom_to_fit())
        self.files.new_document(512, 512, ask=False)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _brush_size_slider(self) -> QLabeledSlider:
        """The toolbar's brush size; the bigger/smaller-brush shortcuts move it, so both stay in step."""
        size = QLabeledSlider(Qt.Orientation.Horizontal)
        size.setObjectName("brushSize")
        size.setRange(1, 256)
        size.setValue(self.canvas.brush_size)
        size.setMaximumWidth(200)
        size.valueChanged.connect(self.canvas.set_brush_size)
        return size

    @property
    def qt_window(self) -> QMainWindow:
        return self

    def _update_title(self) -> None:
        dirty = " •" if self.document.is_modified() else ""
        self.setWindowTitle(f"{self.document.display_name()}{dirty} — GenCanvas")

    @property
    def document_path(self) -> Path | None:
        """The project file, else the image the untitled project started from (for dialogs' start paths)."""
        document = self.document
        return document.project_path or (Path(document.image_name) if document.image_name else None)

    def show_error(self, message: str) -> None:
        self.status.report_error(message, self)

    def forget_result(self) -> None:
        self.result_metadata = None
        self.result_pixels = None

    # ---- document (the rules live in FileCommands) ----
    def new_document(self, width: int, height: int) -> None:
        self.files.new_document(width, height)

    def open_path(self, path: str | Path) -> bool:
        """Open a project, or an image as a new untitled project (asks first when there are unsaved changes)."""
        return self.files.open_path(path)

    def open_dialog(self) -> None:
        self.files.open_dialog()

    def save(self) -> bool:
        return self.files.save()

    def save_as_dialog(self) -> bool:
        return self.files.save_as_dialog()

    def export_dialog(self, layer: Layer | None = None, title: str = "Export image") -> bool:
        return self.files.export_dialog(layer, title)

    def save_to(self, path: str | Path, *, layer: Layer | None = None) -> bool:
        """``.ora`` saves the project; an image suffix exports (never changing which file Save writes)."""
        if layer is None and Path(path).suffix.lower() not in image_io.SUPPORTED_SAVE_SUFFIXES:
            return self.files.save_to(path)
        return self.files.export_to(path, layer=layer)

    def set_photo(self, image: QImage, text: str) -> bool:
        """A pasted or dropped picture becomes the photo (undoably); one size limit for every way in."""
        try:
            image_io.check_size(image.width(), image.height(), f"The {text.lower()}")
        except ImageLoadError as exc:
            self.show_error(str(exc))
            return False
        self.canvas.replace_photo(image)
        self.forget_result()
        self.status.idle(f"{text}: {image.width()}×{image.height()}")
        return True

    def paste(self) -> bool:
        image = QApplication.clipboard().image()
        if image.isNull():
            self.status.failed("The clipboard holds no image.")
            return False
        return self.set_photo(image, "Pasted image")

    # ---- crash recovery ----
    def offer_recovery(self, records: list[AutosaveRecord] | None = None) -> bool:
        """Offer the autosaves a crash left behind; True when one was recovered."""
        records = list_autosaves() if records is None else records
        records = [record for record in records if record.path != self.autosave.slot.path]
        if not records:
            return False
        chosen = self.choose_recovery(self, records)
        return chosen is not None and self.files.confirm_discard() and self.files.recover(chosen)

    # ---- results and history ----
    def _on_result(self, entry: HistoryEntry) -> None:
        self.result_metadata = entry.metadata
        self.result_pixels = entry.pixels
        self._say_if_device_fell_back()
        self.autosave.autosave_if_changed()  # a finished generation is worth keeping at once

    def _say_if_device_fell_back(self) -> None:
        """A chosen accelerator that is absent is said once, after a job that loaded torch (never loaded here)."""
        if self.settings.device in ("cuda", "mps") and not self._device_checked and "torch" in sys.modules:
            self._device_checked = True
            from gencanvas.core.devices import fallback_notice

            notice = fallback_notice(self.settings.device)
            if notice:
                self.status.idle(f"{self.status.message.text()} — {notice}")

    def restore_history_entry(self, entry: HistoryEntry) -> None:
        """Show the entry's image as the result and put its parameters back in the panel."""
        self.canvas.commit_result(entry.image, text="Restore from history")
        self.result_metadata = entry.metadata
        self.result_pixels = entry.pixels
        if entry.metadata.plugin_id in self.panel.plugins:
            self.panel.restore(entry.metadata.plugin_id, entry.metadata.params)

    def apply_settings(self, settings: Settings) -> None:
        save_settings(settings)
        self.generation.apply_device(settings.device, settings.precision)
        self._device_checked = False
        self.autosave.timer.setInterval(settings.autosave_seconds * 1000)
        self.settings = settings

    # ---- shutdown ----
    def terminate(self) -> None:
        """SIGTERM (logout, shutdown): keep unsaved work as an autosave to recover, quit without asking."""
        self._terminating = True
        if self.document.is_modified() and not self.autosave.write_now():
            log.warning("the autosave before quitting did not complete")
        self.close()
        QApplication.quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._terminating and not self.files.confirm_discard():
            event.ignore()
            return
        if not self._terminating:
            self.autosave.remove()  # saved or discarded: a clean exit leaves nothing to recover
        self.autosave.close()
        self.generation.shutdown()
        event.accept()
