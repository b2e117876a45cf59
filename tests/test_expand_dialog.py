"""Image › Expand canvas in the window: one undo step that grows every layer and masks the new area."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from gencanvas.core.expand import Margins
from gencanvas.core.plugin_api import InputKind, PluginError
from gencanvas.qt.canvas import CanvasView, Layer
from gencanvas.qt.expand_dialog import ExpandDialog, apply_expand
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array

ALL = frozenset({InputKind.IMAGE, InputKind.SKETCH, InputKind.MASK})


@pytest.fixture
def canvas(qtbot) -> CanvasView:
    view = CanvasView(40, 30)
    qtbot.addWidget(view)
    return view


def test_expand_keeps_pixels_masks_the_new_area_and_undoes_in_one_step(canvas):
    photo = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    canvas.replace_photo(qimage_from_array(photo))
    mask = np.zeros((30, 40), bool)
    mask[5:10, 5:10] = True
    canvas.set_layer_image(Layer.MASK, qimage_from_array(mask))
    steps = canvas.undo_stack.count()
    apply_expand(canvas, Margins(left=8, top=0, right=16, bottom=4))
    assert canvas.document_size() == (64, 34)
    after = canvas.plugin_inputs(ALL)
    np.testing.assert_array_equal(after.image[0:30, 8:48], photo)
    expected = np.ones((34, 64), bool)
    expected[0:30, 8:48] = False
    np.testing.assert_array_equal(after.mask, expected)
    assert (array_from_qimage(canvas.layer_image(Layer.SKETCH), 4)[..., 3] == 0).all()
    assert canvas.undo_stack.count() == steps + 1
    canvas.undo_stack.undo()
    assert canvas.document_size() == (40, 30)
    np.testing.assert_array_equal(canvas.plugin_inputs(ALL).image, photo)
    np.testing.assert_array_equal(canvas.plugin_inputs(ALL).mask, mask)


def test_beyond_the_limit_changes_nothing(canvas):
    with pytest.raises(PluginError, match="8192 px limit"):
        apply_expand(canvas, Margins(right=9000))
    assert canvas.document_size() == (40, 30) and canvas.undo_stack.count() == 0


def test_dialog_presets_fill_the_sides_and_refuse_beyond_the_limit(qtbot):
    dialog = ExpandDialog(160, 90)
    qtbot.addWidget(dialog)
    dialog.preset.setCurrentText("1:1")
    assert dialog.margins() == Margins(0, 35, 0, 35)
    dialog.anchor.setCurrentText("top")
    assert dialog.margins() == Margins(0, 0, 0, 70)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled() and "160×90 → 160×160" in dialog.summary.text()
    dialog.spins["right"].setValue(8100)
    assert not ok.isEnabled() and "8192 px limit" in dialog.summary.text()


def test_a_result_not_yet_applied_is_expanded_with_the_photo_and_undone_with_it(canvas):
    photo = np.full((30, 40, 3), 50, np.uint8)
    canvas.replace_photo(qimage_from_array(photo))
    result = np.random.default_rng(1).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    canvas.commit_result(qimage_from_array(result))
    steps = canvas.undo_stack.count()
    apply_expand(canvas, Margins(right=10))
    np.testing.assert_array_equal(canvas.plugin_inputs(ALL).image[:, :40], result)  # the picture as seen grew
    assert canvas.undo_stack.count() == steps + 1
    canvas.undo_stack.undo()
    np.testing.assert_array_equal(canvas.plugin_inputs(ALL).image, photo)
    np.testing.assert_array_equal(array_from_qimage(canvas.layer_image(Layer.RESULT), 3), result)
