"""An upscaled result grows the canvas: full resolution kept, one undo step, saved at the new size."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from gencanvas.core.plugin_api import InputKind, Plugin, PluginInputs, RunContext
from gencanvas.core.project_reader import read_project
from gencanvas.qt.canvas import Layer
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array

JOB_MS = 20_000
W, H = 96, 64


def layer_rgba(window, layer: Layer) -> np.ndarray:
    return array_from_qimage(window.canvas.layer_image(layer), 4)


def generate(qtbot, window, plugin_id: str, values: dict | None = None):
    window.panel.set_plugin(plugin_id)
    if values:
        window.panel.current_form().set_values(values)
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS) as blocker:
        qtbot.mouseClick(window.panel.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def picture(window) -> None:
    """A smooth photo, a translucent sketch stroke and a hard mask stroke on a W×H document."""
    window.new_document(W, H)
    y, x = np.mgrid[0:H, 0:W]
    photo = np.stack([x * 2, y * 3, 255 - x - y], axis=2).astype(np.uint8)
    window.canvas.replace_photo(qimage_from_array(photo))
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 10), QPointF(80, 50)], 9, QColor(0, 0, 255, 140))
    window.canvas.paint_stroke(Layer.MASK, [QPointF(20, 40), QPointF(70, 40)], 14, QColor("white"), hardness=100)


def test_upscale_2x_grows_the_canvas_and_one_undo_restores_it_exactly(qtbot, window, tmp_path):
    picture(window)
    window.canvas.zoom_actual()
    before = {layer: layer_rgba(window, layer) for layer in Layer}
    centre = window.canvas._to_document(QPointF(window.canvas.viewport().rect().center()))

    entry = generate(qtbot, window, "upscale", {"model": "lanczos", "scale": 2.0})
    assert window.canvas.document_size() == (2 * W, 2 * H)
    assert "Canvas grown to 192×128 for the upscaled result" in window.status.message.text()
    result = layer_rgba(window, Layer.RESULT)
    np.testing.assert_array_equal(result[..., :3], entry.pixels)  # the result at full resolution, unscaled
    assert (result[..., 3] == 255).all()
    nearest = np.repeat(np.repeat(before[Layer.MASK][..., 3], 2, axis=0), 2, axis=1)
    np.testing.assert_array_equal(layer_rgba(window, Layer.MASK)[..., 3], nearest)  # the mask stays as painted
    photo = layer_rgba(window, Layer.PHOTO)[..., :3].astype(int)
    coarse = photo.reshape(H, 2, W, 2, 3).mean(axis=(1, 3))
    assert np.abs(coarse - before[Layer.PHOTO][..., :3]).max() <= 3  # the same photo, scaled smoothly
    # The view shows the same picture: half the zoom, the same point of it in the middle.
    assert window.canvas.zoom_factor() == pytest.approx(0.5)
    now = window.canvas._to_document(QPointF(window.canvas.viewport().rect().center()))
    assert abs(now.x() - 2 * centre.x()) <= 2 and abs(now.y() - 2 * centre.y()) <= 2

    assert window.save_to(tmp_path / "grown.ora")
    project = read_project(tmp_path / "grown.ora")
    assert (project.width, project.height) == (2 * W, 2 * H)
    np.testing.assert_array_equal(project.layer("result").pixels[..., :3], entry.pixels)

    window.canvas.undo_stack.undo()  # one step back: the old size and every layer, pixel for pixel
    assert window.canvas.document_size() == (W, H)
    for layer in Layer:
        np.testing.assert_array_equal(layer_rgba(window, layer), before[layer], err_msg=layer.name)
    window.canvas.undo_stack.redo()
    assert window.canvas.document_size() == (2 * W, 2 * H)
    np.testing.assert_array_equal(layer_rgba(window, Layer.RESULT)[..., :3], entry.pixels)


def test_a_result_of_the_canvas_size_or_smaller_never_resizes(qtbot, window):
    picture(window)
    generate(qtbot, window, "upscale", {"model": "lanczos", "scale": 1.0})
    assert window.canvas.document_size() == (W, H)
    window.canvas.commit_result(qimage_from_array(np.zeros((32, 200, 3), np.uint8)))  # wider but shorter
    assert window.canvas.document_size() == (W, H)


class TiledUpscale(Plugin):
    """Streams a 3× frame with only its top-left tile finished, waits, then returns the 3× image."""

    id = "test-tiled-upscale"
    title = "Test tiled upscale"
    inputs = frozenset({InputKind.IMAGE})
    release = threading.Event()

    def run(self, inputs: PluginInputs, params, ctx: RunContext) -> np.ndarray:
        frame = np.zeros((3 * inputs.height, 3 * inputs.width, 3), np.uint8)
        frame[: 3 * inputs.height // 2, : 3 * inputs.width // 2] = (250, 20, 20)  # the first of four tiles
        ctx.emit(frame, 1, 4)
        TiledUpscale.release.wait(JOB_MS / 1000)
        return np.full_like(frame, 200)


@pytest.fixture
def registry(registry):
    registry.register(TiledUpscale.id, TiledUpscale)
    return registry


def test_streamed_tiles_of_an_upscale_land_in_place_before_the_canvas_grows(qtbot, window):
    picture(window)
    TiledUpscale.release.clear()
    window.panel.set_plugin(TiledUpscale.id)
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS):
        qtbot.mouseClick(window.panel.generate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.status.progress.value() >= 1, timeout=JOB_MS)
        shown = window.canvas.viewport().grab().toImage()  # what the artist sees while the tile streams in
        streamed = array_from_qimage(window.canvas.composite(include_sketch=False), 3)
        TiledUpscale.release.set()
    assert streamed.shape[:2] == (H, W)  # while streaming, the document keeps its size ...
    assert (streamed[: H // 2 - 1, : W // 2 - 1] == (250, 20, 20)).all()  # ... and the tile shows where it belongs
    assert (streamed[H // 2 + 1 :] == 0).all() and (streamed[:, W // 2 + 1 :] == 0).all()  # the others not yet
    on_screen = array_from_qimage(shown, 3)
    assert (on_screen == (250, 20, 20)).all(axis=2).sum() > 0.2 * (W // 2) * (H // 2)
    assert window.canvas.document_size() == (3 * W, 3 * H)
    assert (layer_rgba(window, Layer.RESULT)[..., :3] == 200).all()
