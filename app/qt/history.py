"""The history strip: every finished result with the parameters that made it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from gencanvas.core.metadata import GenerationMetadata

THUMB = 72


@dataclass(frozen=True)
class HistoryEntry:
    plugin_title: str
    metadata: GenerationMetadata  # plugin id, parameters (seed included) and summary
    pixels: np.ndarray
    image: QImage
    job_id: int = 0  # the job that made it: the self-test matches its own result by this


class HistoryStrip(QListWidget):
    """Newest first; clicking an entry asks the window to restore its image and parameters."""

    entryActivated = Signal(object)  # HistoryEntry

    def __init__(self, parent: QWidget | None = None, limit: int = 200) -> None:
        super().__init__(parent)
        self.setObjectName("historyStrip")
        self.limit = limit
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setFixedHeight(THUMB + 36)
        self.setMovement(QListView.Movement.Static)
        self.itemClicked.connect(lambda item: self.entryActivated.emit(item.data(Qt.ItemDataRole.UserRole)))

    def add(self, entry: HistoryEntry) -> None:
        item = QListWidgetItem()
        self._show(item, entry)
        self.insertItem(0, item)
        while self.count() > self.limit:  # bound memory: full-size images are kept per entry
            self.takeItem(self.count() - 1)

    def replace_newest(self, entry: HistoryEntry) -> None:
        """Put ``entry`` in place of the newest one: a live interaction keeps one entry, its latest result."""
        if self.count() == 0:
            self.add(entry)
        else:
            self._show(self.item(0), entry)

    def _show(self, item: QListWidgetItem, entry: HistoryEntry) -> None:
        thumb = entry.image.scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        item.setIcon(QIcon(QPixmap.fromImage(thumb)))
        item.setToolTip(entry.metadata.summary)
        item.setData(Qt.ItemDataRole.UserRole, entry)

    def entry(self, row: int) -> HistoryEntry:
        return self.item(row).data(Qt.ItemDataRole.UserRole)
