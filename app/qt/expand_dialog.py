"""Image › Expand canvas: the dialog, and applying ``gencanvas.core.expand`` to the canvas in one undo step.

The pixels work is the Qt-free core's; this module only asks for the margins (per side, or
to an aspect preset) and swaps the layers: the picture as seen (a result not yet applied
is applied to the photo first, not dropped) grows by repeating its border, the sketch and
the regional-prompt regions grow transparent (the new area belongs to no region), and the
mask becomes exactly the new area, so the next inpainting run fills it (outpainting).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from gencanvas.core.expand import MAX_SIDE, Margins, check_size, expand_canvas, expand_layer, margins_for_aspect
from gencanvas.core.plugin_api import InputKind, PluginError
from gencanvas.qt.canvas import CanvasView, Layer
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtWidgets import QMainWindow

    from gencanvas.qt.status import JobStatus

PRESETS = {"1:1": (1, 1), "4:3": (4, 3), "3:2": (3, 2), "16:9": (16, 9), "3:4": (3, 4), "2:3": (2, 3), "9:16": (9, 16)}
ANCHORS = ("center", "left", "right", "top", "bottom")
SIDES = ("left", "top", "right", "bottom")


class ExpandHost(Protocol):
    """What Expand canvas uses of the main window."""

    canvas: CanvasView
    status: JobStatus

    @property
    def qt_window(self) -> QMainWindow: ...

    def show_error(self, message: str) -> None: ...


def apply_expand(canvas: CanvasView, margins: Margins) -> None:
    """Grow every layer of ``canvas`` by ``margins`` as one undo step; raises PluginError beyond the limit."""
    width, height = canvas.document_size()
    check_size(width, height, margins)
    stack = canvas.undo_stack
    stack.beginMacro("Expand canvas")
    if array_from_qimage(canvas.layer_image(Layer.RESULT), 4)[..., 3].any():
        canvas.apply_result_to_photo("Expand canvas")  # grow the picture as seen, not the photo under a result
    inputs = canvas.plugin_inputs(frozenset({InputKind.IMAGE, InputKind.SKETCH}))
    assert inputs.image is not None and inputs.sketch is not None
    grown = expand_canvas({"image": inputs.image, "sketch": inputs.sketch}, margins, {"image": "edge"})
    regions = [expand_layer(canvas.regions.mask(key), margins) for key in canvas.regions.ordered_keys()]
    canvas.replace_photo(qimage_from_array(grown.layers["image"]), "Expand canvas")
    canvas.set_layer_image(Layer.SKETCH, qimage_from_array(grown.layers["sketch"]), "Expand canvas")
    canvas.set_layer_image(Layer.MASK, qimage_from_array(grown.mask), "Expand canvas")
    if regions:
        canvas.regions.replace_masks(regions, "Expand canvas")
    stack.endMacro()


class ExpandDialog(QDialog):
    """Pixels per side, or a preset aspect that fills them in."""

    def __init__(self, width: int, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Expand canvas")
        self._size = (width, height)
        form = QFormLayout(self)
        self.preset = QComboBox()
        self.preset.addItems(["Pixels per side", *PRESETS])
        self.anchor = QComboBox()
        self.anchor.addItems(ANCHORS)
        form.addRow("Aspect", self.preset)
        form.addRow("Keep the picture at", self.anchor)
        self.spins: dict[str, QSpinBox] = {}
        for side in SIDES:
            spin = QSpinBox(minimum=0, maximum=MAX_SIDE, singleStep=64, suffix=" px")
            spin.valueChanged.connect(self._update_summary)
            self.spins[side] = spin
            form.addRow(side.capitalize(), spin)
        self.summary = QLabel()
        form.addRow(self.summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.preset.currentTextChanged.connect(self._apply_preset)
        self.anchor.currentTextChanged.connect(lambda _: self._apply_preset(self.preset.currentText()))
        self._update_summary()

    def margins(self) -> Margins:
        return Margins(**{side: spin.value() for side, spin in self.spins.items()})

    def _apply_preset(self, name: str) -> None:
        if name in PRESETS:
            margins = margins_for_aspect(*self._size, *PRESETS[name], anchor=self.anchor.currentText())  # type: ignore[arg-type]
            for side in SIDES:
                self.spins[side].setValue(getattr(margins, side))

    def _update_summary(self) -> None:
        try:
            new_w, new_h = check_size(*self._size, self.margins())
        except PluginError as exc:
            self.summary.setText(str(exc))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self.summary.setText(f"{self._size[0]}×{self._size[1]} → {new_w}×{new_h} px; the new area is masked")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.margins() != Margins())


def expand_canvas_dialog(window: ExpandHost) -> None:
    """Image › Expand canvas…: ask, then expand; a refusal is shown as one sentence."""
    dialog = ExpandDialog(*window.canvas.document_size(), parent=window.qt_window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    try:
        apply_expand(window.canvas, dialog.margins())
    except PluginError as exc:
        window.show_error(str(exc))
        return
    width, height = window.canvas.document_size()
    window.status.idle(f"Expanded the canvas to {width}×{height}; the new area is masked for inpainting")
