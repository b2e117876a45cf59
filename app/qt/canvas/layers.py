"""The document: four stacked layer images, plus the regional-prompt regions, shown in a QGraphicsScene.

Every layer is a document-sized ``QImage`` in ``Format_ARGB32_Premultiplied`` (the format
the raster engine blends fastest). Each is shown by a :class:`LayerItem`, a tiny
``QGraphicsItem`` that paints its ``QImage`` directly instead of a ``QGraphicsPixmapItem``:
a brush stroke paints into the image in place and then invalidates only the dirty
rectangle, so no ``QImage -> QPixmap`` conversion of the whole layer happens per mouse
move, and streamed preview frames are shown without a pixmap upload or upscale.

Images are implicitly shared. :meth:`LayerStack.state` and :meth:`LayerStack.restore`
always wrap images in fresh ``QImage`` objects, so undo states share pixel data for free
and a later in-place stroke detaches (copies) the live layer instead of corrupting them.

Regions (regional prompts) are coverage layers like the mask, one per prompt, drawn in
their own colour at low opacity above the mask. They live in the same stack and the same
:class:`DocState` snapshots, so a resize, undo and a saved project treat them exactly as
the fixed layers; their editing API is :mod:`gencanvas.qt.canvas.regions`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QPoint, QRect, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QStyleOptionGraphicsItem, QWidget

from gencanvas.core.plugin_api import InputKind, PluginInputs, Region
from gencanvas.qt.image_convert import array_from_qimage

LAYER_FORMAT = QImage.Format.Format_ARGB32_Premultiplied
MASK_COLOR = QColor(255, 0, 0)
MASK_OPACITY = 0.5
REGION_OPACITY = 0.4  # regions tint the picture; the picture must stay readable under several of them
REGION_Z = 3.5  # above the mask, below the brush outline; regions stack in list order inside it
# Region colours, in the order regions are added: distinct hues that read over photos and each other.
REGION_COLORS = tuple(
    QColor(c) for c in ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
)


class Layer(enum.Enum):
    """Canvas layers, listed bottom to top (the z order in the scene)."""

    PHOTO = 0
    RESULT = 1
    SKETCH = 2
    MASK = 3


@dataclass(frozen=True)
class RegionState:
    """One region: a stable key (its colour and identity across undo), its prompt and its coverage image."""

    key: int
    prompt: str
    image: QImage


@dataclass(frozen=True)
class DocState:
    """The document size plus the images of some layers: what an undo step swaps.

    ``regions`` is the whole region list when the step changes it, None when it leaves it as it is.
    """

    size: QSize
    images: dict[Layer, QImage]
    regions: tuple[RegionState, ...] | None = None


def region_color(key: int) -> QColor:
    return QColor(REGION_COLORS[key % len(REGION_COLORS)])


def blank_image(size: QSize, layer: Layer) -> QImage:
    """A fresh layer: PHOTO is opaque white (paper), the others fully transparent."""
    image = QImage(size, LAYER_FORMAT)
    image.fill(QColor(Qt.GlobalColor.white) if layer is Layer.PHOTO else QColor(Qt.GlobalColor.transparent))
    return image


def conform_image(image: QImage, size: QSize, layer: Layer, ink: QColor = MASK_COLOR) -> QImage:
    """Bring any image to the layer format and document size, as the layer expects it.

    Whichever of conversion and scaling touches the smaller image runs first, so a 32x32
    model output costs one full-size allocation (the smooth upscale) and a document-sized
    frame costs one (the format conversion) -- this is the streaming hot path. PHOTO is
    flattened onto white so plugins never see undefined colour under transparency; MASK
    keeps only coverage (the source's alpha, or its grey level when it has no alpha or an
    alpha that is opaque everywhere, so a black/white mask PNG -- with or without an alpha
    channel -- a white-on-transparent one and a bool array from ``qimage_from_array`` all work)
    and is recoloured in ``ink`` for display (red, or a region's colour).
    """
    if image.size() != size:
        if image.format() != LAYER_FORMAT and image.width() * image.height() <= size.width() * size.height():
            image = image.convertToFormat(LAYER_FORMAT)
        image = image.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    if layer is Layer.MASK:
        coverage = image.convertToFormat(QImage.Format.Format_Alpha8) if image.hasAlphaChannel() else image
        if coverage is not image and _fully_opaque(coverage):  # a black/white mask saved with alpha
            coverage = image.convertToFormat(QImage.Format.Format_Grayscale8)
        mask = QImage(size, LAYER_FORMAT)
        mask.fill(ink)
        mask.setAlphaChannel(coverage)
        return mask
    if layer is Layer.PHOTO and image.hasAlphaChannel():
        photo = blank_image(size, Layer.PHOTO)
        painter = QPainter(photo)
        painter.drawImage(QPoint(0, 0), image)
        painter.end()
        return photo
    return image if image.format() == LAYER_FORMAT else image.convertToFormat(LAYER_FORMAT)


def _fully_opaque(alpha: QImage) -> bool:
    """True when an Alpha8 image is 255 everywhere: its alpha says nothing about coverage."""
    return bool((_alpha8_array(alpha) == 255).all())


def _alpha8_array(alpha: QImage) -> np.ndarray:
    rows = np.frombuffer(alpha.constBits(), np.uint8, alpha.bytesPerLine() * alpha.height())
    return rows.reshape(alpha.height(), alpha.bytesPerLine())[:, : alpha.width()]


def coverage(image: QImage) -> np.ndarray:
    """A layer's alpha as an owned uint8 (H, W) array: a mask's or a region's coverage, exactly."""
    alpha = image.convertToFormat(QImage.Format.Format_Alpha8)  # held: the array below views its memory
    return _alpha8_array(alpha).copy()


class LayerItem(QGraphicsItem):
    """Paints one layer image over the document rect.

    The image may be smaller than the document (a streamed preview frame): it is then
    stretched at paint time, which costs only the exposed screen area instead of a
    full-size upscale per frame, and conformed to the document size the first time
    anyone asks for the pixels (:meth:`image`). Rendering is smooth when zoomed out or
    stretched, nearest-neighbour (pixel-sharp) when a document pixel covers >= 1 screen pixel.
    """

    def __init__(self, layer: Layer, size: QSize, ink: QColor = MASK_COLOR) -> None:
        super().__init__()
        self._layer = layer
        self.ink = QColor(ink)  # what a coverage layer (the mask, a region) is painted and shown in
        self._size = QSize(size)
        self._image = blank_image(size, layer)
        self._display: QImage | None = None  # shown instead of the image (the mask's feather preview)
        self.setZValue(layer.value)
        # exposedRect lets paint() blit only the invalidated part of a large layer.
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def image(self) -> QImage:
        """The live, document-sized image (strokes paint into it, then call ``update(rect)``)."""
        if self._image.size() != self._size:
            self._image = conform_image(self._image, self._size, self._layer, self.ink)
        return self._image

    def set_image(self, image: QImage) -> None:
        """Show ``image`` over the document; any size, in the layer format (see the class)."""
        self._image = image
        self.update()

    def display(self) -> QImage | None:
        return self._display

    def set_display(self, image: QImage | None) -> None:
        """Show ``image`` instead of the layer's pixels (None: the pixels again); never edited."""
        if image is not self._display:
            self._display = image
            self.update()

    def set_document_size(self, size: QSize) -> None:
        self.prepareGeometryChange()
        self._size = QSize(size)

    def boundingRect(self) -> QRectF:
        return QRectF(QPoint(0, 0), QSizeF(self._size))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        image = self._image if self._display is None else self._display
        target = option.exposedRect.intersected(self.boundingRect())
        sx = image.width() / self._size.width()
        sy = image.height() / self._size.height()
        source = QRectF(target.x() * sx, target.y() * sy, target.width() * sx, target.height() * sy)
        zoom = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, zoom < 1.0 or image.size() != self._size)
        painter.drawImage(target, image, source)


