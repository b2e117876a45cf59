"""What the window knows about the open document: its project file, its name, unsaved changes.

The project file is the only file *Save* ever writes. An opened PNG/JPEG is remembered
only as the name the project started from (``image_name``): the first *Save* asks where
to put the project, so the photo is never written over. ``revision`` counts every change
(undo-stack moves and other edits such as a recovered canvas), so autosave can tell
whether anything changed since it last wrote.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from gencanvas.core.project_file import PROJECT_SUFFIX


class Document(QObject):
    changed = Signal()  # name or modified state changed: update the title

    def __init__(self, undo_stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._undo = undo_stack
        self.project_path: Path | None = None
        self.image_name: str | None = None  # the photo an untitled project started from
        self._extra_changes = False  # modified in a way the undo stack does not show
        self.revision = 0
        undo_stack.cleanChanged.connect(lambda _clean: self.changed.emit())
        undo_stack.indexChanged.connect(lambda _index: self._bump())

    def _bump(self) -> None:
        self.revision += 1

    def is_modified(self) -> bool:
        return self._extra_changes or not self._undo.isClean()

    def display_name(self) -> str:
        if self.project_path is not None:
            return self.project_path.name
        if self.image_name:
            return f"{Path(self.image_name).stem} (unsaved project)"
        return "Untitled"

    def suggested_path(self, folder: Path | None = None) -> Path:
        """Where the first Save proposes to put the project: next to the opened photo, never over it."""
        if self.project_path is not None:
            return self.project_path
        stem = Path(self.image_name).stem if self.image_name else "untitled"
        base = folder or (Path(self.image_name).parent if self.image_name else Path.home())
        return base / f"{stem}{PROJECT_SUFFIX}"

    def reset(self, *, project_path: Path | None = None, image_name: str | None = None, modified: bool) -> None:
        """A new document (New, Open, Recover); the caller has already cleared the undo stack."""
        self.project_path = project_path
        self.image_name = image_name
        self._extra_changes = modified
        self._bump()
        self.changed.emit()

    def mark_modified(self) -> None:
        """A change the undo stack does not record (e.g. a History entry restored from a file)."""
        self._extra_changes = True
        self._bump()
        self.changed.emit()

    def mark_saved(self, path: Path) -> None:
        self.project_path = Path(path)
        self._extra_changes = False
        self._undo.setClean()
        self.changed.emit()
