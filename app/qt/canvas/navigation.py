"""Zoom and hand panning of the canvas, apart from the painting code so each reads on its own."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

MIN_ZOOM = 0.05
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25  # per wheel notch / zoom_in()
FIT_MARGIN = 8  # viewport pixels kept free around the document by zoom_to_fit()


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
