"""The painting canvas widget: layers, tools, undo, zoom/pan and drag & drop."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QEvent, QMimeData, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QMouseEvent, QUndoStack
from PySide6.QtWidgets import QGraphicsScene, QWidget

from gencanvas.core.plugin_api import InputKind, PluginInputs
from gencanvas.qt.canvas.commands import StrokeCommand, grow_to_result, replace_layers
from gencanvas.qt.canvas.layers import MASK_OPACITY, DocState, Layer, LayerStack, blank_image
from gencanvas.qt.canvas.navigation import NavigationView
from gencanvas.qt.canvas.regions import Regions
from gencanvas.qt.canvas.strokes import MAX_BRUSH_SIZE, MIN_BRUSH_SIZE, PAINT_TOOLS, BrushOutline, Stroke, Tool

ERASABLE = (Layer.SKETCH, Layer.MASK)


class CanvasView(NavigationView):
    """A small Krita-like canvas. Everything that edits pixels goes through ``undo_stack``,
    except :meth:`show_frame`, which streams previews and must stay cheap.

    The canvas never opens files: drops are reported through ``filesDropped`` and
    ``imageDropped`` so the window decides how to load them.
    """

    strokeFinished = Signal(object)  # the Layer painted
    strokeMoved = Signal(object)  # the Layer being painted, after each mouse move of a stroke (live mode)
    colorPicked = Signal(QColor)
    filesDropped = Signal(list)  # list[str] of local paths
    imageDropped = Signal(QImage)
    # zoomChanged(float) comes from NavigationView
    documentResized = Signal(int, int)
    toolChanged = Signal(object)  # the Tool now active (the picker switches back to BRUSH itself)
    brushColorChanged = Signal(QColor)
    layerLookChanged = Signal(object)  # the Layer whose visibility or opacity changed

    def __init__(self, width: int = 512, height: int = 512, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.undo_stack = QUndoStack(self)
        self._layers = LayerStack(self.scene(), width, height)
        self._layers.resized.connect(self.documentResized)
        self.regions = Regions(self._layers, self.undo_stack)  # regional prompts: the Regions panel's model
        self._tool = Tool.BRUSH
        self._brush_size = 24
        self._brush_hardness = 100  # percent: 100 is the hard brush, 0 fades from the centre out
        self._brush_color = QColor(Qt.GlobalColor.black)
        self._eraser_target = Layer.SKETCH
        self._erase_region = False  # the eraser follows the region brush onto the selected region
        self._stroke: Stroke | None = None
        self._stroke_region: int | None = None  # the region key a stroke paints, None for a layer
        self._stroke_layer = Layer.SKETCH
        self._outline = BrushOutline()
        self._outline.set_diameter(self._brush_size)
        self._outline.hide()
        self.scene().addItem(self._outline)
        self.setBackgroundBrush(QColor(64, 64, 64))
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self._update_cursor()

    # --- document -------------------------------------------------------------------
    def new_document(self, width: int, height: int) -> None:
        """Blank layers of a new size; the history is dropped (it describes another image)."""
        self._stroke = None
        self._layers.reset(width, height)
        self.undo_stack.clear()
        self.reset_layer_looks()

    def document_size(self) -> tuple[int, int]:
        size = self._layers.size()
        return size.width(), size.height()

    def layer_image(self, layer: Layer) -> QImage:
        """A deep copy, so callers can keep or modify it without touching the canvas."""
        return self._layers.image(layer).copy()

    def set_layer_image(self, layer: Layer, image: QImage, text: str = "Replace layer") -> None:
        """Undoably replace a whole layer; the image is scaled to the document size."""
        self.undo_stack.push(replace_layers(self._layers, {layer: image}, text))

    def clear_layer(self, layer: Layer) -> None:
        self.set_layer_image(layer, blank_image(self._layers.size(), layer), f"Clear {layer.name.lower()}")

    def set_layer_visible(self, layer: Layer, visible: bool) -> None:
        if visible != self._layers.item(layer).isVisible():
            self._layers.item(layer).setVisible(visible)
            self.layerLookChanged.emit(layer)

    def layer_visible(self, layer: Layer) -> bool:
        return self._layers.item(layer).isVisible()

    def layer_opacity(self, layer: Layer) -> float:
        return self._layers.item(layer).opacity()

    def set_layer_opacity(self, layer: Layer, opacity: float) -> None:
        opacity = min(max(opacity, 0.0), 1.0)
        if opacity != self._layers.item(layer).opacity():
            self._layers.item(layer).setOpacity(opacity)
            self.layerLookChanged.emit(layer)

    def snapshot(self) -> dict[Layer, QImage]:
        """Every committed layer as a shared (copy-on-write) image: free on the GUI thread.

        The copies may be read on another thread (autosave): a later stroke detaches the
        live layer instead of changing them.
        """
        return dict(self._layers.state(list(Layer)).images)

    def load_document(self, width: int, height: int, images: dict[Layer, QImage]) -> None:
        """Replace the whole document (an opened project); the undo history describes another file."""
        self._stroke = None
        self._layers.reset(width, height)
        self._layers.restore(DocState(QSize(width, height), dict(images)))
        self.undo_stack.clear()
        self.reset_layer_looks()

    def reset_layer_looks(self) -> None:
        """Every layer shown, at its default opacity (the mask overlay at half): how a document starts."""
        for layer in Layer:
            self.set_layer_visible(layer, True)
            self.set_layer_opacity(layer, MASK_OPACITY if layer is Layer.MASK else 1.0)

    def replace_photo(self, image: QImage, text: str = "Open image") -> None:
        """Make ``image`` the photo, resizing the document to it and clearing RESULT.

        SKETCH and MASK are kept (scaled with the document when the size changes) so an
        artist can swap the reference photo under a drawing. One undo step restores all
        layers and the old size.
        """
        if image.isNull():
            raise ValueError("cannot use an empty image as the photo")
        cleared = blank_image(image.size(), Layer.RESULT)
        images = {Layer.PHOTO: image, Layer.RESULT: cleared}
        self.undo_stack.push(replace_layers(self._layers, images, text, image.size()))

    def show_frame(self, frame: QImage) -> None:
        """Show a streamed preview frame in RESULT: not undoable, one conversion at most."""
        self._layers.show_frame(frame)

    def discard_preview(self) -> None:
        """Drop streamed frames (a cancelled job), showing the last committed RESULT again."""
        self._layers.discard_preview()

    def commit_result(self, image: QImage, text: str = "Generate", merge_key: int | None = None) -> None:
        """Undoably set the final result; undo goes back to the result before the preview.

        Results with the same ``merge_key`` in a row (one live interaction) make one undo step.
        """
        self.undo_stack.push(replace_layers(self._layers, {Layer.RESULT: image}, text, merge_key=merge_key))

    def is_larger_result(self, image: QImage) -> bool:
        """Whether ``image`` is larger than the document on a side and smaller on none (an upscale)."""
        size, doc = image.size(), self._layers.size()
        return size.width() >= doc.width() and size.height() >= doc.height() and size != doc

    def commit_grown_result(self, image: QImage, text: str = "Generate") -> None:
        """Undoably grow the document to ``image``'s size and make it the result, at full resolution.

        Photo and sketch are scaled smoothly, the mask nearest-neighbour (painted coverage
        stays as painted); one undo step returns to the old size and every layer exactly.
        The view keeps showing the same picture: the zoom shrinks by the growth and the
        same point of the picture stays in the centre.
        """
        old, size = self._layers.size(), image.size()
        fx, fy = size.width() / old.width(), size.height() / old.height()
        zoom, centre = self.zoom_factor(), self._to_document(QPointF(self.viewport().rect().center()))
        self.undo_stack.push(grow_to_result(self._layers, image, text))
        self._set_zoom(zoom / max(fx, fy))
        self.centerOn(QPointF(centre.x() * fx, centre.y() * fy))

    def apply_result_to_photo(self, text: str = "Apply result") -> None:
        """Undoably flatten RESULT onto PHOTO and clear RESULT, to keep editing the outcome."""
        cleared = blank_image(self._layers.size(), Layer.RESULT)
        images = {Layer.PHOTO: self._layers.photo_with_result(), Layer.RESULT: cleared}
        self.undo_stack.push(replace_layers(self._layers, images, text))

    def composite(self, include_result: bool = True, include_sketch: bool = True) -> QImage:
        """The visible image flattened onto white, without the mask overlay (opaque RGB32)."""
        return self._layers.composite(self._layers.rect(), include_result, include_sketch)

    def mask_array(self) -> np.ndarray:
        """The mask as bool (H, W): True wherever anything is painted (coverage > 0)."""
        return self._layers.mask_array()

    def mask_alpha(self) -> np.ndarray:
        """The mask's painted coverage, float32 (H, W) in [0, 1]."""
        return self._layers.mask_alpha()

    def set_mask_preview(self, preview: QImage | None) -> None:
        """Show ``preview`` (a red overlay of the document size) in place of the mask, or the mask again.

        The preview is how the selected plugin will see the mask (grown and feathered); any
        edit of the mask drops it at once, so a stroke is never hidden behind a stale one.
        """
        self._layers.item(Layer.MASK).set_display(preview)

    def mask_preview(self) -> QImage | None:
        return self._layers.item(Layer.MASK).display()

    def plugin_inputs(self, kinds: frozenset[InputKind]) -> PluginInputs:
        """Only the requested layers as numpy arrays; width and height always."""
        return self._layers.plugin_inputs(kinds)

    # --- tools and strokes -------------------------------------------------------------
    @property
    def tool(self) -> Tool:
        return self._tool

    @property
    def brush_size(self) -> int:
        return self._brush_size

    @property
    def brush_hardness(self) -> int:
        """Percent: 100 paints a hard disc, lower values a radial falloff (every paint tool)."""
        return self._brush_hardness

    @property
    def brush_color(self) -> QColor:
        return QColor(self._brush_color)

    @property
    def eraser_target(self) -> Layer:
        return self._eraser_target

    def set_tool(self, tool: Tool) -> None:
        """Switch tools; picking the brush or mask brush also aims the eraser at its layer.

        The mask brush also shows the mask overlay (Outpaint hides it once filled): a mask
        painted unseen would surprise the artist at the next run.
        """
        if tool is Tool.BRUSH:
            self._eraser_target = Layer.SKETCH
        elif tool is Tool.MASK_BRUSH:
            self._eraser_target = Layer.MASK
            self.set_layer_visible(Layer.MASK, True)
        if tool is not Tool.ERASER:
            self._erase_region = tool is Tool.REGION_BRUSH
        changed = tool is not self._tool
        self._tool = tool
        self._update_cursor()
        if changed:
            self.toolChanged.emit(tool)

    def set_eraser_target(self, layer: Layer) -> None:
        if layer not in ERASABLE:
            raise ValueError(f"the eraser works on SKETCH or MASK, not {layer.name}")
        self._eraser_target = layer
        self._erase_region = False

    def set_brush_size(self, size: int) -> None:
        self._brush_size = max(MIN_BRUSH_SIZE, min(MAX_BRUSH_SIZE, int(size)))
        self._outline.set_diameter(self._brush_size)

    def set_brush_hardness(self, percent: int) -> None:
        self._brush_hardness = max(0, min(100, int(percent)))

    def set_brush_color(self, color: QColor) -> None:
        self._brush_color = QColor(color)
        self.brushColorChanged.emit(QColor(color))

    def paint_stroke(
        self,
        layer: Layer,
        points: Iterable[QPointF],
        size: int,
        color: QColor,
        erase: bool = False,
        hardness: int | None = None,
    ) -> bool:
        """Paint one undoable stroke through document-space ``points``, like a mouse drag.

        ``hardness`` is in percent, default the brush's. Returns whether any pixel of the
        document was touched (and a step was recorded).
        """
        self._begin_stroke(layer, size, color, erase, self._brush_hardness if hardness is None else hardness)
        assert self._stroke is not None
        for point in points:
            self._stroke.add_point(QPointF(point))
        return self._finish_stroke()

    def paint_region_stroke(
        self, key: int, points: Iterable[QPointF], size: int, erase: bool = False, hardness: int = 100
    ) -> bool:
        """Paint one undoable stroke on region ``key``, like a region-brush drag; True when it touched it."""
        self._begin_stroke(Layer.MASK, size, self._brush_color, erase, hardness, key)
        assert self._stroke is not None
        for point in points:
            self._stroke.add_point(QPointF(point))
        return self._finish_stroke()

    def _begin_stroke(
        self, layer: Layer, size: int, color: QColor, erase: bool, hardness: int, region: int | None = None
    ) -> None:
        size = max(MIN_BRUSH_SIZE, min(MAX_BRUSH_SIZE, int(size)))
        self._stroke_layer, self._stroke_region = layer, region
        item = self._layers.item(layer) if region is None else self.regions.item(region)
        item.set_display(None)  # show the live stroke, not a preview of the old mask
        self._stroke = Stroke(item, layer, size, color, erase, hardness / 100)

    def _finish_stroke(self) -> bool:
        stroke, self._stroke = self._stroke, None
        result = stroke.finish() if stroke is not None else None
        if result is None:
            return False
        if self._stroke_region is not None:
            self.regions.push_stroke(self._stroke_region, result)
            return True
        self.undo_stack.push(StrokeCommand(self._layers, result))
        self.strokeFinished.emit(result.layer)
        return True

    def _pick(self, point: QPointF) -> None:
        x, y = math.floor(point.x()), math.floor(point.y())
        if not self._layers.rect().contains(x, y):
            return
        color = self._layers.composite(QRect(x, y, 1, 1)).pixelColor(0, 0)
        self.set_brush_color(color)
        self.colorPicked.emit(color)
        self.set_tool(Tool.BRUSH)

    # --- input events -------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._pan_press(event) or self._tool_press(event):
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._outline.setPos(self._to_document(event.position()))
        self._outline.setVisible(self._tool in PAINT_TOOLS and not self._left_drag_pans())
        if self._pan_move(event):
            event.accept()
        elif self._stroke is not None:
            self._extend_stroke(event)
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_release(event):
            event.accept()
        elif event.button() == Qt.MouseButton.LeftButton:  # every tool consumed the left press
            if self._stroke is not None:
                self._extend_stroke(event)
                self._finish_stroke()
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def _tool_press(self, event: QMouseEvent) -> bool:
        """Start the current tool's action on a left press; False when it is not one."""
        if event.button() != Qt.MouseButton.LeftButton or self._stroke is not None:
            return False
        if self._tool is Tool.PICKER:
            self._pick(self._to_document(event.position()))
        elif self._tool is Tool.REGION_BRUSH or (self._tool is Tool.ERASER and self._erase_region):
            region = self.regions.selected
            if region is None:  # the region brush on no region starts one, as painting a new layer would
                region = self.regions.add()
            erase = self._tool is Tool.ERASER
            self._begin_stroke(Layer.MASK, self._brush_size, self._brush_color, erase, self._brush_hardness, region)
            self._extend_stroke(event)
        elif self._tool in PAINT_TOOLS:
            layer = {Tool.BRUSH: Layer.SKETCH, Tool.MASK_BRUSH: Layer.MASK}.get(self._tool, self._eraser_target)
            erase = self._tool is Tool.ERASER
            self._begin_stroke(layer, self._brush_size, self._brush_color, erase, self._brush_hardness)
            self._extend_stroke(event)
        return True

    def _extend_stroke(self, event: QMouseEvent) -> None:
        assert self._stroke is not None
        self._stroke.add_point(self._to_document(event.position()))
        if self._stroke_region is None:
            self.strokeMoved.emit(self._stroke_layer)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._outline.hide()
        return super().viewportEvent(event)

    def _left_drag_pans(self) -> bool:
        return super()._left_drag_pans() or self._tool is Tool.PAN

    def _update_cursor(self) -> None:
        super()._update_cursor()
        if self._left_drag_pans() or self._tool not in PAINT_TOOLS:
            self._outline.hide()

    # --- drag & drop --------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_if_droppable(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._accept_if_droppable(event)  # the scene has no drop targets; the view is one

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        paths = _local_paths(mime)
        if paths:
            self.filesDropped.emit(paths)
        elif isinstance(image := mime.imageData(), QImage) and not image.isNull():
            self.imageDropped.emit(image)
        else:
            event.ignore()
            return
        event.acceptProposedAction()

    def _accept_if_droppable(self, event: QDragMoveEvent) -> None:
        if _local_paths(event.mimeData()) or event.mimeData().hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()


def _local_paths(mime: QMimeData) -> list[str]:
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
