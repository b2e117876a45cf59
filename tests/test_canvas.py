"""The canvas as an artist uses it: strokes, undo, masks, results, picking, zoom and drops."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage, QWheelEvent

from gencanvas.core.plugin_api import InputKind
from gencanvas.qt.canvas import MAX_ZOOM, MIN_ZOOM, CanvasView, Layer, Tool
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array
from tests.canvas_fixtures import H, W

RED = QColor(255, 0, 0)


def rgba(view: CanvasView, layer: Layer) -> np.ndarray:
    return array_from_qimage(view.layer_image(layer), 4)


def solid(width: int, height: int, color: QColor, fmt: QImage.Format = QImage.Format.Format_RGB32) -> QImage:
    image = QImage(width, height, fmt)
    image.fill(color)
    return image


def viewport_pos(view: CanvasView, x: float, y: float) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def drag(qtbot, view: CanvasView, points: list[tuple[float, float]]) -> None:
    """A left-button drag through document points, sent to the viewport like a real mouse."""
    target = view.viewport()
    positions = [viewport_pos(view, x, y) for x, y in points]
    qtbot.mousePress(target, Qt.MouseButton.LeftButton, pos=positions[0])
    for pos in positions[1:]:
        qtbot.mouseMove(target, pos)
    qtbot.mouseRelease(target, Qt.MouseButton.LeftButton, pos=positions[-1])


def drop_event(mime: QMimeData) -> QDropEvent:
    return QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )


def test_new_canvas_layers(canvas):
    assert canvas.document_size() == (W, H)
    photo = rgba(canvas, Layer.PHOTO)
    assert photo.shape == (H, W, 4) and (photo == 255).all()  # opaque white paper
    for layer in (Layer.RESULT, Layer.SKETCH, Layer.MASK):
        assert not rgba(canvas, layer)[..., 3].any()
    assert canvas.layer_image(Layer.PHOTO).format() == QImage.Format.Format_ARGB32_Premultiplied


def test_programmatic_stroke_touches_only_sketch_along_path_and_undoes_exactly(canvas):
    before = {layer: rgba(canvas, layer) for layer in Layer}
    assert canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 20), QPointF(60, 20)], 6, RED)
    after = rgba(canvas, Layer.SKETCH)

    assert tuple(after[20, 35]) == (255, 0, 0, 255)
    assert tuple(after[60, 35]) == (0, 0, 0, 0)
    changed_y, changed_x = np.nonzero((after != before[Layer.SKETCH]).any(axis=2))
    assert changed_y.min() >= 20 - 4 and changed_y.max() <= 20 + 4
    assert changed_x.min() >= 10 - 4 and changed_x.max() <= 60 + 4
    for layer in (Layer.PHOTO, Layer.RESULT, Layer.MASK):
        assert np.array_equal(rgba(canvas, layer), before[layer])

    assert canvas.undo_stack.count() == 1
    canvas.undo_stack.undo()
    assert np.array_equal(rgba(canvas, Layer.SKETCH), before[Layer.SKETCH])
    canvas.undo_stack.redo()
    assert np.array_equal(rgba(canvas, Layer.SKETCH), after)


def test_translucent_stroke_is_even_where_segments_join(canvas):
    translucent = QColor(0, 0, 255, 100)
    canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 40), QPointF(40, 40), QPointF(70, 40)], 10, translucent)
    sketch = rgba(canvas, Layer.SKETCH)
    assert sketch[40, 40, 3] == sketch[40, 25, 3] == sketch[40, 55, 3]  # no darker joint


def test_self_crossing_translucent_stroke_is_even(canvas):
    points = [QPointF(10, 40), QPointF(70, 40), QPointF(70, 70), QPointF(40, 70), QPointF(40, 10)]
    canvas.paint_stroke(Layer.SKETCH, points, 8, QColor(0, 0, 255, 100))
    alpha = rgba(canvas, Layer.SKETCH)[..., 3]
    assert alpha[40, 40] == alpha[40, 20] == alpha[20, 40]  # where the stroke crosses itself


def test_long_stroke_over_many_tiles_undoes_exactly(qtbot):
    view = CanvasView(700, 500)
    qtbot.addWidget(view)
    noise = np.random.default_rng(0).integers(0, 256, (500, 700, 4), dtype=np.uint8)
    noise[..., 3] = 255
    view.set_layer_image(Layer.SKETCH, qimage_from_array(noise))
    before = rgba(view, Layer.SKETCH)
    zigzag = [QPointF(20 + 30 * i, 30 if i % 2 else 470) for i in range(22)]
    assert view.paint_stroke(Layer.SKETCH, zigzag, 15, QColor(255, 255, 0, 180))
    after = rgba(view, Layer.SKETCH)
    assert not np.array_equal(after, before)
    view.undo_stack.undo()
    assert np.array_equal(rgba(view, Layer.SKETCH), before)
    view.undo_stack.redo()
    assert np.array_equal(rgba(view, Layer.SKETCH), after)


def test_click_paints_a_round_dab(canvas):
    assert canvas.paint_stroke(Layer.SKETCH, [QPointF(50, 50)], 10, RED)
    alpha = rgba(canvas, Layer.SKETCH)[..., 3]
    assert alpha[50, 50] == 255 and alpha[50, 60] == 0
    assert alpha[46, 46] < alpha[50, 46]  # round, not square: the corner is lighter


@pytest.mark.parametrize("zoom_steps", [0, 3])
def test_mouse_stroke_paints_in_document_coordinates_and_emits(qtbot, canvas, zoom_steps):
    for _ in range(zoom_steps):
        canvas.zoom_in()
    canvas.centerOn(W / 2, H / 2)
    canvas.set_brush_color(QColor(0, 128, 0))
    canvas.set_brush_size(8)
    with qtbot.waitSignal(canvas.strokeFinished) as finished:
        drag(qtbot, canvas, [(40, 30), (60, 30), (80, 30)])
    assert finished.args == [Layer.SKETCH]
    sketch = rgba(canvas, Layer.SKETCH)
    assert tuple(sketch[30, 70]) == (0, 128, 0, 255)
    assert sketch[30 + 8, 70, 3] == 0  # the width follows brush_size in document pixels, not zoom
    assert canvas.undo_stack.count() == 1  # one drag is one undo step


def test_stroke_undo_memory_is_bounded_by_the_dirty_rect(qtbot):
    view = CanvasView(800, 600)
    qtbot.addWidget(view)
    view.paint_stroke(Layer.SKETCH, [QPointF(100, 100), QPointF(130, 110)], 10, RED)
    command = view.undo_stack.command(0)
    assert command.before.size() == command.rect.size() == command.after.size()
    assert command.rect.contains(QRectF(95, 95, 40, 20).toRect())
    assert command.rect.width() <= 30 + 10 + 6 and command.rect.height() <= 10 + 10 + 6


def test_mask_brush_paints_the_mask_only(qtbot, canvas):
    canvas.set_tool(Tool.MASK_BRUSH)
    canvas.set_brush_size(10)
    with qtbot.waitSignal(canvas.strokeFinished) as finished:
        drag(qtbot, canvas, [(20, 45), (100, 45)])
    assert finished.args == [Layer.MASK]
    mask = canvas.mask_array()
    assert mask.dtype == np.bool_ and mask.shape == (H, W)
    assert mask[45, 20:101].all()
    assert not mask[:38].any() and not mask[53:].any()
    assert not rgba(canvas, Layer.SKETCH)[..., 3].any()


def test_eraser_follows_the_last_paint_tool_and_erases_the_mask(qtbot, canvas):
    canvas.set_tool(Tool.MASK_BRUSH)
    canvas.set_brush_size(40)
    drag(qtbot, canvas, [(20, 45), (100, 45)])
    canvas.paint_stroke(Layer.SKETCH, [QPointF(20, 45), QPointF(100, 45)], 40, RED)
    sketch_before = rgba(canvas, Layer.SKETCH)

    canvas.set_tool(Tool.ERASER)
    assert canvas.eraser_target is Layer.MASK
    canvas.set_brush_size(10)
    drag(qtbot, canvas, [(60, 10), (60, 80)])
    mask = canvas.mask_array()
    assert not mask[30:60, 57:64].any()
    assert mask[45, 30] and mask[45, 90]
    assert np.array_equal(rgba(canvas, Layer.SKETCH), sketch_before)
    canvas.undo_stack.undo()
    assert canvas.mask_array()[45, 60]

    canvas.set_tool(Tool.BRUSH)
    assert canvas.eraser_target is Layer.SKETCH
    canvas.set_eraser_target(Layer.MASK)
    assert canvas.eraser_target is Layer.MASK
    with pytest.raises(ValueError):
        canvas.set_eraser_target(Layer.PHOTO)


def test_plugin_inputs_have_only_the_requested_layers(canvas):
    canvas.paint_stroke(Layer.SKETCH, [QPointF(30, 30)], 12, QColor(200, 100, 50, 128))
    canvas.paint_stroke(Layer.MASK, [QPointF(70, 60)], 12, RED)

    only_image = canvas.plugin_inputs(frozenset({InputKind.IMAGE}))
    assert (only_image.width, only_image.height) == (W, H)
    assert only_image.image.shape == (H, W, 3) and only_image.image.dtype == np.uint8
    assert only_image.sketch is None and only_image.mask is None

    everything = canvas.plugin_inputs(frozenset(InputKind))
    assert everything.sketch.shape == (H, W, 4) and everything.sketch.dtype == np.uint8
    r, g, b, a = (int(v) for v in everything.sketch[30, 30])
    assert abs(a - 128) <= 1 and abs(r - 200) <= 2 and abs(g - 100) <= 2 and abs(b - 50) <= 2  # straight alpha
    assert everything.mask.dtype == np.bool_ and everything.mask.shape == (H, W)
    assert everything.mask[60, 70] and not everything.mask[30, 30]

    nothing = canvas.plugin_inputs(frozenset())
    assert (nothing.width, nothing.height) == (W, H)
    assert nothing.image is None and nothing.sketch is None and nothing.mask is None


def test_replace_photo_resizes_and_one_undo_restores_everything(qtbot, canvas):
    canvas.paint_stroke(Layer.PHOTO, [QPointF(5, 5), QPointF(50, 50)], 7, QColor(10, 20, 30))
    canvas.paint_stroke(Layer.SKETCH, [QPointF(60, 20)], 9, RED)
    canvas.commit_result(solid(32, 32, QColor(0, 255, 0)))
    before = {layer: rgba(canvas, layer) for layer in Layer}
    depth = canvas.undo_stack.count()

    with qtbot.waitSignal(canvas.documentResized) as resized:
        canvas.replace_photo(solid(40, 30, QColor(0, 0, 255)))
    assert resized.args == [40, 30]
    assert canvas.document_size() == (40, 30)
    assert tuple(rgba(canvas, Layer.PHOTO)[15, 20]) == (0, 0, 255, 255)
    assert not rgba(canvas, Layer.RESULT)[..., 3].any()
    assert canvas.layer_image(Layer.SKETCH).size().toTuple() == (40, 30)
    assert canvas.undo_stack.count() == depth + 1

    with qtbot.waitSignal(canvas.documentResized) as resized:
        canvas.undo_stack.undo()
    assert resized.args == [W, H]
    assert canvas.document_size() == (W, H)
    for layer in Layer:
        assert np.array_equal(rgba(canvas, layer), before[layer]), layer
    canvas.undo_stack.redo()
    assert canvas.document_size() == (40, 30)
    assert tuple(rgba(canvas, Layer.PHOTO)[0, 0]) == (0, 0, 255, 255)


def test_set_layer_image_scales_to_the_document_and_clear_is_undoable(canvas):
    canvas.set_layer_image(Layer.RESULT, solid(32, 32, QColor(0, 0, 255)))
    result = canvas.layer_image(Layer.RESULT)
    assert result.size().toTuple() == (W, H)
    assert tuple(rgba(canvas, Layer.RESULT)[H - 1, W - 1]) == (0, 0, 255, 255)
    canvas.clear_layer(Layer.RESULT)
    assert not rgba(canvas, Layer.RESULT)[..., 3].any()
    canvas.undo_stack.undo()
    assert rgba(canvas, Layer.RESULT)[..., 3].all()


def test_mask_layer_from_a_bool_image_keeps_coverage(canvas):
    grey = QImage(W, H, QImage.Format.Format_Grayscale8)
    grey.fill(0)
    for y in range(10, 20):
        for x in range(10, 30):
            grey.setPixelColor(x, y, QColor(255, 255, 255))
    canvas.set_layer_image(Layer.MASK, grey)
    mask = canvas.mask_array()
    assert mask[10:20, 10:30].all() and mask.sum() == 200


def test_show_frame_is_not_undoable_but_commit_result_is(canvas):
    first = solid(32, 32, QColor(0, 255, 0))
    canvas.commit_result(first)
    assert canvas.undo_stack.count() == 1
    for shade in range(0, 250, 50):
        canvas.show_frame(solid(32, 32, QColor(shade, shade, shade), QImage.Format.Format_RGB888))
    assert canvas.undo_stack.count() == 1
    assert canvas.layer_image(Layer.RESULT).size().toTuple() == (W, H)
    assert tuple(rgba(canvas, Layer.RESULT)[40, 40]) == (200, 200, 200, 255)

    canvas.commit_result(solid(32, 32, QColor(255, 0, 255)))
    assert canvas.undo_stack.count() == 2
    canvas.undo_stack.undo()  # back to the previous result, not to the last preview frame
    assert tuple(rgba(canvas, Layer.RESULT)[40, 40]) == (0, 255, 0, 255)


def test_discard_preview_restores_the_committed_result(canvas):
    canvas.show_frame(solid(W, H, QColor(9, 9, 9)))
    assert rgba(canvas, Layer.RESULT)[..., 3].all()
    canvas.discard_preview()
    assert not rgba(canvas, Layer.RESULT)[..., 3].any()
    assert canvas.undo_stack.count() == 0


def test_apply_result_to_photo_and_undo(canvas):
    result = solid(W, H, QColor(Qt.GlobalColor.transparent), QImage.Format.Format_ARGB32)
    for x in range(W // 2):
        for y in range(H):
            result.setPixelColor(x, y, QColor(0, 0, 255))
    canvas.commit_result(result)
    canvas.apply_result_to_photo()
    photo = rgba(canvas, Layer.PHOTO)
    assert tuple(photo[10, 10]) == (0, 0, 255, 255) and tuple(photo[10, W - 10]) == (255, 255, 255, 255)
    assert not rgba(canvas, Layer.RESULT)[..., 3].any()
    canvas.undo_stack.undo()
    assert (rgba(canvas, Layer.PHOTO) == 255).all()
    assert tuple(rgba(canvas, Layer.RESULT)[10, 10]) == (0, 0, 255, 255)


def test_picker_emits_the_visible_colour_and_returns_to_brush(qtbot, canvas):
    canvas.commit_result(solid(W, H, QColor(0, 255, 0)))
    canvas.paint_stroke(Layer.SKETCH, [QPointF(30, 30)], 12, QColor(0, 0, 255, 128))
    canvas.paint_stroke(Layer.MASK, [QPointF(30, 30)], 12, RED)  # the red overlay is not picked
    canvas.set_tool(Tool.PICKER)
    with qtbot.waitSignal(canvas.colorPicked) as picked, qtbot.waitSignal(canvas.toolChanged):
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=viewport_pos(canvas, 30.5, 30.5))
    color = picked.args[0]
    expected = canvas.composite().pixelColor(30, 30)
    assert color.rgb() == expected.rgb()
    assert color.red() == 0 and 120 <= color.green() <= 135 and 120 <= color.blue() <= 135
    assert canvas.tool is Tool.BRUSH and canvas.brush_color.rgb() == color.rgb()
    assert canvas.undo_stack.count() == 3  # picking edits nothing


def test_composite_respects_flags_and_visibility(canvas):
    canvas.commit_result(solid(W, H, QColor(0, 255, 0)))
    canvas.paint_stroke(Layer.SKETCH, [QPointF(30, 30)], 12, RED)
    assert canvas.composite().pixelColor(30, 30).rgb() == RED.rgb()
    assert canvas.composite(include_sketch=False).pixelColor(30, 30).rgb() == QColor(0, 255, 0).rgb()
    assert canvas.composite(include_result=False).pixelColor(60, 60).rgb() == QColor(Qt.GlobalColor.white).rgb()
    canvas.set_layer_visible(Layer.RESULT, False)
    assert canvas.composite().pixelColor(60, 60).rgb() == QColor(Qt.GlobalColor.white).rgb()


def test_zoom_clamps_fits_and_emits(qtbot, canvas):
    with qtbot.waitSignal(canvas.zoomChanged):
        canvas.zoom_in()
    assert canvas.zoom_factor() == pytest.approx(1.25)
    for _ in range(100):
        canvas.zoom_in()
    assert canvas.zoom_factor() == pytest.approx(MAX_ZOOM)
    for _ in range(200):
        canvas.zoom_out()
    assert canvas.zoom_factor() == pytest.approx(MIN_ZOOM)

    canvas.zoom_to_fit()
    viewport = canvas.viewport().rect()
    shown = canvas.mapFromScene(QRectF(0, 0, W, H)).boundingRect()
    assert viewport.contains(shown)
    assert shown.width() >= viewport.width() - 20 or shown.height() >= viewport.height() - 20
    canvas.zoom_actual()
    assert canvas.zoom_factor() == 1.0


def test_wheel_zooms_about_the_cursor(canvas):
    for _ in range(8):  # the document is now larger than the viewport, so it can scroll
        canvas.zoom_in()
    cursor = QPointF(viewport_pos(canvas, 70, 50))
    for modifiers in (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier):
        before = canvas.zoom_factor()
        event = QWheelEvent(
            cursor, canvas.viewport().mapToGlobal(cursor), QPoint(), QPoint(0, 120),
            Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        canvas.wheelEvent(event)
        assert canvas.zoom_factor() == pytest.approx(before * 1.25)
        under_cursor = canvas.mapToScene(cursor.toPoint())
        assert abs(under_cursor.x() - 70) < 1.5 and abs(under_cursor.y() - 50) < 1.5


def test_zoomed_in_rendering_is_pixel_sharp(qtbot, canvas):
    photo = solid(W, H, QColor(Qt.GlobalColor.white))
    photo.setPixelColor(20, 20, QColor(Qt.GlobalColor.black))
    canvas.set_layer_image(Layer.PHOTO, photo)
    for _ in range(10):  # 1.25 ** 10 is about 9.3
        canvas.zoom_in()
    canvas.centerOn(20.5, 20.5)
    grabbed = canvas.viewport().grab().toImage()
    x0, y0 = canvas.mapFromScene(QPointF(20, 20)).toTuple()  # the black pixel spans about 9x9 screen pixels
    dark = [grabbed.pixelColor(x0 + dx, y0 + dy).lightness() for dx in range(1, 8) for dy in range(1, 8)]
    light = [grabbed.pixelColor(x0 + 12 + dx, y0 + dy).lightness() for dx in range(1, 8) for dy in range(1, 8)]
    assert max(dark) == 0 and min(light) == 255  # hard edges, no interpolation


def test_file_drop_emits_local_paths(qtbot, canvas, tmp_path):
    paths = [str(tmp_path / "a.png"), str(tmp_path / "b.jpg")]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    event = drop_event(mime)
    with qtbot.waitSignal(canvas.filesDropped) as dropped:
        canvas.dropEvent(event)
    assert dropped.args == [paths]
    assert event.isAccepted()
    assert canvas.undo_stack.count() == 0  # the window loads files, not the canvas


def test_image_drop_emits_the_image(qtbot, canvas):
    mime = QMimeData()
    mime.setImageData(solid(16, 8, QColor(1, 2, 3)))
    event = drop_event(mime)
    with qtbot.waitSignal(canvas.imageDropped) as dropped:
        canvas.dropEvent(event)
    image = dropped.args[0]
    assert image.size().toTuple() == (16, 8) and image.pixelColor(0, 0).rgb() == QColor(1, 2, 3).rgb()


def test_space_drag_pans_instead_of_painting(qtbot, canvas):
    for _ in range(8):  # larger than the viewport, so there is room to pan
        canvas.zoom_in()
    start = canvas.horizontalScrollBar().value()
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    drag(qtbot, canvas, [(60, 45), (50, 45)])
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.horizontalScrollBar().value() > start
    assert canvas.undo_stack.count() == 0 and not rgba(canvas, Layer.SKETCH)[..., 3].any()


def test_new_document_clears_layers_and_history(qtbot, canvas):
    canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 10)], 5, RED)
    with qtbot.waitSignal(canvas.documentResized):
        canvas.new_document(64, 32)
    assert canvas.document_size() == (64, 32)
    assert canvas.undo_stack.count() == 0
    assert not rgba(canvas, Layer.SKETCH)[..., 3].any() and (rgba(canvas, Layer.PHOTO) == 255).all()


def test_brush_size_is_clamped(canvas):
    canvas.set_brush_size(0)
    assert canvas.brush_size == 1
    canvas.set_brush_size(10_000)
    assert canvas.brush_size == 512
