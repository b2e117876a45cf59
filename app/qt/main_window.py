"""The GenCanvas main window: canvas in the centre, plugin panel and history docked.

The window composes the pieces and owns document-level actions (new, open, save,
export, paste); generation is delegated to :class:`GenerationController`. Every file
operation has a dialog-free method (``open_path``, ``save_to``…) that the dialog wraps,
so tests and the self-test drive exactly what the menu does. Menus and dialogs see the
window only through the protocols of :mod:`gencanvas.qt.window_host`, which it implements.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QImage
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QMainWindow, QMessageBox
from superqt import QLabeledSlider

from gencanvas.core import image_io
from gencanvas.core.image_io import ImageLoadError
from gencanvas.core.metadata import GenerationMetadata
from gencanvas.core.plugin_api import Plugin
from gencanvas.core.settings import Settings, save_settings
from gencanvas.qt.actions import build_menus
from gencanvas.qt.canvas import CanvasView, Layer
from gencanvas.qt.generation import GenerationController
from gencanvas.qt.history import HistoryEntry, HistoryStrip
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array
from gencanvas.qt.plugin_panel import PluginPanel
from gencanvas.qt.status import JobStatus

log = logging.getLogger(__name__)

SAVE_FILTER = "PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)"


def ask_unsaved_dialog(parent: QMainWindow) -> QMessageBox.StandardButton:
    buttons = QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
    return QMessageBox.question(parent, "GenCanvas", "The canvas has unsaved changes. Save them?", buttons)


class MainWindow(QMainWindow):
    def __init__(self, plugins: dict[str, type[Plugin]], settings: Settings) -> None:
        super().__init__()
        self.setObjectName("GenCanvasMainWindow")
        self.setWindowTitle("GenCanvas")
        self.resize(1280, 860)
        self.settings = settings
        self.document_path: Path | None = None
        self.result_metadata: GenerationMetadata | None = None
        self.result_pixels: np.ndarray | None = None  # the last result as the plugin made it (File › Export animation)
        self.plugin_failures: dict[str, str] = {}
        self.ask_unsaved: Callable[[QMainWindow], QMessageBox.StandardButton] = ask_unsaved_dialog

        self.canvas = CanvasView()
        self.canvas.setObjectName("canvas")
        self.setCentralWidget(self.canvas)
        self.panel = PluginPanel(plugins)
        self.panel_dock = self._dock("Generators", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.history = HistoryStrip()
        self.history_dock = self._dock("History", self.history, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.status = JobStatus(self.statusBar())
        self.generation = GenerationController(self.canvas, self.panel, self.status, self.history, settings, self)
        self.brush_size_slider = self._brush_size_slider()

        self.actions_by_name = build_menus(self)
        self.generation.resultCommitted.connect(self._on_result)
        self.history.entryActivated.connect(self.restore_history_entry)
        self.canvas.filesDropped.connect(lambda paths: self.open_path(paths[0]))
        self.canvas.imageDropped.connect(lambda image: self.set_photo(image, "Drop image"))
        self.canvas.undo_stack.cleanChanged.connect(self._update_title)
        self.canvas.documentResized.connect(lambda _w, _h: self.canvas.zoom_to_fit())
        self.new_document(512, 512)

    def _dock(self, title: str, widget, area: Qt.DockWidgetArea) -> QDockWidget:
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

    def _update_title(self, clean: bool | None = None) -> None:
        name = self.document_path.name if self.document_path else "Untitled"
        clean = self.canvas.undo_stack.isClean() if clean is None else clean
        dirty = "" if clean else " •"
        self.setWindowTitle(f"{name}{dirty} — GenCanvas")

    def show_error(self, message: str) -> None:
        self.status.report_error(message, self)

    # ---- document ----
    def new_document(self, width: int, height: int) -> None:
        self.canvas.new_document(width, height)
        self.document_path = None
        self.result_metadata = None
        self.result_pixels = None
        self.canvas.zoom_to_fit()  # same size as before emits no resize, yet the view should fit
        self._update_title()

    def set_photo(self, image: QImage, text: str) -> None:
        self.canvas.replace_photo(image)
        self.result_metadata = None
        self.result_pixels = None
        self.status.idle(f"{text}: {image.width()}×{image.height()}")

    def open_path(self, path: str | Path) -> bool:
        """Load an image as the photo layer; offer its generation parameters if it has any."""
        try:
            loaded = image_io.load_image(path)
        except ImageLoadError as exc:
            self.show_error(str(exc))
            return False
        self.set_photo(qimage_from_array(loaded.rgb), f"Opened {Path(path).name}")
        self.document_path = Path(path)
        self._update_title()
        if loaded.metadata is not None:
            self.panel.offer_restore(loaded.metadata)
        return True

    def paste(self) -> bool:
        image = QApplication.clipboard().image()
        if image.isNull():
            self.status.failed("The clipboard holds no image.")
            return False
        self.set_photo(image, "Pasted image")
        return True

    def save_to(self, path: str | Path, *, layer: Layer | None = None) -> bool:
        """Write the flattened canvas (or one layer) with the generation parameters it came from."""
        path = Path(path)
        if layer is Layer.MASK:
            pixels = self.canvas.mask_array().astype("uint8") * 255
            pixels = pixels[..., None].repeat(3, axis=2)
            metadata = None
        else:
            image = self.canvas.layer_image(layer) if layer is not None else self.canvas.composite()
            pixels = array_from_qimage(image, 4 if layer is not None else 3)
            metadata = self.result_metadata
        try:
            image_io.save_image(path, pixels, metadata)
        except (OSError, ValueError) as exc:
            self.show_error(f"Could not save {path.name}: {exc}")
            return False
        if layer is None:
            self.document_path = path
            self.canvas.undo_stack.setClean()
            self._update_title()
        self.status.idle(f"Saved {path.name}")
        return True

    # ---- dialogs wrapping the methods above ----
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", image_io.OPEN_FILTER)
        if path:
            self.open_path(path)

    def save(self) -> None:
        if self.document_path and self.document_path.suffix.lower() in image_io.SUPPORTED_SAVE_SUFFIXES:
            self.save_to(self.document_path)
        else:
            self.save_as_dialog()

    def save_as_dialog(self, layer: Layer | None = None, title: str = "Save image") -> None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(self.document_path or "untitled.png"), SAVE_FILTER)
        if path:
            self.save_to(path if Path(path).suffix else f"{path}.png", layer=layer)

    # ---- results and history ----
    def _on_result(self, entry: HistoryEntry) -> None:
        self.result_metadata = entry.metadata
        self.result_pixels = entry.pixels

    def restore_history_entry(self, entry: HistoryEntry) -> None:
        """Show the entry's image as the result and put its parameters back in the panel."""
        self.canvas.commit_result(entry.image, text="Restore from history")
        self.result_metadata = entry.metadata
        self.result_pixels = entry.pixels
        self.panel.restore(entry.metadata.plugin_id, entry.metadata.params)

    def apply_settings(self, settings: Settings) -> None:
        save_settings(settings)
        self.generation.apply_device(settings.device, settings.precision)
        self.settings = settings

    # ---- shutdown ----
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.canvas.undo_stack.isClean():
            answer = self.ask_unsaved(self)
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                if not self.canvas.undo_stack.isClean():
                    event.ignore()
                    return
        self.generation.shutdown()
        event.accept()
