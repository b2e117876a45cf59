"""After a crash: offer each autosave left behind, with its thumbnail, time and name.

The dialog only chooses; :meth:`FileCommands.recover` does the work. *Discard* deletes
the chosen autosave, *Later* keeps them all for the next launch (File › Recover
autosaves… shows the dialog again).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from gencanvas.core.autosave import AutosaveRecord, discard

THUMB = 96


class RecoveryDialog(QDialog):
    def __init__(self, records: list[AutosaveRecord], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("Recover unsaved work")
        self.chosen: AutosaveRecord | None = None
        self.list = QListWidget()
        self.list.setObjectName("recoveryList")
        self.list.setIconSize(QSize(THUMB, THUMB))
        for record in records:
            self.list.addItem(_item(record))
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox()
        self.recover_button = buttons.addButton("Recover", QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = buttons.addButton("Discard", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.later_button = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        self.recover_button.clicked.connect(self.recover_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.later_button.clicked.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.recover_selected())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("GenCanvas did not close normally. This unsaved work was autosaved:", wordWrap=True))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def selected(self) -> AutosaveRecord | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def recover_selected(self) -> None:
        self.chosen = self.selected()
        if self.chosen is not None:
            self.accept()

    def discard_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        discard(record)
        self.list.takeItem(self.list.currentRow())
        if self.list.count() == 0:
            self.reject()


def _item(record: AutosaveRecord) -> QListWidgetItem:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.saved_at))
    item = QListWidgetItem(f"{record.name}\nautosaved {when}")
    pixmap = QPixmap()
    data = record.thumbnail_png()
    if data and pixmap.loadFromData(data):
        item.setIcon(QIcon(pixmap))
    item.setToolTip(str(record.path))
    item.setData(Qt.ItemDataRole.UserRole, record)
    return item
