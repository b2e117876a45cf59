"""Undo steps of the canvas.

Two kinds cover everything: a stroke stores only its dirty rectangle's pixels (strokes are
the most frequent edit, so the undo history stays small), while whole-layer edits store
snapshots whose pixel data is implicitly shared with the layers (no copy is made unless
the layer is painted afterwards).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
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
    """Replaces whole layers, and possibly the document size, in one step.

    Commands with the same ``merge_key`` pushed in a row merge into one step (the first
    one's before, the last one's after): every result of one live interaction is one undo.
    """

    MERGE_ID = 1

    def __init__(
        self, layers: LayerStack, before: DocState, after: DocState, text: str, merge_key: int | None = None
    ) -> None:
        super().__init__(text)
        self._layers = layers
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def id(self) -> int:
        return -1 if self.merge_key is None else self.MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DocumentCommand) or other.merge_key != self.merge_key:
            return False
        if other.after.size != self.after.size or other.after.images.keys() != self.after.images.keys():
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self._layers.restore(self.after)

    def undo(self) -> None:
        self._layers.restore(self.before)


def replace_layers(
    layers: LayerStack, images: dict[Layer, QImage], text: str, size: QSize | None = None, merge_key: int | None = None
) -> DocumentCommand:
    """An undo step that replaces ``images`` (conformed to ``size``, default: unchanged).

    A size change affects every layer and region, so then all of them are recorded for undo.
    """
    size = layers.size() if size is None else QSize(size)
    resized = size != layers.size()
    before = layers.state(list(Layer) if resized else list(images), with_regions=resized)
    after = DocState(size, {layer: conform_image(image, size, layer) for layer, image in images.items()})
    return DocumentCommand(layers, before, after, text, merge_key)


def grow_to_result(layers: LayerStack, result: QImage, text: str) -> DocumentCommand:
    """An undo step that grows the document to ``result``'s size with ``result`` as RESULT.

    Photo and sketch are scaled smoothly (as any resize), the mask nearest-neighbour, so
    the painted coverage keeps its values; undo restores the old size and every layer.
    """
    size = result.size()
    mode, fast = Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation
    images = {layer: layers.image(layer) for layer in (Layer.PHOTO, Layer.SKETCH)}
    images |= {Layer.MASK: layers.image(Layer.MASK).scaled(size, mode, fast), Layer.RESULT: result}
    return replace_layers(layers, images, text, size)
