"""Undo steps of the canvas.

Two kinds cover everything: a stroke stores only its dirty rectangle's pixels (strokes are
the most frequent edit, so the undo history stays small), while whole-layer edits store
snapshots whose pixel data is implicitly shared with the layers (no copy is made unless
the layer is painted afterwards).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QUndoCommand

from gencanvas.qt.canvas.layers import DocState, Layer, LayerStack, conform_image
from gencanvas.qt.canvas.strokes import StrokeResult


class StrokeCommand(QUndoCommand):
    """One brush stroke: swaps the dirty rectangle between its before and after pixels.

    Pushing it re-writes the ``after`` pixels, which the live stroke already painted; that
    is a cheap rectangle blit and keeps redo() a plain, stateless operation.
    """

    def __init__(self, layers: LayerStack, stroke: StrokeResult) -> None:
        verb = "Erase" if stroke.erase else "Mask stroke" if stroke.layer is Layer.MASK else "Brush stroke"
        super().__init__(verb)
        self._layers = layers
        self.layer: Layer = stroke.layer
        self.rect: QRect = QRect(stroke.rect)
        self.before: QImage = stroke.before
        self.after: QImage = stroke.after

    def redo(self) -> None:
        self._layers.write_patch(self.layer, self.rect.topLeft(), self.after)

    def undo(self) -> None:
        self._layers.write_patch(self.layer, self.rect.topLeft(), self.before)


class DocumentCommand(QUndoCommand):
    """Replaces whole layers, and possibly the document size, in one step."""

    def __init__(self, layers: LayerStack, before: DocState, after: DocState, text: str) -> None:
        super().__init__(text)
        self._layers = layers
        self.before = before
        self.after = after

    def redo(self) -> None:
        self._layers.restore(self.after)

    def undo(self) -> None:
        self._layers.restore(self.before)


def replace_layers(
    layers: LayerStack, images: dict[Layer, QImage], text: str, size: QSize | None = None
) -> DocumentCommand:
    """An undo step that replaces ``images`` (conformed to ``size``, default: unchanged).

    A size change affects every layer, so then all of them are recorded for undo.
    """
    size = layers.size() if size is None else QSize(size)
    before = layers.state(list(Layer) if size != layers.size() else list(images))
    after = DocState(size, {layer: conform_image(image, size, layer) for layer, image in images.items()})
    return DocumentCommand(layers, before, after, text)
