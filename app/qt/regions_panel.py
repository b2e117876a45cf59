"""The Regions panel: regional prompts, each a paintable region with its own prompt.

As in Krita AI Diffusion and InvokeAI, an artist adds a region, paints where it applies
with the Region brush and types what should be there; SD plugins that read regions then
follow each prompt inside its region and the plugin's own prompt elsewhere. Each row
shows the region's colour (click it to paint that region), its prompt, whether it is
shown over the canvas, and a delete button; the newest region is listed first, as the
top layer is in the Layers panel. The panel only mirrors
:class:`~gencanvas.qt.canvas.regions.Regions` (``changed``, ``selectionChanged``), so undo,
an opened project and the panel never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFocusEvent, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gencanvas.qt.canvas import CanvasView, Tool

SWATCH_SIDE = 18


class PromptEdit(QLineEdit):
    """A one-line prompt that says when it gets the focus (typing in a row selects its region)."""

    focused = Signal()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()


class RegionRow(QWidget):
    """One region: colour swatch (select), prompt, show, delete."""

    def __init__(self, key: int, color: QColor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"region_{key}")
        self.swatch = QToolButton()
        self.swatch.setCheckable(True)
        self.swatch.setToolTip("Paint this region with the Region brush")
        self.swatch.setIcon(_swatch_icon(color))
        self.prompt = PromptEdit()
        self.prompt.setPlaceholderText("What this region shows…")
        self.prompt.setToolTip("The prompt inside this region; the plugin's own prompt applies elsewhere")
        self.shown = QCheckBox()
        self.shown.setToolTip("Show this region over the canvas (a hidden region still guides generation)")
        self.delete = QToolButton()
        self.delete.setText("✕")
        self.delete.setToolTip("Delete this region")
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        for widget in (self.swatch, self.prompt, self.shown, self.delete):
            row.addWidget(widget)

    def set_selected(self, selected: bool) -> None:
        """The region the Region brush paints: checked swatch on a highlighted row."""
        self.swatch.blockSignals(True)
        self.swatch.setChecked(selected)
        self.swatch.blockSignals(False)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Highlight).lighter(160))
        self.setPalette(palette)
        self.setAutoFillBackground(selected)


def _swatch_icon(color: QColor) -> QIcon:
    pixmap = QPixmap(SWATCH_SIDE, SWATCH_SIDE)
    pixmap.fill(color)
    return QIcon(pixmap)


class RegionsPanel(QWidget):
    def __init__(self, canvas: CanvasView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("regionsPanel")
        self._canvas = canvas
        self._regions = canvas.regions
        self.rows: dict[int, RegionRow] = {}
        self.add_button = QPushButton("Add region")
        self.add_button.setObjectName("addRegion")
        self.add_button.setToolTip("Add a region with its own prompt and paint it with the Region brush (R)")
        self.add_button.clicked.connect(self.add_region)
        self._list = QVBoxLayout()
        self._list.setSpacing(2)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.add_button)
        layout.addLayout(self._list)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self._regions.changed.connect(self._sync)
        self._regions.selectionChanged.connect(self._show_selection)
        self._regions.visibilityChanged.connect(self._show_visibility)
        self._sync()

    def add_region(self) -> int:
        """Add a region, select it and pick the Region brush, ready to paint."""
        key = self._regions.add()
        self._canvas.set_tool(Tool.REGION_BRUSH)
        self.rows[key].prompt.setFocus()
        return key

    def _select(self, key: int) -> None:
        self._regions.select(key)
        self._show_selection(key)  # a click on the checked swatch unchecked it
        self._canvas.set_tool(Tool.REGION_BRUSH)

    def _commit_prompt(self, key: int) -> None:
        row = self.rows.get(key)
        if row is not None and key in self._regions.ordered_keys():
            self._regions.set_prompt(key, row.prompt.text())
            row.prompt.setModified(False)  # committed: undo may show other text in it again

    def _sync(self) -> None:
        """Rows for the current regions, newest first; prompts refreshed unless typed and not yet committed."""
        keys = self._regions.ordered_keys()
        for key in [key for key in self.rows if key not in keys]:
            row = self.rows.pop(key)
            self._list.removeWidget(row)
            row.hide()
            row.deleteLater()  # it may be sending the signal that got us here
        for index, key in enumerate(reversed(keys)):
            row = self.rows.get(key) or self._new_row(key)
            prompt = self._regions.prompt(key)
            if row.prompt.text() != prompt and not row.prompt.isModified():
                row.prompt.setText(prompt)
            self._list.insertWidget(index, row)
        self._show_selection(self._regions.selected)
        self.hint.setText(
            "Regions give parts of the picture their own prompt (SD plugins)."
            if keys
            else "No regions yet. Add one, paint it with the Region brush, and give it a prompt."
        )

    def _new_row(self, key: int) -> RegionRow:
        row = RegionRow(key, self._regions.color(key))
        row.swatch.clicked.connect(lambda _checked=False, key=key: self._select(key))
        row.prompt.focused.connect(lambda key=key: self._select(key))
        row.prompt.editingFinished.connect(lambda key=key: self._commit_prompt(key))
        row.shown.setChecked(self._regions.is_visible(key))
        row.shown.toggled.connect(lambda on, key=key: self._regions.set_visible(key, on))
        row.delete.clicked.connect(lambda _checked=False, key=key: self._regions.delete(key))
        self.rows[key] = row
        return row

    def _show_selection(self, selected: int | None) -> None:
        for key, row in self.rows.items():
            row.set_selected(key == selected)

    def _show_visibility(self, key: int, visible: bool) -> None:
        if key in self.rows:
            self.rows[key].shown.blockSignals(True)
            self.rows[key].shown.setChecked(visible)
            self.rows[key].shown.blockSignals(False)
