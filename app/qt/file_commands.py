"""File › New, Open, Save, Save As, Export and Open Recent: the rules that keep work safe.

- *Save* and *Save As* write only the project (``.ora``): layers, History, parameters.
  Opening a PNG/JPEG starts an untitled project, so the first *Save* asks where to put
  it and the photo is never written over. *Export* is the explicit way to write a
  flattened PNG/JPEG/WebP with metadata, and it asks before replacing a file.
- Anything that replaces the canvas (New, Open, Open Recent, a dropped file, Quit) asks
  Save / Discard / Cancel while there are unsaved changes.
- Opening clears the undo stack, so Undo can never show one file's pixels under
  another file's name (open A, open B, undo, save would otherwise overwrite B with A).
- A failed write (disk full, read-only folder) is one sentence; the previous file and
  the canvas are untouched.

Every command has a dialog-free form (``open_path``, ``save_to``, ``export_to``) that the
dialogs wrap, so tests drive exactly what the menu does. The dialogs themselves are
attributes of the window (``ask_unsaved``, ``ask_overwrite``) so tests can answer them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from gencanvas.core import image_io
from gencanvas.core.autosave import AutosaveRecord, move_aside
from gencanvas.core.image_io import ImageLoadError
from gencanvas.core.project_file import PROJECT_FILTER, PROJECT_SUFFIX, write_project
from gencanvas.core.project_reader import ProjectError, read_project
from gencanvas.core.recent import add_recent
from gencanvas.qt.canvas import Layer
from gencanvas.qt.canvas.layers import blank_image, conform_image
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array
from gencanvas.qt.project_io import ProjectHost, apply_project, capture

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import numpy as np

    from gencanvas.core.metadata import GenerationMetadata
    from gencanvas.qt.autosave_controller import AutosaveController
    from gencanvas.qt.status import JobStatus

EXPORT_FILTER = "PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)"
OPEN_FILTER = f"Projects and images (*{PROJECT_SUFFIX} {image_io.OPEN_FILTER.split('(')[1]}"
Answer = QMessageBox.StandardButton


def ask_unsaved_dialog(parent: QWidget) -> Answer:
    buttons = Answer.Save | Answer.Discard | Answer.Cancel
    return QMessageBox.question(parent, "GenCanvas", "The canvas has unsaved changes. Save them?", buttons)


def ask_overwrite_dialog(parent: QWidget, path: Path) -> bool:
    answer = QMessageBox.question(
        parent, "GenCanvas", f"“{path.name}” already exists. Replace it?", Answer.Yes | Answer.Cancel, Answer.Cancel
    )
    return answer == Answer.Yes


class FileHost(ProjectHost, Protocol):
    """What the file commands use of the window."""

    status: JobStatus
    autosave: AutosaveController
    result_metadata: GenerationMetadata | None
    result_pixels: np.ndarray | None
    ask_unsaved: Callable[[QWidget], Answer]
    ask_overwrite: Callable[[QWidget, Path], bool]

    @property
    def qt_window(self) -> QWidget: ...

    def show_error(self, message: str) -> None: ...

    def forget_result(self) -> None: ...


class FileCommands:
    def __init__(self, window: FileHost) -> None:
        self.window = window

    # ---- asking before the canvas is replaced ----
    def confirm_discard(self) -> bool:
        """Save / Discard / Cancel when there are unsaved changes; True when it is fine to go on."""
        window = self.window
        if not window.document.is_modified():
            return True
        answer = window.ask_unsaved(window.qt_window)
        if answer == Answer.Cancel:
            return False
        if answer == Answer.Save:
            return self.save()
        window.autosave.remove()  # explicitly discarded: nothing to recover later
        return True

    # ---- new and open ----
    def new_document(self, width: int, height: int, *, ask: bool = True) -> bool:
        if ask and not self.confirm_discard():
            return False
        window = self.window
        window.autosave.remove()
        window.canvas.new_document(width, height)
        window.history.clear()
        window.forget_result()
        window.document.reset(modified=False)
        window.canvas.zoom_to_fit()
        return True

    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a project, or an image as the photo of a new untitled project."""
        path = Path(path)
        if ask and not self.confirm_discard():
            return False
        if path.suffix.lower() == PROJECT_SUFFIX:
            return self._open_project(path)
        return self._open_image(path)

    def _open_project(self, path: Path) -> bool:
        window = self.window
        try:
            project = read_project(path)
        except ProjectError as error:
            window.show_error(str(error))
            return False
        window.autosave.remove()
        notices = apply_project(window, project, f"“{path.name}”")
        window.forget_result()
        window.document.reset(project_path=None if project.foreign else path, image_name=str(path), modified=False)
        window.canvas.zoom_to_fit()
        add_recent(path)
        self._report(f"Opened {path.name}", notices)
        return True

    def _open_image(self, path: Path) -> bool:
        window = self.window
        try:
            loaded = image_io.load_image(path)
        except ImageLoadError as error:
            window.show_error(str(error))
            return False
        window.autosave.remove()
        photo = qimage_from_array(loaded.rgb)
        size = photo.size()
        images = {layer: blank_image(size, layer) for layer in Layer}
        images[Layer.PHOTO] = conform_image(photo, size, Layer.PHOTO)
        window.canvas.load_document(size.width(), size.height(), images)
        window.history.clear()
        window.forget_result()
        window.document.reset(image_name=str(path), modified=False)
        window.canvas.zoom_to_fit()
        add_recent(path)
        window.status.idle(f"Opened {path.name}: {size.width()}×{size.height()}")
        if loaded.metadata is not None:
            window.panel.offer_restore(loaded.metadata)
        return True

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self.window.qt_window, "Open", "", OPEN_FILTER)
        if path:
            self.open_path(path, ask=False)

    # ---- save (the project) ----
    def save(self) -> bool:
        document = self.window.document
        if document.project_path is not None:
            return self.save_to(document.project_path)
        return self.save_as_dialog()

    def save_as_dialog(self) -> bool:
        start = str(self.window.document.suggested_path())
        path, _ = QFileDialog.getSaveFileName(self.window.qt_window, "Save project", start, PROJECT_FILTER)
        return bool(path) and self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        """Write the project to ``path`` (``.ora`` is added when missing); never touches an opened image."""
        window = self.window
        path = Path(path)
        if path.suffix.lower() != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        try:
            write_project(path, capture(window)(), history_limit=window.settings.history_limit)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            window.show_error(f"Could not save {path.name}: {reason}. The canvas and any earlier file are unchanged.")
            return False
        window.document.mark_saved(path)
        window.autosave.remove()
        add_recent(path)
        results, limit = window.history.count(), window.settings.history_limit
        kept = f" (it keeps the newest {limit} of {results} History results)" if results > limit else ""
        window.status.idle(f"Saved {path.name}{kept}")
        return True

    # ---- export (a flattened image) ----
    def export_dialog(self, layer: Layer | None = None, title: str = "Export image") -> bool:
        start = self.window.document.suggested_path().with_suffix(".png")
        options = QFileDialog.Option.DontConfirmOverwrite  # export_to asks, the same way for every caller
        path, _ = QFileDialog.getSaveFileName(self.window.qt_window, title, str(start), EXPORT_FILTER, "", options)
        return bool(path) and self.export_to(path if Path(path).suffix else f"{path}.png", layer=layer)

    def export_to(self, path: str | Path, *, layer: Layer | None = None, ask: bool = True) -> bool:
        """Write the flattened canvas (or one layer) as PNG/JPEG/WebP with the generation parameters."""
        window = self.window
        path = Path(path)
        if ask and path.exists() and not window.ask_overwrite(window.qt_window, path):
            return False
        if layer is Layer.MASK:
            pixels = window.canvas.mask_array().astype("uint8") * 255
            pixels, metadata = pixels[..., None].repeat(3, axis=2), None
        else:
            image = window.canvas.layer_image(layer) if layer is not None else window.canvas.composite()
            pixels, metadata = array_from_qimage(image, 4 if layer is not None else 3), window.result_metadata
        try:
            image_io.save_image(path, pixels, metadata)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            window.show_error(f"Could not export {path.name}: {reason}. The canvas and any earlier file are unchanged.")
            return False
        window.status.idle(f"Exported {path.name}")
        return True

    # ---- crash recovery ----
    def recover(self, record: AutosaveRecord) -> bool:
        """Restore an autosave's layers, History and parameters; a damaged one is moved aside."""
        window = self.window
        try:
            project = read_project(record.path)
        except ProjectError as error:
            try:
                where = f" It was moved to {move_aside(record).parent}."
            except OSError:
                where = ""
            window.show_error(f"Could not recover “{record.name}”: {error}{where}")
            return False
        notices = apply_project(window, project, f"“{record.name}”")
        window.forget_result()
        source = Path(record.source) if record.source else None
        is_project = source is not None and source.suffix.lower() == PROJECT_SUFFIX
        window.document.reset(
            project_path=source if is_project else None,
            image_name=None if is_project else record.source,
            modified=True,
        )
        window.autosave.adopt(record)
        window.canvas.zoom_to_fit()
        self._report(f"Recovered {record.name}", notices)
        return True

    def _report(self, text: str, notices: list[str]) -> None:
        if notices:
            self.window.status.idle(" ".join(notices))
        else:
            self.window.status.idle(text)