class LayerStack(QObject):
    """Owns the layer items and the document size; the single place layer pixels change.

    It also holds the "preview base": while frames stream into RESULT (not undoable),
    the last committed RESULT is kept so that committing or discarding the preview
    restores/records the right "before" state.
    """

    resized = Signal(int, int)
    regionsChanged = Signal()  # the region list, its order or a prompt changed (not a stroke)

    def __init__(self, scene: QGraphicsScene, width: int, height: int) -> None:
        super().__init__()
        self._scene = scene
        self._size = QSize(width, height)
        self._preview_base: QImage | None = None
        self._items: dict[Layer, LayerItem] = {}
        for layer in Layer:
            self._items[layer] = LayerItem(layer, self._size)
            scene.addItem(self._items[layer])
        self._items[Layer.MASK].setOpacity(MASK_OPACITY)
        self._regions: dict[int, LayerItem] = {}  # by key, in list order (bottom first)
        self._prompts: dict[int, str] = {}
        self._next_key = 0
        scene.setSceneRect(QRectF(0, 0, width, height))

    def size(self) -> QSize:
        return QSize(self._size)

    def rect(self) -> QRect:
        return QRect(QPoint(0, 0), self._size)

    def item(self, layer: Layer) -> LayerItem:
        return self._items[layer]

    def image(self, layer: Layer) -> QImage:
        """The live image of a layer (callers must not paint into it outside a stroke)."""
        return self._items[layer].image()

    def reset(self, width: int, height: int) -> None:
        """Blank document of a new size, without regions (no undo: the caller clears the stack)."""
        size = QSize(width, height)
        self.restore(DocState(size, {layer: blank_image(size, layer) for layer in Layer}, ()))
        self._next_key = 0  # the history is cleared with the document: region colours start over

    def state(self, layers: tuple[Layer, ...] | list[Layer], with_regions: bool = False) -> DocState:
        """A cheap (shared-data) snapshot; a streamed preview counts as not yet there."""
        images = {layer: QImage(self._committed(layer)) for layer in layers}
        return DocState(self.size(), images, self.regions() if with_regions else None)

    def restore(self, state: DocState) -> None:
        """Apply a snapshot: resize the document if needed, then replace the given layers and regions."""
        if state.size != self._size or Layer.RESULT in state.images:
            self._preview_base = None
        if state.size != self._size or Layer.MASK in state.images:
            self._items[Layer.MASK].set_display(None)  # a feather preview of the old mask is stale
        for layer, image in state.images.items():
            self._items[layer].set_image(QImage(image))
        if state.regions is not None:
            self._set_regions(state.regions)
        if state.size != self._size:
            self._size = QSize(state.size)
            for item in [*self._items.values(), *self._regions.values()]:
                item.set_document_size(self._size)  # layers not in ``state`` get scaled to it
            self._scene.setSceneRect(QRectF(self.rect()))
            self.resized.emit(self._size.width(), self._size.height())
        if state.regions is not None:
            self.regionsChanged.emit()

    # --- regions ---------------------------------------------------------------------
    def regions(self) -> tuple[RegionState, ...]:
        """Every region, bottom first, as shared (copy-on-write) images: free to keep for undo."""
        return tuple(RegionState(key, self._prompts[key], QImage(item.image())) for key, item in self._regions.items())

    def region_item(self, key: int) -> LayerItem:
        return self._regions[key]

    def new_region_key(self) -> int:
        """A key no region has had in this document, so undo never mixes two regions up."""
        self._next_key += 1
        return self._next_key - 1

    def _set_regions(self, regions: tuple[RegionState, ...]) -> None:
        """Make the region list ``regions``: items of kept keys stay (with their visibility), others come and go."""
        old, self._regions = self._regions, {}
        self._prompts = {}
        for order, region in enumerate(regions):
            item = old.pop(region.key, None)
            if item is None:
                item = LayerItem(Layer.MASK, self._size, region_color(region.key))
                item.setOpacity(REGION_OPACITY)
                self._scene.addItem(item)
            item.set_image(QImage(region.image))
            item.setZValue(REGION_Z + order / 1024)
            self._regions[region.key] = item
            self._prompts[region.key] = region.prompt
            self._next_key = max(self._next_key, region.key + 1)
        for item in old.values():
            self._scene.removeItem(item)

    def write_region_patch(self, key: int, top_left: QPoint, patch: QImage) -> None:
        """Overwrite a rectangle of a region with stored pixels (stroke undo/redo)."""
        self._write(self._regions[key], top_left, patch)

    def plugin_regions(self) -> tuple[Region, ...] | None:
        """Regions with a prompt and some coverage, bottom first; None when there is none."""
        found = []
        for key, item in self._regions.items():
            prompt = self._prompts[key].strip()
            if prompt:
                alpha = coverage(item.image())
                if alpha.any():
                    found.append(Region(prompt, alpha.astype(np.float32) / np.float32(255)))
        return tuple(found) or None

    def write_patch(self, layer: Layer, top_left: QPoint, patch: QImage) -> None:
        """Overwrite a rectangle of a layer with stored pixels (stroke undo/redo)."""
        self._items[layer].set_display(None)
        self._write(self._items[layer], top_left, patch)

    @staticmethod
    def _write(item: LayerItem, top_left: QPoint, patch: QImage) -> None:
        painter = QPainter(item.image())
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(top_left, patch)
        painter.end()
        item.update(QRectF(QRect(top_left, patch.size())))

    def show_frame(self, frame: QImage) -> None:
        """Show a preview frame in RESULT without recording it; remembers what it covers.

        The frame is only converted to the layer format (cheap for small frames, one
        conversion for document-sized ones); the item stretches it over the document.
        """
        if self._preview_base is None:
            self._preview_base = self._items[Layer.RESULT].image()
        fast = frame if frame.format() == LAYER_FORMAT else frame.convertToFormat(LAYER_FORMAT)
        self._items[Layer.RESULT].set_image(fast)

    def discard_preview(self) -> None:
        """Put back the RESULT that was there before frames started streaming."""
        if self._preview_base is not None:
            self._items[Layer.RESULT].set_image(self._preview_base)
            self._preview_base = None

    def composite(self, rect: QRect, include_result: bool = True, include_sketch: bool = True) -> QImage:
        """Flatten the visible layers (never the mask overlay) inside ``rect`` onto white."""
        out = QImage(rect.size(), QImage.Format.Format_RGB32)
        out.fill(QColor(Qt.GlobalColor.white))
        wanted = {Layer.PHOTO: True, Layer.RESULT: include_result, Layer.SKETCH: include_sketch}
        painter = QPainter(out)
        for layer, include in wanted.items():
            if include and self._items[layer].isVisible():
                painter.drawImage(QPoint(0, 0), self.image(layer), rect)
        painter.end()
        return out

    def photo_with_result(self) -> QImage:
        """A new PHOTO image with RESULT blended over it (what "apply result" keeps)."""
        photo = self.image(Layer.PHOTO).copy()
        painter = QPainter(photo)
        painter.drawImage(QPoint(0, 0), self.image(Layer.RESULT))
        painter.end()
        return photo

    def mask_array(self) -> np.ndarray:
        """The mask as bool (H, W): True wherever anything is painted (coverage > 0)."""
        return self.mask_alpha() > 0

    def mask_alpha(self) -> np.ndarray:
        """The mask's painted coverage, float32 (H, W) in [0, 1]: a soft brush's edge is fractional."""
        return array_from_qimage(self.image(Layer.MASK), 4)[..., 3].astype(np.float32) / 255

    def plugin_inputs(self, kinds: frozenset[InputKind]) -> PluginInputs:
        """Only the requested layers, converted (conversions cost time on big images)."""
        image = array_from_qimage(self.image(Layer.PHOTO), 3) if InputKind.IMAGE in kinds else None
        sketch = array_from_qimage(self.image(Layer.SKETCH), 4) if InputKind.SKETCH in kinds else None
        alpha = self.mask_alpha() if InputKind.MASK in kinds else None
        mask = alpha > 0 if alpha is not None else None
        regions = self.plugin_regions() if InputKind.REGIONS in kinds else None
        width, height = self._size.width(), self._size.height()
        return PluginInputs(width, height, image=image, sketch=sketch, mask=mask, mask_alpha=alpha, regions=regions)

    def _committed(self, layer: Layer) -> QImage:
        if layer is Layer.RESULT and self._preview_base is not None:
            return self._preview_base
        return self._items[layer].image()
