"""The panel's notice box: why the chosen plugin cannot run here, with a button that helps.

Shown under the plugin's description as soon as the plugin is chosen (rather than after
*Generate*), with the reason the plugin's ``unavailable()`` gives, e.g. no Stable Diffusion
checkpoint in the models folder and which files were passed over. The button is optional:
the panel offers *Add model…* for plugins that choose among the user's models.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class PluginNotice(QFrame):
    actionClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pluginNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(wordWrap=True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton()
        self.button.setObjectName("pluginNoticeAction")
        self.button.clicked.connect(self.actionClicked)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addLayout(row)
        self.hide()

    def show_reason(self, reason: str | None, action: str | None = None) -> None:
        """Show ``reason`` (hide the box when None) and a button labelled ``action``, if given."""
        self.setVisible(bool(reason))
        self.label.setText(reason or "")
        self.button.setVisible(bool(reason and action))
        self.button.setText(action or "")
