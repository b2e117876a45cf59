"""The soft brush: hardness in the toolbar, partial coverage in the mask, and that coverage reaching plugins."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from superqt import QLabeledSlider

from gencanvas.core.brush import falloff, segment_coverage
from gencanvas.core.plugin_api import InputKind, Plugin, PluginInputs, RunContext
from gencanvas.qt.canvas import CanvasView, Layer, Tool
from gencanvas.qt.image_convert import array_from_qimage
from tests.canvas_fixtures import H, W

JOB_MS = 10_000


def alpha(view: CanvasView, layer: Layer) -> np.ndarray:
    return array_from_qimage(view.layer_image(layer), 4)[..., 3]


def drag(qtbot, view: CanvasView, points: list[tuple[float, float]]) -> None:
    target = view.viewport()
    positions = [view.mapFromScene(QPointF(x, y)) for x, y in points]
    qtbot.mousePress(target, Qt.MouseButton.LeftButton, pos=positions[0])
    for pos in positions[1:]:
        qtbot.mouseMove(target, pos)
    qtbot.mouseRelease(target, Qt.MouseButton.LeftButton, pos=positions[-1])


def test_falloff_is_hard_at_100_and_eases_to_zero_at_the_radius():
    distance = np.array([0.0, 4.0, 7.9, 8.1, 12.0], np.float32)
    np.testing.assert_array_equal(falloff(distance, 8, 1.0), [1, 1, 1, 0, 0])
    soft = falloff(distance, 8, 0.0)
    assert soft[0] == 1 and 0 < soft[1] < 1 and soft[3] == 0 and (np.diff(soft) <= 0).all()
    half = falloff(distance, 8, 0.5)
    assert half[1] == 1 and 0 < half[2] < 1  # full coverage up to hardness × radius
    dab = segment_coverage(0, 0, 9, 9, (4.5, 4.5), (4.5, 4.5), 4, 0.0)
    assert dab[4, 4] == 1 and dab[0, 0] == 0 and dab[4, 2] == dab[2, 4] == dab[4, 6]  # round


def test_hard_mask_brush_is_binary_and_soft_one_has_partial_coverage(qtbot, canvas):
    canvas.set_tool(Tool.MASK_BRUSH)
    canvas.set_brush_size(30)
    drag(qtbot, canvas, [(20, 25), (100, 25)])
    hard = alpha(canvas, Layer.MASK)
    assert set(np.unique(hard)) == {0, 255}
    assert hard[25, 20:101].all() and not hard[45:].any()

    canvas.set_brush_hardness(0)
    drag(qtbot, canvas, [(20, 65), (100, 65)])
    soft = alpha(canvas, Layer.MASK)[45:]
    partial = (soft > 0) & (soft < 255)
    assert partial.sum() > 500, "a soft brush leaves a band of partial coverage"
    column = soft[:, 60].astype(int)  # across the stroke: rises to the centre line, then falls
    centre = int(np.argmax(column))
    assert column[centre] >= 250 and abs(centre + 45 - 65) <= 1
    assert (np.diff(column[: centre + 1]) >= 0).all() and (np.diff(column[centre:]) <= 0).all()
    mask = canvas.plugin_inputs(frozenset({InputKind.MASK}))
    np.testing.assert_array_equal(mask.mask, mask.mask_alpha > 0)  # the bool mask is wherever anything is painted
    np.testing.assert_allclose(mask.mask_alpha[45:], soft / 255, atol=1e-6)


def test_going_back_and_forth_in_one_stroke_does_not_build_up(canvas):
    once = CanvasView(W, H)
    once.paint_stroke(Layer.MASK, [QPointF(20, 45), QPointF(100, 45)], 40, QColor("white"), hardness=0)
    scribble = [QPointF(20, 45), QPointF(100, 45), QPointF(20, 45), QPointF(100, 45), QPointF(60, 45)]
    canvas.paint_stroke(Layer.MASK, scribble, 40, QColor("white"), hardness=0)
    np.testing.assert_array_equal(alpha(canvas, Layer.MASK), alpha(once, Layer.MASK))
    once.deleteLater()


def test_soft_strokes_undo_exactly_and_erase_softly(canvas):
    canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 10), QPointF(110, 80)], 25, QColor(0, 90, 200), hardness=100)
    before = array_from_qimage(canvas.layer_image(Layer.SKETCH), 4)
    canvas.paint_stroke(Layer.SKETCH, [QPointF(10, 80), QPointF(110, 10)], 25, QColor(200, 30, 0, 160), hardness=20)
    after = array_from_qimage(canvas.layer_image(Layer.SKETCH), 4)
    assert not np.array_equal(before, after)
    canvas.undo_stack.undo()
    np.testing.assert_array_equal(array_from_qimage(canvas.layer_image(Layer.SKETCH), 4), before)
    canvas.undo_stack.redo()
    np.testing.assert_array_equal(array_from_qimage(canvas.layer_image(Layer.SKETCH), 4), after)

    canvas.paint_stroke(Layer.MASK, [QPointF(20, 45), QPointF(100, 45)], 60, QColor("white"), hardness=100)
    canvas.paint_stroke(Layer.MASK, [QPointF(60, 0), QPointF(60, 90)], 20, QColor(), erase=True, hardness=0)
    erased = alpha(canvas, Layer.MASK)[45]
    assert erased[60] <= 5 and erased[40] == 255 and 0 < erased[55] < 255  # a soft hole in the hard mask


class EchoAlpha(Plugin):
    """Returns the mask coverage it was handed as a grey picture."""

    id = "test-echo-mask-alpha"
    title = "Test echo mask alpha"
    inputs = frozenset({InputKind.MASK})
    seen: ClassVar[list[PluginInputs]] = []

    def run(self, inputs: PluginInputs, params, ctx: RunContext) -> np.ndarray:
        EchoAlpha.seen.append(inputs)
        assert inputs.mask_alpha is not None
        return np.repeat(np.rint(inputs.mask_alpha * 255).astype(np.uint8)[..., None], 3, axis=2)


@pytest.fixture
def registry(registry):
    registry.register(EchoAlpha.id, EchoAlpha)
    return registry


def test_hardness_slider_paints_soft_masks_whose_alpha_reaches_the_plugin(qtbot, window):
    window.new_document(128, 96)
    slider = window.findChild(QLabeledSlider, "brushHardness")
    assert slider is not None and slider.value() == 100 == window.canvas.brush_hardness
    slider.setValue(10)
    assert window.canvas.brush_hardness == 10
    window.canvas.set_tool(Tool.MASK_BRUSH)
    window.brush_size_slider.setValue(40)
    window.canvas.zoom_actual()
    drag(qtbot, window.canvas, [(30, 48), (98, 48)])
    painted = alpha(window.canvas, Layer.MASK)
    assert ((painted > 0) & (painted < 255)).any()

    EchoAlpha.seen.clear()
    window.panel.set_plugin(EchoAlpha.id)
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS):
        qtbot.mouseClick(window.panel.generate_button, Qt.MouseButton.LeftButton)
    (inputs,) = EchoAlpha.seen
    assert inputs.mask_alpha.dtype == np.float32 and inputs.mask_alpha.shape == (96, 128)
    np.testing.assert_allclose(inputs.mask_alpha, painted / 255, atol=1e-6)
    np.testing.assert_array_equal(inputs.mask, painted > 0)
    result = array_from_qimage(window.canvas.layer_image(Layer.RESULT), 3)[..., 0]
    np.testing.assert_array_equal(result, painted)


def test_a_grey_mask_file_gives_the_same_alpha_on_the_command_line_and_on_the_canvas(canvas, tmp_path):
    from PIL import Image

    from gencanvas.core.image_io import load_mask, load_mask_alpha
    from gencanvas.qt.image_convert import qimage_from_array

    grey = np.zeros((H, W), np.uint8)
    grey[20:60, 30:90] = np.linspace(0, 255, 60, dtype=np.uint8)[None, :]  # a ramp: partial coverage
    Image.fromarray(grey).save(tmp_path / "mask.png")
    alpha = load_mask_alpha(tmp_path / "mask.png")
    np.testing.assert_array_equal(alpha, grey.astype(np.float32) / 255)
    np.testing.assert_array_equal(load_mask(tmp_path / "mask.png"), grey > 0)
    canvas.set_layer_image(Layer.MASK, qimage_from_array(np.asarray(Image.open(tmp_path / "mask.png"))))
    inputs = canvas.plugin_inputs(frozenset({InputKind.MASK}))
    np.testing.assert_array_equal(inputs.mask_alpha, alpha)


def test_the_cli_hands_a_grey_mask_to_the_plugin_as_mask_alpha(tmp_path, capsys):
    from PIL import Image

    from gencanvas.cli import main
    from gencanvas.core.image_io import load_image

    photo = np.zeros((40, 60, 3), np.uint8)
    photo[:, 30:] = 255  # black left half, white right half
    Image.fromarray(photo).save(tmp_path / "photo.png")
    grey = np.zeros((40, 60), np.uint8)
    grey[10:30, 20:40] = 255
    grey[10:30, 40:46] = 60  # a faint soft edge
    Image.fromarray(grey).save(tmp_path / "soft.png")
    Image.fromarray(np.where(grey > 0, 255, 0).astype(np.uint8)).save(tmp_path / "hard.png")

    def inpaint(mask: str) -> np.ndarray:
        out = tmp_path / f"{mask}.out.png"
        argv = ["generate", "--plugin", "inpaint-classical", "--image", str(tmp_path / "photo.png")]
        argv += ["--mask", str(tmp_path / f"{mask}.png"), "--param", "grow_mask=0", "-q", "-o", str(out)]
        assert main(argv) == 0, capsys.readouterr().err
        return load_image(out).rgb.astype(np.float32)

    soft, hard = inpaint("soft"), inpaint("hard")
    np.testing.assert_array_equal(soft[grey == 0], photo[grey == 0])  # unpainted: exact
    alpha = (grey / 255)[..., None]
    expected = photo * (1 - alpha) + hard * alpha  # the same fill, shown at the painted coverage
    assert np.abs(soft - expected).max() <= 1
    assert not np.array_equal(soft[grey == 60], hard[grey == 60])
