"""The feather preview: the mask overlay shows the grown and feathered mask the plugin will use."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from gencanvas.core.mask_ops import soft_mask
from gencanvas.qt.canvas import Layer
from gencanvas.qt.image_convert import array_from_qimage

WAIT_MS = 5_000


def painted_coverage(window) -> np.ndarray:
    return array_from_qimage(window.canvas.layer_image(Layer.MASK), 4)[..., 3].astype(np.float32) / 255


def preview_alpha(window) -> np.ndarray | None:
    preview = window.canvas.mask_preview()
    return None if preview is None else array_from_qimage(preview, 4)[..., 3]


def expected_alpha(window, grow: int, feather: int) -> np.ndarray:
    coverage = painted_coverage(window)
    return np.rint(soft_mask(coverage > 0, grow, feather, coverage).alpha * 255).astype(np.uint8)


def shows(window, grow: int, feather: int) -> bool:
    alpha = preview_alpha(window)
    return alpha is not None and np.array_equal(alpha, expected_alpha(window, grow, feather))


def test_preview_follows_the_sliders_and_equals_the_soft_mask(qtbot, window):
    window.new_document(160, 120)
    window.canvas.paint_stroke(Layer.MASK, [QPointF(40, 60), QPointF(120, 60)], 30, QColor("white"), hardness=30)
    window.panel.set_plugin("inpaint-classical")
    form = window.panel.current_form()
    form.set_values({"grow_mask": 3, "feather": 10})
    qtbot.waitUntil(lambda: shows(window, 3, 10), timeout=WAIT_MS)
    alpha = preview_alpha(window)
    painted = painted_coverage(window)
    assert (alpha[painted == 0] > 0).sum() > 200, "the grown feather band reaches beyond the painted mask"

    form.set_values({"grow_mask": -2, "feather": 4})  # a slider moves: the overlay follows
    qtbot.waitUntil(lambda: shows(window, -2, 4), timeout=WAIT_MS)

    window.canvas.paint_stroke(Layer.MASK, [QPointF(80, 10), QPointF(80, 110)], 12, QColor("white"))
    assert window.canvas.mask_preview() is None  # an edit shows the painted mask at once ...
    qtbot.waitUntil(lambda: shows(window, -2, 4), timeout=WAIT_MS)  # ... and the new preview follows
    window.canvas.undo_stack.undo()
    qtbot.waitUntil(lambda: shows(window, -2, 4), timeout=WAIT_MS)

    form.set_values({"grow_mask": 0, "feather": 0})  # nothing to preview: the mask itself
    qtbot.waitUntil(lambda: window.canvas.mask_preview() is None, timeout=WAIT_MS)
    form.set_values({"feather": 6})
    qtbot.waitUntil(lambda: shows(window, 0, 6), timeout=WAIT_MS)
    window.panel.set_plugin("test-stream")  # a plugin without the sliders shows the painted mask
    qtbot.waitUntil(lambda: window.canvas.mask_preview() is None, timeout=WAIT_MS)


def test_the_overlay_on_screen_shows_the_feather(qtbot, window):
    window.new_document(160, 120)
    window.canvas.paint_stroke(Layer.MASK, [QPointF(40, 60), QPointF(120, 60)], 20, QColor("white"))
    window.canvas.zoom_actual()
    before = window.canvas.viewport().grab().toImage()
    window.panel.set_plugin("inpaint-classical")
    window.panel.current_form().set_values({"grow_mask": 0, "feather": 16})
    qtbot.waitUntil(lambda: shows(window, 0, 16), timeout=WAIT_MS)
    window.canvas.viewport().repaint()
    after = window.canvas.viewport().grab().toImage()
    scene_to_view = window.canvas.mapFromScene
    edge = scene_to_view(QPointF(80, 75))  # 5 px below the painted edge: inside the outer half of the band
    centre = scene_to_view(QPointF(80, 60))
    assert before.pixelColor(edge).red() == before.pixelColor(edge).green()  # not masked before: grey/white paper
    tinted = after.pixelColor(edge)
    assert tinted.red() > tinted.green() + 10  # now a faint red: the feather shows
    assert after.pixelColor(centre) == before.pixelColor(centre)  # well inside, the same full overlay
