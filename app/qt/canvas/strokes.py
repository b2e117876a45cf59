"""The stroke engine: what a drag does (tools), brush strokes painted live with tiled undo, the brush outline.

Zoom and panning live in :mod:`gencanvas.qt.canvas.navigation`; the canvas view combines both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from gencanvas.core.brush import segment_coverage
from gencanvas.qt.canvas.layers import Layer, LayerItem

MIN_BRUSH_SIZE = 1
MAX_BRUSH_SIZE = 512
TILE = 128  # side of the tiles in which a stroke saves pre-stroke pixels
STAMP_FORMAT = QImage.Format.Format_RGBA8888_Premultiplied  # byte order R, G, B, A on every platform


class Tool(enum.Enum):
    """What a left-button drag on the canvas does."""

    BRUSH = "brush"  # paint the brush colour on SKETCH
    ERASER = "eraser"  # erase the eraser target (SKETCH, MASK after the mask brush, a region after the region brush)
    MASK_BRUSH = "mask_brush"  # paint the inpainting mask
    REGION_BRUSH = "region_brush"  # paint the selected region of a regional prompt
    PICKER = "picker"  # pick a colour from the visible composite, then back to BRUSH
    PAN = "pan"  # drag the view


PAINT_TOOLS = frozenset({Tool.BRUSH, Tool.ERASER, Tool.MASK_BRUSH, Tool.REGION_BRUSH})


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

    A soft brush (``hardness`` < 1) keeps the stroke's coverage in tiles too: each new
    segment's radial falloff (:mod:`gencanvas.core.brush`) is max-ed into it, and the area is
    repainted as the pre-stroke pixels plus the brush colour at that coverage, so repeated
    dabs within one stroke never build up into a hard disc. The mask layer is painted
    without antialiasing, so a hard mask brush gives a binary mask.
    """

    def __init__(
        self, item: LayerItem, layer: Layer, size: int, color: QColor, erase: bool, hardness: float = 1.0
    ) -> None:
        self._item = item
        self._layer = layer
        self._erase = erase
        paint = QColor(0, 0, 0) if erase else item.ink if layer is Layer.MASK else QColor(color)  # mask, region
        self._paint = paint
        self._radius = size / 2
        self._hardness = min(max(float(hardness), 0.0), 1.0)
        self._coverage: dict[tuple[int, int], np.ndarray] = {}  # the soft stroke's coverage by tile index
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
        if self._hardness < 1.0:
            self._add_coverage(area, start, point)
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
        self._coverage.clear()
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

    def _add_coverage(self, area: QRect, start: QPointF, end: QPointF) -> None:
        """Max the new segment's (or dab's) coverage into the stroke's coverage tiles."""
        new = segment_coverage(
            area.x(),
            area.y(),
            area.width(),
            area.height(),
            (start.x(), start.y()),
            (end.x(), end.y()),
            self._radius,
            self._hardness,
        )
        for (tx, ty), tile_part, area_part in _tile_parts(area):
            tile = self._coverage.setdefault((tx, ty), np.zeros((TILE, TILE), np.float32))
            np.maximum(tile[tile_part], new[area_part], out=tile[tile_part])

    def _stamp(self, area: QRect) -> np.ndarray:
        """The brush colour at the stroke's coverage over ``area``: premultiplied RGBA, uint8."""
        coverage = np.zeros((area.height(), area.width()), np.float32)
        for key, tile_part, area_part in _tile_parts(area):
            if key in self._coverage:
                coverage[area_part] = self._coverage[key][tile_part]
        alpha = coverage * self._paint.alphaF()
        rgba = (self._paint.red(), self._paint.green(), self._paint.blue(), 255)
        return np.ascontiguousarray(np.rint(alpha[..., None] * np.array(rgba, np.float32)).astype(np.uint8))

    def _repaint(self, area: QRect) -> None:
        painter = QPainter(self._item.image())
        painter.setClipRect(area)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        self._draw_tiles(painter, area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self._layer is not Layer.MASK)
        mode = QPainter.CompositionMode
        painter.setCompositionMode(
            mode.CompositionMode_DestinationOut if self._erase else mode.CompositionMode_SourceOver
        )
        if self._hardness < 1.0:
            stamp = self._stamp(area)
            image = QImage(stamp.data, area.width(), area.height(), 4 * area.width(), STAMP_FORMAT)
            painter.drawImage(area.topLeft(), image)
            painter.end()  # before ``stamp``, whose buffer the image borrows, can go
            return
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if not self._segments and self._last is not None:
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


Parts = tuple[tuple[int, int], tuple[slice, slice], tuple[slice, slice]]


def _tile_parts(area: QRect) -> list[Parts]:
    """For each tile under ``area``: its index, and the slices of the tile and of ``area`` they share."""
    parts = []
    for tx, ty in _tiles_under(area):
        shared = QRect(tx * TILE, ty * TILE, TILE, TILE).intersected(area)
        top, left, bottom, right = shared.top(), shared.left(), shared.bottom() + 1, shared.right() + 1
        in_tile = (slice(top - ty * TILE, bottom - ty * TILE), slice(left - tx * TILE, right - tx * TILE))
        in_area = (slice(top - area.top(), bottom - area.top()), slice(left - area.left(), right - area.left()))
        parts.append(((tx, ty), in_tile, in_area))
    return parts


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
