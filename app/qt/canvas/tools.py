"""Canvas tools: the brush-stroke engine, the brush outline, and zoom/pan navigation."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QStyleOptionGraphicsItem, QWidget

from gencanvas.qt.canvas.layers import MASK_COLOR, Layer, LayerItem

MIN_BRUSH_SIZE = 1
MAX_BRUSH_SIZE = 512
MIN_ZOOM = 0.05
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25  # per wheel notch / zoom_in()
FIT_MARGIN = 8  # viewport pixels kept free around the document by zoom_to_fit()
TILE = 128  # side of the tiles in which a stroke saves pre-stroke pixels


class Tool(enum.Enum):
    """What a left-button drag on the canvas does."""

    BRUSH = "brush"  # paint the brush colour on SKETCH
    ERASER = "eraser"  # erase the canvas' eraser target (SKETCH, or MASK after the mask brush)
    MASK_BRUSH = "mask_brush"  # paint the inpainting mask
    PICKER = "picker"  # pick a colour from the visible composite, then back to BRUSH
    PAN = "pan"  # drag the view


PAINT_TOOLS = frozenset({Tool.BRUSH, Tool.ERASER, Tool.MASK_BRUSH})


@dataclass(frozen=True)
class StrokeResult:
    """A finished stroke: the dirty rectangle and its pixels before and after."""

    layer: Layer
    erase: bool
    rect: QRect
    before: QImage
    after: QImage


class Stroke:
    """One brush stroke in progress on one layer, painted live into the layer image.

    On every new point the area under the new segment is restored to its pre-stroke
    pixels and all stroke segments crossing that area are stroked again, as one path.
    With round caps and joins a polyline's stroke is exactly the union of its round-capped
    segments, and one path is filled as one shape, so translucent colours stay even where
    segments join or the stroke crosses itself -- without re-stroking the whole (possibly
    long) stroke each move. Pre-stroke pixels are saved lazily in tiles the first time the
    stroke reaches them, so a stroke never copies the whole layer; undo keeps only the
    dirty rectangle.
    """

    def __init__(self, item: LayerItem, layer: Layer, size: int, color: QColor, erase: bool) -> None:
        self._item = item
        self._layer = layer
        self._erase = erase
        paint = QColor(0, 0, 0) if erase else MASK_COLOR if layer is Layer.MASK else QColor(color)
        self._pen = QPen(paint, size, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        self._margin = size / 2 + 2  # pen half-width plus antialiasing fringe
        self._last: QPointF | None = None
        self._segments: list[tuple[QRectF, QPointF, QPointF]] = []  # (inflated bounds, start, end)
        self._tiles: dict[tuple[int, int], QImage] = {}  # pre-stroke pixels by tile index
        self._dirty = QRect()

    def add_point(self, point: QPointF) -> None:
        """Extend the stroke to ``point`` (document coordinates) and repaint what changed."""
        point = QPointF(point)
        if self._last is not None and point == self._last:
            return
        start = point if self._last is None else self._last
        m = self._margin
        bounds = QRectF(start, point).normalized().adjusted(-m, -m, m, m)
        if self._last is not None:
            self._segments.append((bounds, start, point))
        self._last = point
        area = bounds.toAlignedRect().intersected(self._item.image().rect())
        if area.isEmpty():
            return
        self._save_tiles(area)
        self._repaint(area)
        self._dirty = self._dirty.united(area)
        self._item.update(QRectF(area))

    def finish(self) -> StrokeResult | None:
        """End the stroke; None when it never touched the layer (e.g. outside the document)."""
        if self._dirty.isEmpty():
            return None
        before = self._item.image().copy(self._dirty)  # right wherever the stroke never reached
        painter = QPainter(before)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.translate(-self._dirty.x(), -self._dirty.y())
        self._draw_tiles(painter, self._dirty)
        painter.end()
        after = self._item.image().copy(self._dirty)
        self._tiles.clear()
        return StrokeResult(self._layer, self._erase, QRect(self._dirty), before, after)

    def _save_tiles(self, area: QRect) -> None:
        image = self._item.image()
        for tx, ty in _tiles_under(area):
            if (tx, ty) not in self._tiles:
                self._tiles[tx, ty] = image.copy(tx * TILE, ty * TILE, TILE, TILE)

    def _draw_tiles(self, painter: QPainter, area: QRect) -> None:
        for key in _tiles_under(area):
            if key in self._tiles:
                painter.drawImage(key[0] * TILE, key[1] * TILE, self._tiles[key])

    def _repaint(self, area: QRect) -> None:
        painter = QPainter(self._item.image())
        painter.setClipRect(area)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        self._draw_tiles(painter, area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        mode = QPainter.CompositionMode
        painter.setCompositionMode(
            mode.CompositionMode_DestinationOut if self._erase else mode.CompositionMode_SourceOver
        )
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if not self._segments:
            painter.drawPoint(self._last)  # a click: a round dab of the brush size
        else:
            path = QPainterPath()
            for bounds, start, end in self._segments:
                if bounds.intersects(area):
                    path.moveTo(start)
                    path.lineTo(end)
            painter.drawPath(path)
        painter.end()


def _tiles_under(area: QRect) -> list[tuple[int, int]]:
    columns = range(area.left() // TILE, area.right() // TILE + 1)
    return [(tx, ty) for ty in range(area.top() // TILE, area.bottom() // TILE + 1) for tx in columns]


class BrushOutline(QGraphicsItem):
    """A circle of the brush diameter under the cursor, in document units so it follows zoom.

    Drawn twice (white, then dashed black) with cosmetic 1 px pens so it stays visible and
    thin over any colour at any zoom.
    """

    def __init__(self) -> None:
        super().__init__()
        self._diameter = 1.0
        self.setZValue(len(Layer) + 1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_diameter(self, diameter: float) -> None:
        self.prepareGeometryChange()
        self._diameter = diameter

    def boundingRect(self) -> QRectF:
        r = self._diameter / 2 + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        r = self._diameter / 2
        circle = QRectF(-r, -r, 2 * r, 2 * r)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, style in (
            (Qt.GlobalColor.white, Qt.PenStyle.SolidLine),
            (Qt.GlobalColor.black, Qt.PenStyle.DashLine),
        ):
            pen = QPen(QColor(color), 0, style)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawEllipse(circle)


class NavigationView(QGraphicsView):
    """Zoom and hand panning of a document that fills the scene rect.

    Kept apart from the painting code so each reads on its own. Subclasses offer mouse
    events to ``_pan_press``/``_pan_move``/``_pan_release`` first and override
    ``_left_drag_pans`` to add their own hand tool to Space+drag (middle drag always pans).
    """

    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pan_from: QPointF | None = None
        self._space_held = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Space must reach the view

    def zoom_factor(self) -> float:
        return self.transform().m11()

    def zoom_in(self) -> None:
        self._set_zoom(self.zoom_factor() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_zoom(self.zoom_factor() / ZOOM_STEP)

    def zoom_actual(self) -> None:
        self._set_zoom(1.0)

    def zoom_to_fit(self) -> None:
        document, viewport = self.sceneRect(), self.viewport().rect()
        scale_x = (viewport.width() - 2 * FIT_MARGIN) / document.width()
        self._set_zoom(min(scale_x, (viewport.height() - 2 * FIT_MARGIN) / document.height()))
        self.centerOn(document.center())

    def _set_zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the document point under ``anchor`` (viewport pixels) in place."""
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        old = self.zoom_factor()
        anchor = QPointF(self.viewport().rect().center()) if anchor is None else anchor
        fixed = self._to_document(anchor)
        self.setTransform(QTransform.fromScale(factor, factor))
        self._scroll_by(self.viewportTransform().map(fixed) - anchor)
        if not math.isclose(factor, old):
            self.zoomChanged.emit(factor)

    def _to_document(self, viewport_point: QPointF) -> QPointF:
        """Sub-pixel document coordinates (mapToScene rounds to whole viewport pixels)."""
        return self.viewportTransform().inverted()[0].map(viewport_point)

    def _scroll_by(self, delta: QPointF) -> None:
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(delta.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(delta.y()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Plain and Ctrl+wheel both zoom about the cursor; fractional deltas suit trackpads."""
        notches = event.angleDelta().y() / 120
        if not notches:
            super().wheelEvent(event)
            return
        self._set_zoom(self.zoom_factor() * ZOOM_STEP**notches, event.position())
        event.accept()

    def _left_drag_pans(self) -> bool:
        return self._space_held

    def _pan_press(self, event: QMouseEvent) -> bool:
        left = event.button() == Qt.MouseButton.LeftButton
        if event.button() != Qt.MouseButton.MiddleButton and not (left and self._left_drag_pans()):
            return False
        self._pan_from = event.position()
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        return True

    def _pan_move(self, event: QMouseEvent) -> bool:
        if self._pan_from is None:
            return False
        self._scroll_by(self._pan_from - event.position())
        self._pan_from = event.position()
        return True

    def _pan_release(self, event: QMouseEvent) -> bool:
        if self._pan_from is None or event.button() not in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            return False
        self._pan_from = None
        self._update_cursor()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._space_key(event, held=True):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if not self._space_key(event, held=False):
            super().keyReleaseEvent(event)

    def _space_key(self, event: QKeyEvent, held: bool) -> bool:
        """Space held turns a left drag into panning (auto-repeat must not toggle it)."""
        if event.key() != Qt.Key.Key_Space:
            return False
        if not event.isAutoRepeat():
            self._space_held = held
            self._update_cursor()
        event.accept()
        return True

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """The Space release may go to another widget; never stay stuck in pan mode."""
        self._space_held = False
        self._update_cursor()
        super().focusOutEvent(event)

    def _update_cursor(self) -> None:
        hand = self._left_drag_pans()
        self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if hand else Qt.CursorShape.CrossCursor)
