"""Image › Outpaint in the real window: expand, then fill through the panel's Generate; two undo steps."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QDialog

from gencanvas.core.expand import Margins
from gencanvas.core.plugin_api import InputKind, Plugin
from gencanvas.qt import outpaint_dialog
from gencanvas.qt.canvas import Layer
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array
from gencanvas.qt.outpaint_dialog import OutpaintDialog, best_fill, fill_plugins

JOB_MS = 10_000


def picture(height=48, width=64):
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows * 4, cols * 3, (rows + cols) * 2], axis=-1).clip(0, 255).astype(np.uint8)


def test_outpaint_expands_fills_with_the_chosen_plugin_and_undoes_in_two_steps(qtbot, window, monkeypatch):
    photo = picture()
    window.new_document(64, 48)
    window.canvas.replace_photo(qimage_from_array(photo))
    window.panel.set_plugin("sd-inpaint" if "sd-inpaint" in window.panel.plugins else "inpaint-classical")
    chosen = {}

    def answer(dialog: OutpaintDialog) -> int:
        chosen["plugins"] = [dialog.plugin.itemData(i) for i in range(dialog.plugin.count())]
        dialog.plugin.setCurrentIndex(dialog.plugin.findData("inpaint-classical"))
        dialog.spins["left"].setValue(16)
        dialog.spins["bottom"].setValue(8)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(OutpaintDialog, "exec", answer)
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS) as blocker:
        window.actions_by_name["outpaint"].trigger()
    assert "inpaint-classical" in chosen["plugins"] and "sketch-to-photo" not in chosen["plugins"]
    assert blocker.args[0].metadata.plugin_id == "inpaint-classical" and window.history.count() == 1
    assert window.panel.current_id() == "inpaint-classical"  # the panel shows what filled it
    assert window.canvas.document_size() == (80, 56)
    result = array_from_qimage(window.canvas.layer_image(Layer.RESULT), 4)
    assert (result[..., 3] == 255).all()  # the whole canvas, the new area included, is the fill's result
    np.testing.assert_array_equal(result[0:40, 24:64, :3], photo[0:40, 8:48])  # old pixels away from the edge
    new = np.ones((56, 80), bool)
    new[0:48, 16:80] = False
    assert result[new, :3].std() > 0  # filled, not a blank colour

    window.canvas.undo_stack.undo()  # first undo: the fill
    assert window.canvas.document_size() == (80, 56)
    assert array_from_qimage(window.canvas.layer_image(Layer.RESULT), 4)[..., 3].max() == 0
    np.testing.assert_array_equal(window.canvas.mask_array(), new)  # the new area still masked, ready to refill
    window.canvas.undo_stack.undo()  # second undo: the expansion
    assert window.canvas.document_size() == (64, 48)
    np.testing.assert_array_equal(window.canvas.plugin_inputs(frozenset({InputKind.IMAGE})).image, photo)


def test_a_cancelled_dialog_changes_nothing(qtbot, window, monkeypatch):
    monkeypatch.setattr(OutpaintDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    steps = window.canvas.undo_stack.count()
    window.actions_by_name["outpaint"].trigger()
    assert window.canvas.undo_stack.count() == steps and window.canvas.document_size() == (512, 512)


def fake(plugin_id: str, inputs: set[InputKind], reason: str | None = None) -> type[Plugin]:
    return type(
        plugin_id,
        (Plugin,),
        {
            "id": plugin_id,
            "title": plugin_id,
            "inputs": frozenset(inputs),
            "unavailable": classmethod(lambda c: reason),
        },
    )


def test_the_default_fill_is_the_best_that_can_run():
    both = {InputKind.IMAGE, InputKind.MASK}
    plugins = {
        "inpaint-classical": fake("inpaint-classical", both),
        "diffusion-inpaint": fake("diffusion-inpaint", both, "no weights"),
        "sd-inpaint": fake("sd-inpaint", both),
        "sketch": fake("sketch", {InputKind.SKETCH}),
    }
    fills = fill_plugins(plugins)
    assert list(fills) == ["inpaint-classical", "diffusion-inpaint", "sd-inpaint"]
    assert best_fill(fills) == "sd-inpaint"
    fills["sd-inpaint"] = fake("sd-inpaint", both, "no checkpoint")
    assert best_fill(fills) == "inpaint-classical"
    fills["diffusion-inpaint"] = fake("diffusion-inpaint", both)
    assert best_fill(fills) == "diffusion-inpaint"


def test_the_dialog_is_expand_canvas_plus_the_plugin(qtbot):
    both = {InputKind.IMAGE, InputKind.MASK}
    plugins = {"inpaint-classical": fake("inpaint-classical", both), "sd-inpaint": fake("sd-inpaint", both, "none")}
    dialog = OutpaintDialog(160, 90, plugins)
    qtbot.addWidget(dialog)
    assert dialog.plugin_id() == "inpaint-classical" and "cannot run here" in dialog.plugin.itemText(1)
    dialog.preset.setCurrentText("1:1")  # Expand canvas's presets, shared
    assert dialog.margins() == Margins(0, 35, 0, 35) and dialog.windowTitle() == "Outpaint"
    assert outpaint_dialog.PREFERRED[0] == "sd-inpaint"


def test_a_failed_fill_keeps_the_expansion_masked_and_a_refused_expansion_does_nothing(
    qtbot, window, monkeypatch, tmp_path
):
    from gencanvas.plugins import sd_settings

    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)  # no checkpoint in it
    window.new_document(64, 48)
    steps = window.canvas.undo_stack.count()
    assert outpaint_dialog.outpaint(window, Margins(right=9000), "inpaint-classical") is None
    assert "8192 px limit" in window.status.message.text() and window.canvas.undo_stack.count() == steps
    with qtbot.waitSignal(window.generation.worker.jobFailed, timeout=JOB_MS):
        assert outpaint_dialog.outpaint(window, Margins(right=16), "sd-inpaint") is not None
    assert "Models dir" in window.generation.last_error  # one sentence naming the setting
    assert window.canvas.document_size() == (80, 48) and window.canvas.undo_stack.count() == steps + 1
    assert window.canvas.mask_array()[:, 64:].all()  # ready for another plugin
