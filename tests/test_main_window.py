"""The window as an artist uses it: paint, generate, cancel, history, save/open with parameters."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QToolBar

from gencanvas.core.image_io import read_metadata
from gencanvas.qt.canvas import Layer, Tool
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array

JOB_MS = 10_000


def paint_mask(window, y: int = 100) -> None:
    window.canvas.paint_stroke(Layer.MASK, [QPointF(60, y), QPointF(180, y)], 24, QColor("white"))


def generate_and_wait(qtbot, window):
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS) as blocker:
        qtbot.mouseClick(window.panel.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_layout_actions_and_shortcuts_are_wired(window):
    assert window.centralWidget() is window.canvas
    assert window.panel_dock.widget() is window.panel and window.history_dock.widget() is window.history
    actions = window.actions_by_name
    assert actions["undo"].shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in actions["redo"].shortcuts()]
    assert actions["open"].shortcut().toString() == "Ctrl+O" and actions["save"].shortcut().toString() == "Ctrl+S"
    actions["tool_mask_brush"].trigger()
    assert window.canvas.tool is Tool.MASK_BRUSH
    actions["new_256"].trigger()
    assert window.canvas.document_size() == (256, 256)
    window.brush_size_slider.setValue(40)
    assert window.canvas.brush_size == 40


def test_inpaint_end_to_end_into_result_layer_and_history(qtbot, window):
    window.new_document(256, 256)
    window.canvas.replace_photo(qimage_from_array(np.full((256, 256, 3), (20, 120, 200), np.uint8)))
    paint_mask(window)
    entry = generate_and_wait(qtbot, window)
    result = array_from_qimage(window.canvas.layer_image(Layer.RESULT), 3)
    assert np.abs(result[95:105, 80:160].astype(int) - (20, 120, 200)).max() <= 4
    assert window.history.count() == 1 and entry.metadata.plugin_id == "inpaint-classical"
    assert window.status.message.text().endswith("done")
    window.canvas.undo_stack.undo()  # one undo step removes the generated result
    assert array_from_qimage(window.canvas.layer_image(Layer.RESULT), 4)[..., 3].max() == 0


def test_empty_mask_is_a_clear_message_and_nothing_runs(qtbot, window):
    window.panel.set_plugin("inpaint-classical")
    started = []
    window.generation.worker.jobStarted.connect(started.append)
    assert window.generation.generate() is None
    qtbot.wait(50)
    assert "Inpaint (classical) needs a mask" in window.status.message.text()
    assert started == [] and window.history.count() == 0


def test_plugin_error_leaves_canvas_intact_and_app_usable(qtbot, window):
    paint_mask(window)
    before = array_from_qimage(window.canvas.layer_image(Layer.PHOTO), 3)
    window.panel.set_plugin("test-fail")
    with qtbot.waitSignal(window.generation.worker.jobFailed, timeout=JOB_MS):
        window.generation.generate()
    assert "broke on purpose" in window.status.message.text()
    np.testing.assert_array_equal(array_from_qimage(window.canvas.layer_image(Layer.PHOTO), 3), before)
    window.panel.set_plugin("inpaint-classical")
    generate_and_wait(qtbot, window)


def test_frames_stream_into_the_result_layer_and_cancel_stops(qtbot, window):
    window.panel.set_plugin("test-stream")
    window.panel.live.setChecked(False)
    window.panel.current_form().set_values({"steps": 500, "step_seconds": 0.01})
    window.generation.generate()
    qtbot.waitUntil(lambda: window.status.progress.value() >= 3, timeout=JOB_MS)
    preview = array_from_qimage(window.canvas.layer_image(Layer.RESULT), 4)
    assert preview[..., 3].min() == 255, "streamed frames are shown in the result layer"
    with qtbot.waitSignal(window.generation.worker.jobCancelled, timeout=2000):
        qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    assert window.status.message.text() == "Cancelled" and window.history.count() == 0


def test_unlocked_seed_rerolls_locked_seed_repeats(qtbot, window):
    window.panel.set_plugin("test-stream")
    window.panel.live.setChecked(False)
    seed_widget = window.panel.current_form().seed_widget
    first = generate_and_wait(qtbot, window).metadata.params["seed"]
    second = generate_and_wait(qtbot, window).metadata.params["seed"]
    assert first != second
    seed_widget.lock.setChecked(True)
    third = generate_and_wait(qtbot, window)
    fourth = generate_and_wait(qtbot, window)
    assert third.metadata.params["seed"] == fourth.metadata.params["seed"]
    np.testing.assert_array_equal(third.pixels, fourth.pixels)


def test_history_click_restores_image_and_parameters(qtbot, window):
    window.panel.set_plugin("inpaint-classical")
    paint_mask(window)
    window.panel.current_form().set_values({"radius": 9})
    first = generate_and_wait(qtbot, window)
    window.panel.current_form().set_values({"radius": 3, "method": "navier-stokes"})
    generate_and_wait(qtbot, window)
    item = window.history.item(1)  # newest first: row 1 is the first result
    window.history.itemClicked.emit(item)
    assert window.panel.current_values()["radius"] == 9 and window.panel.current_values()["method"] == "telea"
    np.testing.assert_array_equal(array_from_qimage(window.canvas.layer_image(Layer.RESULT), 3), first.pixels)


def test_live_plugin_reruns_when_parameters_change_and_strokes_land(qtbot, window):
    window.panel.set_plugin("test-stream")
    assert window.panel.live.isVisible() and window.panel.live.isChecked()
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS) as blocker:
        window.panel.current_form().set_values({"steps": 2})
    assert blocker.args[0].metadata.params["steps"] == 2
    window.panel.set_plugin("test-live-sketch")  # test-stream reads no layer: strokes leave it alone
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS):
        window.canvas.paint_stroke(Layer.SKETCH, [QPointF(5, 5), QPointF(50, 50)], 4, QColor("black"))


def test_save_png_with_metadata_then_open_offers_restore(qtbot, window, tmp_path):
    window.panel.set_plugin("inpaint-classical")
    paint_mask(window)
    window.panel.current_form().set_values({"radius": 12})
    generate_and_wait(qtbot, window)
    path = tmp_path / "made.png"
    assert window.save_to(path)
    metadata = read_metadata(path)
    assert metadata.plugin_id == "inpaint-classical" and metadata.params["radius"] == 12
    assert "Radius" in Image.open(path).info["parameters"] or "radius" in Image.open(path).info["parameters"]
    # an export is not a save: the canvas stays unsaved and Save still goes to a project
    assert window.document.is_modified() and "made.png" not in window.windowTitle()

    window.panel.current_form().set_values({"radius": 1})
    assert window.open_path(path)
    assert window.panel.restore_bar.isVisible()
    qtbot.mouseClick(window.panel.restore_bar.button, Qt.MouseButton.LeftButton)
    assert window.panel.current_values()["radius"] == 12
    assert not window.panel.restore_bar.isVisible()


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_export_formats_carry_parameters(qtbot, window, tmp_path, suffix):
    paint_mask(window)
    generate_and_wait(qtbot, window)
    path = tmp_path / f"export{suffix}"
    assert window.save_to(path)
    assert read_metadata(path).plugin_id == "inpaint-classical"


def test_export_mask_is_white_where_painted(window, tmp_path):
    paint_mask(window, y=50)
    assert window.save_to(tmp_path / "mask.png", layer=Layer.MASK)
    mask = np.asarray(Image.open(tmp_path / "mask.png").convert("L"))
    assert mask[50, 100] == 255 and mask[300, 300] == 0


def test_corrupt_file_gives_a_message_and_keeps_the_canvas(window, tmp_path):
    paint_mask(window)
    before = window.canvas.mask_array().copy()
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    assert not window.open_path(bad)
    assert "broken.png" in window.status.message.text()
    np.testing.assert_array_equal(window.canvas.mask_array(), before)
    for box in window.findChildren(QMessageBox):
        box.close()


def test_paste_and_drop_load_the_photo(window, tmp_path):
    QApplication.clipboard().setImage(qimage_from_array(np.full((30, 40, 3), 77, np.uint8)))
    assert window.paste()
    assert window.canvas.document_size() == (40, 30)
    path = tmp_path / "dropped.png"
    Image.fromarray(np.full((20, 50, 3), 200, np.uint8)).save(path)
    window.canvas.filesDropped.emit([str(path)])  # a dropped file opens like File › Open (after asking)
    assert window.canvas.document_size() == (50, 20)
    assert not window.canvas.undo_stack.canUndo()  # undo cannot bring back the other document


def test_closing_during_a_job_shuts_the_worker_down(qtbot, window):
    window.panel.set_plugin("test-stream")
    window.panel.live.setChecked(False)
    window.panel.current_form().set_values({"steps": 1000, "step_seconds": 0.02})
    window.generation.generate()
    qtbot.waitUntil(lambda: window.generation.worker.busy, timeout=JOB_MS)
    window.close()
    assert not window.generation.worker.isRunning()


def test_close_with_unsaved_changes_can_be_cancelled(window):
    paint_mask(window)
    window.ask_unsaved = lambda _w: QMessageBox.StandardButton.Cancel
    window.close()
    assert window.isVisible() and window.generation.worker.isRunning()
    window.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard


def test_settings_change_applies_to_the_worker_and_persists(window):
    from gencanvas.core.settings import Settings, load_settings

    window.generation.worker.runner.models.get(("m",), lambda: "loaded")
    window.apply_settings(Settings(device="cpu", precision="fp32"))
    assert window.generation.worker.runner.device == "cpu"
    assert len(window.generation.worker.runner.models) == 0
    assert load_settings().device == "cpu"


def test_settings_dialog_applies_through_the_window(window, monkeypatch):
    """File › Settings…, accepted: the dialog hands its settings to the window, the worker switches device."""
    from PySide6.QtWidgets import QDialog

    from gencanvas.core.settings import Settings
    from gencanvas.qt.settings_dialog import SettingsDialog

    def accept_cpu(dialog):
        assert dialog.parent() is window
        dialog.result_settings = Settings(device="cpu", precision="fp32")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", accept_cpu)
    window.generation.worker.runner.models.get(("m",), lambda: "loaded")
    window.actions_by_name["settings"].trigger()
    assert window.settings.device == "cpu" and window.generation.worker.runner.precision == "fp32"
    assert len(window.generation.worker.runner.models) == 0


def test_brush_shortcuts_move_the_toolbar_slider(window):
    window.brush_size_slider.setValue(20)
    window.actions_by_name["bigger_brush"].trigger()
    assert window.brush_size_slider.value() == 26 and window.canvas.brush_size == 26
    window.actions_by_name["smaller_brush"].trigger()
    assert window.brush_size_slider.value() == 20 and window.canvas.brush_size == 20
    toolbar = window.findChild(QToolBar, "toolsToolbar")
    assert window.brush_size_slider in [toolbar.widgetForAction(action) for action in toolbar.actions()]


def test_odd_image_results_are_scaled_to_the_document(window):
    window.new_document(128, 64)
    window.canvas.commit_result(QImage(32, 32, QImage.Format.Format_RGB32))
    assert window.canvas.layer_image(Layer.RESULT).size().toTuple() == (128, 64)


def _odd_image(path, kind: str) -> tuple[int, int]:
    """Write an odd image; return the (width, height) it must open at."""
    if kind == "cmyk":
        Image.new("CMYK", (40, 30), (255, 0, 0, 0)).save(path.with_suffix(".jpg"))
        return 40, 30
    if kind == "16-bit":
        Image.fromarray(np.linspace(0, 65535, 30 * 40).reshape(30, 40).astype(np.uint16)).save(path)
        return 40, 30
    if kind == "palette-alpha":
        image = Image.new("P", (40, 30), 1)
        image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
        image.info["transparency"] = 0
        image.save(path, transparency=0)
        return 40, 30
    image = Image.new("RGB", (40, 30), (0, 200, 0))  # EXIF orientation 6: shown rotated
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path.with_suffix(".jpg"), exif=exif)
    return 30, 40


@pytest.mark.parametrize("kind", ["cmyk", "16-bit", "palette-alpha", "exif-rotated"])
def test_odd_images_open_as_the_photo_layer(window, tmp_path, kind):
    path = tmp_path / "odd.png"
    size = _odd_image(path, kind)
    target = path if path.exists() else path.with_suffix(".jpg")
    assert window.open_path(target), window.status.message.text()
    assert window.canvas.document_size() == size
    photo = array_from_qimage(window.canvas.layer_image(Layer.PHOTO), 3)
    if kind == "cmyk":
        assert photo[15, 20, 0] < 40 and photo[15, 20, 1] > 200  # cyan
    if kind == "16-bit":
        assert photo[0, 0, 0] == 0 and photo[-1, -1, 0] == 255
    if kind == "palette-alpha":
        assert tuple(photo[5, 5]) == (255, 0, 0)


def test_picker_returns_to_brush_and_the_toolbar_follows(qtbot, window):
    window.actions_by_name["tool_picker"].trigger()
    assert window.actions_by_name["tool_picker"].isChecked()
    center = window.canvas.mapFromScene(QPointF(10, 10))
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert window.canvas.tool is Tool.BRUSH and window.actions_by_name["tool_brush"].isChecked()


def test_choosing_a_diffusion_model_takes_its_own_guidance_but_restoring_keeps_the_stored_one(window):
    from gencanvas.plugins.diffusion_support import default_guidance

    window.panel.set_plugin("diffusion-txt2img")
    form = window.panel.current_form()
    guidance = {name: default_guidance(name) for name in ("emoji", "fashion")}
    assert guidance["emoji"] != guidance["fashion"], "the bundled models were evaluated at different guidance"
    assert form.values()["model"] == "emoji" and form.values()["guidance"] == guidance["emoji"]
    combo = form.editor("model").widget
    combo.setCurrentIndex(combo.findData("fashion"))  # as the artist picks it
    assert form.values()["guidance"] == guidance["fashion"]
    # a history item's parameters, the model last: a restore must not re-link guidance to the model's default
    window.panel.restore("diffusion-txt2img", {"guidance": 7.5, "model": "emoji"})
    assert form.values()["model"] == "emoji" and form.values()["guidance"] == 7.5
