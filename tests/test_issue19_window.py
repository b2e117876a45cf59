"""Issue 19 end to end in the real window, as an artist would use it, on the tiny random SD models.

Each piece (regions, soft masks, tiled outpainting, upscaled results growing the canvas)
has its own tests; these run them together through the window's panels, brushes, menus
and files: paint a region and type its prompt, paint a soft mask, Outpaint from the Image
menu, upscale and reopen the saved project. Screenshots of the regional run and of the
outpaint are written next to the test's files (``tmp_path``) for a person to look at.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from gencanvas.core.mask_ops import grow_mask, soft_mask
from gencanvas.core.plugin_api import InputKind
from gencanvas.core.settings import Settings
from gencanvas.plugins import sd_models_scan
from gencanvas.qt.canvas import Layer, Tool
from gencanvas.qt.history import HistoryEntry
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array
from gencanvas.qt.outpaint_dialog import OutpaintDialog
from tests.test_canvas import drag

JOB_MS = 30_000
BASE, OTHER = "a house", "a red hat on a cat"
WIDE = (256, 32)  # sampled at 192×64 by the tiny model: the left quarter is far from the right half


@pytest.fixture
def studio(qtbot, registry, tiny_sd):
    """The real window with the tiny SD models listed in its drop-downs."""
    from gencanvas.qt.main_window import MainWindow

    sd_models_scan.refresh()
    win = MainWindow(registry.load_all(), Settings())
    win.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    sd_models_scan.refresh()  # later tests list their own folders


def generate(qtbot, window, plugin_id: str, values: dict) -> HistoryEntry:
    """Choose the plugin, set its fields, lock the seed and press the panel's Generate."""
    window.panel.set_plugin(plugin_id)
    form = window.panel.current_form()
    form.set_values(values)
    if form.seed_widget is not None:
        form.seed_widget.lock.setChecked(True)
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS) as blocker:
        qtbot.mouseClick(window.panel.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def rgba(window, layer: Layer) -> np.ndarray:
    return array_from_qimage(window.canvas.layer_image(layer), 4)


def picture(height: int, width: int) -> np.ndarray:
    """Smooth content with structure, so a fill that ignores it shows."""
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows * 4, cols * 3, (rows + cols) * 2], axis=-1).clip(0, 255).astype(np.uint8)


def distance_outside(mask: np.ndarray) -> np.ndarray:
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def screenshot(window, path) -> None:
    shot = window.grab()
    assert not shot.isNull() and shot.save(str(path))


SD = {"negative_prompt": "", "steps": 2, "seed": 1, "preview": "off"}


def test_a_painted_region_changes_its_area_and_hardly_anything_far_from_it(qtbot, studio, tmp_path):
    window, regions = studio, studio.canvas.regions
    window.new_document(*WIDE)
    plain = generate(qtbot, window, "sd-txt2img", {**SD, "prompt": BASE}).pixels.astype(float)

    qtbot.mouseClick(window.regions_panel.add_button, Qt.MouseButton.LeftButton)
    [key] = regions.ordered_keys()
    assert window.canvas.tool is Tool.REGION_BRUSH
    window.brush_size_slider.setValue(16)
    for y in (8, 24):  # the left quarter, with the Region brush and the real mouse
        drag(qtbot, window.canvas, [(8, y), (56, y)])
    edit = window.regions_panel.rows[key].prompt
    edit.setFocus()
    qtbot.keyClicks(edit, OTHER)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert regions.prompt(key) == OTHER
    painted = regions.mask(key) > 0
    assert painted[:, 12:52].all() and not painted[:, 72:].any()

    entry = generate(qtbot, window, "sd-txt2img", {**SD, "prompt": BASE})
    screenshot(window, tmp_path / "regions.png")
    change = np.abs(entry.pixels.astype(float) - plain).mean(axis=(0, 2))  # per column
    inside, far = change[12:52].mean(), change[128:].mean()
    # tests/test_sd_regions.py measures a quarter-width region on this canvas: inside > 2.5× far, far < 1.5
    # levels (the tiny random UNet spreads some change through its group norms and self-attention).
    assert inside > 2.5 * far and far < 1.5, (inside, far)
    assert OTHER in entry.metadata.summary and window.history.count() == 2
    assert OTHER not in window.history.entry(1).metadata.summary
    assert window.panel.current_values()["prompt"] == BASE  # the region's prompt stays the region's
    np.testing.assert_array_equal(rgba(window, Layer.RESULT)[..., :3], entry.pixels)


def test_a_soft_mask_painted_at_hardness_30_blends_and_keeps_the_rest_exact(qtbot, studio, tmp_path):
    window, canvas = studio, studio.canvas
    photo = np.random.default_rng(4).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    window.new_document(64, 64)
    canvas.replace_photo(qimage_from_array(photo))
    window.actions_by_name["tool_mask_brush"].trigger()
    window.findChild(type(window.brush_size_slider), "brushHardness").setValue(30)
    window.brush_size_slider.setValue(24)
    drag(qtbot, canvas, [(16, 32), (48, 32)])
    coverage = canvas.mask_alpha()
    partial = (coverage > 0.05) & (coverage < 0.95)
    assert partial.sum() > 100 and (coverage == 1).sum() > 100  # a soft edge around a solid core

    grow, feather = 2, 4
    entry = generate(qtbot, window, "sd-inpaint", {**SD, "prompt": "a window", "grow_mask": grow, "feather": feather})
    qtbot.waitUntil(lambda: canvas.mask_preview() is not None, timeout=JOB_MS)  # the overlay shows the feather
    screenshot(window, tmp_path / "soft-mask.png")
    result = entry.pixels.astype(int)
    reach = distance_outside(grow_mask(coverage > 0, grow)) >= feather / 2 + 1
    np.testing.assert_array_equal(result[reach], photo[reach])  # bit-exact beyond grow + feather
    alpha = soft_mask(coverage > 0, grow, feather, alpha=coverage).alpha
    change = np.abs(result - photo).max(axis=2)
    assert (change <= alpha * 255 + 1).all()  # no pixel changes more than its coverage lets it
    faint = (alpha > 0.05) & (alpha < 0.5)
    solid = alpha == 1
    assert change[faint].mean() < 0.6 * change[solid].mean()  # the soft edge is a blend, not a cut
    assert (change[faint] > 0).mean() > 0.5


def test_outpaint_with_sd_fills_in_tiles_keeps_old_pixels_and_undoes_in_two_steps(qtbot, studio, monkeypatch, tmp_path):
    window, canvas = studio, studio.canvas
    photo = picture(48, 64)
    window.new_document(64, 48)
    canvas.replace_photo(qimage_from_array(photo))
    window.panel.set_plugin("sd-inpaint")
    form = window.panel.current_form()
    form.set_values({**SD, "prompt": "a meadow", "grow_mask": 0, "feather": 4})
    form.seed_widget.lock.setChecked(True)

    def answer(dialog: OutpaintDialog) -> int:
        assert dialog.plugin_id() == "sd-inpaint"  # the best fill is the default when a checkpoint is there
        dialog.spins["left"].setValue(40)
        dialog.spins["right"].setValue(56)  # 160 px wide: beyond the tiny model's native 64
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(OutpaintDialog, "exec", answer)
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS) as blocker:
        window.actions_by_name["outpaint"].trigger()
    screenshot(window, tmp_path / "outpaint.png")
    entry: HistoryEntry = blocker.args[0]
    assert entry.metadata.plugin_id == "sd-inpaint" and canvas.document_size() == (160, 48)
    assert "overlapping tiles" in window.status.message.text()  # the tiled path ran
    result = rgba(window, Layer.RESULT)
    assert (result[..., 3] == 255).all()
    old = np.zeros((48, 160), bool)
    old[:, 40:104] = True
    new = ~old
    edge_extended = np.concatenate([np.repeat(photo[:, :1], 40, 1), photo, np.repeat(photo[:, -1:], 56, 1)], 1)
    beyond_feather = distance_outside(new) >= 4 / 2 + 1
    assert beyond_feather[:, 43:101].all()
    np.testing.assert_array_equal(result[beyond_feather, :3], edge_extended[beyond_feather])  # old pixels exact
    differs = (result[..., :3] != edge_extended).any(axis=2)
    assert differs[new].mean() > 0.95 and result[new, :3].std() > 5  # the new area is painted, not edge-extended
    # The expansion's mask stays for a refill, but its red overlay no longer tints the fill.
    np.testing.assert_array_equal(canvas.mask_array(), new)
    assert not canvas.layer_visible(Layer.MASK) and not window.layers_panel.visible[Layer.MASK].isChecked()
    window.actions_by_name["tool_mask_brush"].trigger()  # painting the mask shows it again
    assert canvas.layer_visible(Layer.MASK) and window.actions_by_name["show_mask"].isChecked()

    canvas.undo_stack.undo()  # the fill
    assert canvas.document_size() == (160, 48) and rgba(window, Layer.RESULT)[..., 3].max() == 0
    canvas.undo_stack.undo()  # the expansion
    assert canvas.document_size() == (64, 48)
    np.testing.assert_array_equal(canvas.plugin_inputs(frozenset({InputKind.IMAGE})).image, photo)
    assert not canvas.mask_array().any()


def test_an_upscaled_canvas_saves_and_reopens_at_its_grown_size_pixel_exact(qtbot, studio, tmp_path):
    window, canvas = studio, studio.canvas
    window.new_document(48, 32)
    canvas.replace_photo(qimage_from_array(picture(32, 48)))
    entry = generate(qtbot, window, "upscale", {"model": "lanczos", "scale": 2.0})
    assert canvas.document_size() == (96, 64)
    saved = {layer: rgba(window, layer) for layer in Layer}
    np.testing.assert_array_equal(saved[Layer.RESULT][..., :3], entry.pixels)

    path = tmp_path / "grown.ora"
    assert window.save_to(path)
    window.new_document(512, 512)
    assert window.open_path(path)
    assert canvas.document_size() == (96, 64)
    for layer in Layer:
        np.testing.assert_array_equal(rgba(window, layer), saved[layer], err_msg=layer.name)
