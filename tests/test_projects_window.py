"""Projects through the real window: safe Save, round trips, prompts, autosave and recovery."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from gencanvas.core import image_io
from gencanvas.core.autosave import AutosaveSlot, list_autosaves
from gencanvas.core.project_file import MIMETYPE, Project, ProjectLayer, write_project
from gencanvas.qt.canvas import Layer
from gencanvas.qt.image_convert import qimage_from_array

JOB_MS = 10_000
Answer = QMessageBox.StandardButton


def layer_bytes(window, layer: Layer) -> bytes:
    image = window.canvas.layer_image(layer)
    return bytes(image.constBits())


def draw(window, layer: Layer = Layer.SKETCH, y: int = 40, colour: str = "black") -> None:
    window.canvas.paint_stroke(layer, [QPointF(10, y), QPointF(100, y + 20)], 9, QColor(colour))


def generate(qtbot, window) -> None:
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS):
        window.generation.generate()


def photo_file(path: Path, value: int = 90) -> Path:
    pixels = np.full((64, 96, 3), value, np.uint8)
    pixels[10:30, 20:60] = (200, 30, 30)
    Image.fromarray(pixels).save(path)
    return path


def answer_save_dialog(monkeypatch, path: Path | None) -> list[str]:
    asked: list[str] = []

    def fake(_parent, title, start, *_args, **_kwargs):
        asked.append(start)
        return (str(path) if path else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return asked


def test_save_after_opening_a_photo_never_writes_over_the_photo(qtbot, window, tmp_path, monkeypatch):
    photo = photo_file(tmp_path / "holiday photo.png")
    before = photo.read_bytes()
    assert window.open_path(photo)
    draw(window)
    asked = answer_save_dialog(monkeypatch, tmp_path / "holiday photo.ora")
    window.actions_by_name["save"].trigger()  # Ctrl+S
    assert asked == [str(tmp_path / "holiday photo.ora")]  # the first Save asks, proposing a project beside it
    assert photo.read_bytes() == before
    assert (tmp_path / "holiday photo.ora").exists()
    assert window.windowTitle().startswith("holiday photo.ora —") and "•" not in window.windowTitle()
    draw(window, y=5)
    assert "•" in window.windowTitle()
    window.actions_by_name["save"].trigger()  # later saves go to the project without asking
    assert len(asked) == 1 and photo.read_bytes() == before


def test_round_trip_restores_every_layer_history_and_parameters(qtbot, window, tmp_path):
    window.new_document(160, 120)
    window.panel.set_plugin("inpaint-classical")
    draw(window, Layer.MASK, colour="white")
    window.panel.current_form().set_values({"radius": 11})
    generate(qtbot, window)
    window.panel.current_form().set_values({"radius": 4, "method": "navier-stokes"})
    generate(qtbot, window)
    draw(window, Layer.SKETCH, y=70, colour="#3366cc")
    window.canvas.paint_stroke(Layer.SKETCH, [QPointF(5, 5), QPointF(50, 8)], 15, QColor(200, 10, 10, 120))
    window.canvas.set_layer_opacity(Layer.SKETCH, 0.6)
    window.canvas.set_layer_visible(Layer.RESULT, False)
    layers = {layer: layer_bytes(window, layer) for layer in Layer}
    history = [window.history.entry(row).metadata for row in range(window.history.count())]
    values = window.panel.current_values()
    assert window.save_to(tmp_path / "round trip ✓.ora")

    window.new_document(64, 64)
    assert window.history.count() == 0
    assert window.open_path(tmp_path / "round trip ✓.ora")
    assert window.canvas.document_size() == (160, 120)
    for layer in Layer:
        assert layer_bytes(window, layer) == layers[layer], layer
    assert [window.history.entry(row).metadata for row in range(window.history.count())] == history
    assert window.panel.current_id() == "inpaint-classical" and window.panel.current_values() == values
    assert window.canvas.layer_opacity(Layer.SKETCH) == pytest.approx(0.6, abs=1e-3)
    assert not window.canvas.layer_visible(Layer.RESULT)
    assert not window.document.is_modified() and window.windowTitle().startswith("round trip ✓.ora")


def test_written_project_passes_the_spec_check(window, tmp_path):
    draw(window)
    path = tmp_path / "spec.ora"
    assert window.save_to(path)
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type, archive.read("mimetype")) == (
            "mimetype",
            zipfile.ZIP_STORED,
            MIMETYPE,
        )
        root = ElementTree.fromstring(archive.read("stack.xml"))
        sources = [layer.get("src") for layer in root.iter("layer")]
        assert len(sources) == 4 and all(source in archive.namelist() for source in sources)
        for name in ("mergedimage.png", "Thumbnails/thumbnail.png"):
            Image.open(io.BytesIO(archive.read(name))).verify()
        assert max(Image.open(io.BytesIO(archive.read("Thumbnails/thumbnail.png"))).size) <= 256


@pytest.mark.parametrize("command", ["new", "open", "recent", "drop"])
def test_replacing_an_unsaved_canvas_asks_first(window, tmp_path, monkeypatch, command):
    from gencanvas.core.recent import add_recent

    other = photo_file(tmp_path / "other.png", 10)
    add_recent(other)
    draw(window)
    before = layer_bytes(window, Layer.SKETCH)
    asked = []
    window.ask_unsaved = lambda _w: asked.append(1) or Answer.Cancel
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (str(other), "")))

    def run() -> None:
        if command == "new":
            window.actions_by_name["new"].trigger()
        elif command == "open":
            window.actions_by_name["open"].trigger()
        elif command == "recent":
            menu = window.findChild(type(window.menuBar().actions()[0].menu()), "recentMenu")
            menu.aboutToShow.emit()
            next(a for a in menu.actions() if a.text() == "other.png").trigger()
        else:
            window.canvas.filesDropped.emit([str(other)])

    run()
    assert asked == [1] and layer_bytes(window, Layer.SKETCH) == before  # Cancel: nothing replaced
    window.ask_unsaved = lambda _w: asked.append(2) or Answer.Discard
    run()
    assert asked == [1, 2] and layer_bytes(window, Layer.SKETCH) != before


def test_save_answer_saves_before_replacing(window, tmp_path, monkeypatch):
    draw(window)
    answer_save_dialog(monkeypatch, tmp_path / "kept.ora")
    window.ask_unsaved = lambda _w: Answer.Save
    window.new_document(64, 64)
    assert (tmp_path / "kept.ora").exists() and window.canvas.document_size() == (64, 64)


def test_undo_after_opening_another_file_cannot_overwrite_it(window, tmp_path, monkeypatch):
    a = photo_file(tmp_path / "a.png", 10)
    b = photo_file(tmp_path / "b.png", 240)
    b_before = b.read_bytes()
    assert window.open_path(a)
    draw(window)
    assert window.open_path(b)
    window.actions_by_name["undo"].trigger()
    asked = answer_save_dialog(monkeypatch, tmp_path / "b.ora")
    window.save()
    assert b.read_bytes() == b_before and asked  # Save asked for a project path; b.png untouched
    assert not window.canvas.undo_stack.canUndo()


def test_export_asks_before_replacing_a_file(window, tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"precious")
    window.ask_overwrite = lambda _w, _p: False
    assert not window.files.export_to(target)
    assert target.read_bytes() == b"precious"
    window.ask_overwrite = lambda _w, _p: True
    assert window.files.export_to(target)
    assert Image.open(target).size == window.canvas.document_size()


def test_failed_save_keeps_the_previous_file_and_the_canvas(window, tmp_path, monkeypatch):
    path = tmp_path / "p.ora"
    assert window.save_to(path)
    before = path.read_bytes()
    draw(window)
    sketch = layer_bytes(window, Layer.SKETCH)
    from gencanvas.core import project_file

    monkeypatch.setattr(
        project_file, "write_png", lambda *_a, **_k: (_ for _ in ()).throw(OSError(28, "No space left"))
    )
    assert not window.save_to(path)
    assert "Could not save p.ora: No space left" in window.status.message.text()
    assert path.read_bytes() == before and layer_bytes(window, Layer.SKETCH) == sketch
    assert window.document.is_modified()
    for box in window.findChildren(QMessageBox):
        box.close()


def test_redo_on_ctrl_shift_z_works(qtbot, window):
    redo = window.actions_by_name["redo"]
    keys = [key.toString() for key in redo.shortcuts()]
    assert len(keys) == len(set(keys)) and "Ctrl+Shift+Z" in keys
    draw(window)
    after = layer_bytes(window, Layer.SKETCH)
    window.canvas.undo_stack.undo()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert layer_bytes(window, Layer.SKETCH) == after
    assert QKeySequence("Ctrl+Shift+Z") in redo.shortcuts()


def test_an_old_error_leaves_the_status_bar_after_a_success(qtbot, window):
    window.status.failed("Something went wrong earlier.")
    window.panel.set_plugin("inpaint-classical")
    draw(window, Layer.MASK, colour="white")
    generate(qtbot, window)
    assert window.status.message.styleSheet() == "" and "done" in window.status.message.text()


def test_paste_over_the_size_limit_gets_the_same_message_as_a_file(window, tmp_path, monkeypatch):
    monkeypatch.setattr(image_io, "MAX_PIXELS", 1000)
    QApplication.clipboard().setImage(qimage_from_array(np.full((50, 50, 3), 7, np.uint8)))
    size_before = window.canvas.document_size()
    assert not window.paste()
    assert window.status.message.text() == "The pasted image is too large (50×50); the limit is 0.001 megapixels."
    assert window.canvas.document_size() == size_before
    for box in window.findChildren(QMessageBox):
        box.close()


def test_autosave_writes_in_the_background_and_a_clean_exit_removes_it(qtbot, window):
    assert not window.autosave.autosave_if_changed()  # nothing unsaved: nothing written
    draw(window)
    with qtbot.waitSignal(window.autosave.saved, timeout=JOB_MS):
        assert window.autosave.autosave_if_changed()
    assert window.autosave.slot.path.exists()
    assert window.autosave.timer.isActive() and window.autosave.timer.interval() <= 30_000
    window.ask_unsaved = lambda _w: Answer.Discard
    window.close()
    assert not window.autosave.slot.path.exists()


def test_a_finished_generation_is_autosaved(qtbot, window):
    window.panel.set_plugin("inpaint-classical")
    draw(window, Layer.MASK, colour="white")
    with qtbot.waitSignal(window.autosave.saved, timeout=JOB_MS):
        generate(qtbot, window)


def _crashed_autosave(folder: Path, name: str = "lost work") -> tuple[AutosaveSlot, np.ndarray]:
    sketch = np.zeros((40, 50, 4), np.uint8)
    sketch[5:9, 3:30] = (20, 40, 60, 255)
    layers = [ProjectLayer("photo", np.full((40, 50, 4), 255, np.uint8)), ProjectLayer("sketch", sketch)]
    slot = AutosaveSlot(folder, "crashed")
    slot.folder.mkdir(parents=True, exist_ok=True)
    write_project(slot.path, Project(50, 40, layers, plugin_id="inpaint-classical", params={"radius": 17}))
    slot.sidecar.write_text(f'{{"name": "{name}", "saved_at": 1.0, "source": null, "pid": 0}}')
    return slot, sketch


def test_recover_restores_layers_and_parameters_and_keeps_the_autosave(window, tmp_path):
    slot, sketch = _crashed_autosave(tmp_path)
    offered = []
    window.choose_recovery = lambda _w, records: offered.extend(records) or records[0]
    assert window.offer_recovery(list_autosaves(tmp_path))
    assert [r.name for r in offered] == ["lost work"]
    assert window.canvas.document_size() == (50, 40)
    assert np.array_equal(np.asarray(Image.fromarray(sketch))[..., 3], _alpha(window.canvas.layer_image(Layer.SKETCH)))
    assert window.panel.current_values()["radius"] == 17
    assert window.document.is_modified() and "•" in window.windowTitle()
    assert window.autosave.slot.path == slot.path  # a second crash still has it


def _alpha(image) -> np.ndarray:
    from gencanvas.qt.image_convert import array_from_qimage

    return array_from_qimage(image, 4)[..., 3]


def test_damaged_autosave_is_named_moved_aside_and_the_app_goes_on(window, tmp_path):
    folder = tmp_path
    (folder / "broken.ora").write_bytes(b"PK\x03\x04 cut off")
    window.choose_recovery = lambda _w, records: records[0]
    assert not window.offer_recovery(list_autosaves(folder))
    message = window.status.message.text()
    assert "“broken.ora” is damaged" in message and "moved to" in message
    assert (folder / "damaged" / "broken.ora").read_bytes() == b"PK\x03\x04 cut off"
    assert [r for r in list_autosaves(folder) if r.slot_id == "broken"] == []
    for box in window.findChildren(QMessageBox):
        box.close()


def test_cuda_chosen_without_cuda_is_said_in_the_window(qtbot, window, monkeypatch):
    import torch

    from gencanvas.core.settings import Settings

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    window.settings = Settings(device="cuda")
    window.panel.set_plugin("inpaint-classical")
    draw(window, Layer.MASK, colour="white")
    generate(qtbot, window)
    assert "CUDA was chosen as the device but is not available" in window.status.message.text()


@pytest.mark.parametrize("platform_keys", [["Ctrl+Shift+Z"], ["Ctrl+Y", "Ctrl+Shift+Z"], ["Ctrl+Y"]])
def test_redo_lists_ctrl_shift_z_once_whatever_the_platform_binds(monkeypatch, platform_keys):
    """GNOME and KDE bind Redo to Ctrl+Shift+Z itself: adding it again made the shortcut ambiguous."""
    from gencanvas.qt import actions

    monkeypatch.setattr(actions.QKeySequence, "keyBindings", lambda _key: [QKeySequence(k) for k in platform_keys])
    keys = [key.toString() for key in actions._redo_shortcuts()]
    assert keys.count("Ctrl+Shift+Z") == 1 and set(platform_keys) <= set(keys)


def test_history_limit_applies_when_saving_never_while_working(qtbot, window, tmp_path):
    from gencanvas.core.project_reader import read_project
    from gencanvas.core.settings import Settings

    assert Settings().history_limit == 50
    window.settings = Settings(history_limit=2)
    window.panel.set_plugin("inpaint-classical")
    draw(window, Layer.MASK, colour="white")
    for radius in (3, 4, 5):
        window.panel.current_form().set_values({"radius": radius})
        generate(qtbot, window)
    assert window.history.count() == 3
    assert window.save_to(tmp_path / "p.ora")
    assert window.history.count() == 3  # the open History is untouched
    assert "keeps the newest 2 of 3 History results" in window.status.message.text()  # said, not silent
    kept = read_project(tmp_path / "p.ora").history
    assert [entry.metadata.params["radius"] for entry in kept] == [4, 5]  # the newest two


def test_restore_parameters_with_wrong_types_restores_the_rest_and_says_which(qtbot, window, tmp_path):
    from gencanvas.core.image_io import save_image
    from gencanvas.core.metadata import GenerationMetadata

    stored = {"radius": "abc", "method": "navier-stokes", "grow_mask": 12345.5}
    metadata = GenerationMetadata("inpaint-classical", stored, "summary")
    save_image(tmp_path / "odd.png", np.full((32, 32, 3), 90, np.uint8), metadata)
    window.panel.set_plugin("inpaint-classical")
    before = window.panel.current_values()
    assert window.open_path(tmp_path / "odd.png")
    qtbot.mouseClick(window.panel.restore_bar.button, Qt.MouseButton.LeftButton)
    values = window.panel.current_values()
    assert values["method"] == "navier-stokes"  # what validates is restored
    assert values["radius"] == before["radius"] and values["grow_mask"] == before["grow_mask"]
    message = window.status.message.text()
    assert "“radius”" in message and "“grow_mask”" in message and "Traceback" not in message


def test_failed_export_and_failed_autosave_say_so_and_keep_what_was_there(qtbot, window, tmp_path, monkeypatch):
    from gencanvas.core import image_io as io_module
    from gencanvas.core import project_file

    draw(window)
    with qtbot.waitSignal(window.autosave.saved, timeout=JOB_MS):
        window.autosave.submit()
    previous = window.autosave.slot.path.read_bytes()

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file, "write_png", full_disk)
    draw(window, y=90)
    with qtbot.waitSignal(window.autosave.failed, timeout=JOB_MS) as failed:
        window.autosave.submit()
    assert "Autosave failed (No space left on device)" in failed.args[0]
    assert window.autosave.slot.path.read_bytes() == previous  # the last good autosave is kept
    assert not list(window.autosave.slot.folder.glob(f".{window.autosave.slot.slot_id}*"))  # no temporary left

    target = tmp_path / "out.png"
    target.write_bytes(b"earlier export")
    window.ask_overwrite = lambda _w, _p: True
    monkeypatch.setattr(io_module.Image.Image, "save", full_disk)
    sketch = layer_bytes(window, Layer.SKETCH)
    assert not window.files.export_to(target)
    assert "Could not export out.png: No space left on device" in window.status.message.text()
    assert target.read_bytes() == b"earlier export" and layer_bytes(window, Layer.SKETCH) == sketch
    for box in window.findChildren(QMessageBox):
        box.close()


def test_a_file_from_another_program_opens_flattened_with_a_notice(window, tmp_path):
    from tests.test_project_file import _foreign_ora

    ink = np.zeros((32, 48, 4), np.uint8)
    ink[4:8, 4:40] = (0, 0, 0, 255)
    paper = np.full((32, 48, 4), 255, np.uint8)
    path = _foreign_ora(tmp_path / "from krita.ora", [("Ink", ink, 0, 0), ("Paper", paper, 0, 0)])
    before = path.read_bytes()
    assert window.open_path(path)
    assert "flattened into the photo layer" in window.status.message.text()
    photo = window.canvas.layer_image(Layer.PHOTO)
    assert photo.pixelColor(5, 5).name() == "#000000" and photo.pixelColor(30, 20).name() == "#ffffff"
    assert window.document.project_path is None  # Save asks first instead of rewriting the other program's file
    assert path.read_bytes() == before


@pytest.mark.parametrize("background_alpha", [0, 255])
def test_a_mask_layer_counts_only_what_is_painted(window, tmp_path, background_alpha):
    """White on transparent, or white on opaque black with an alpha channel: only the white square is masked."""
    from tests.test_project_file import _foreign_ora

    mask = np.zeros((32, 48, 4), np.uint8)
    mask[..., 3] = background_alpha
    mask[8:16, 8:24] = (255, 255, 255, 255)
    photo = np.full((32, 48, 4), 200, np.uint8)
    assert window.open_path(_foreign_ora(tmp_path / "m.ora", [("mask", mask, 0, 0), ("photo", photo, 0, 0)]))
    painted = window.canvas.mask_array()
    assert painted.sum() == 8 * 16 and painted[8:16, 8:24].all()


def test_recovery_dialog_shows_thumbnail_time_and_name_and_can_discard(qtbot, tmp_path):
    from gencanvas.qt.recovery_dialog import RecoveryDialog

    _crashed_autosave(tmp_path, name="sunset sketch")
    records = list_autosaves(tmp_path)
    dialog = RecoveryDialog(records)
    qtbot.addWidget(dialog)
    item = dialog.list.item(0)
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1.0))  # saved_at in the sidecar
    assert item.text() == f"sunset sketch\nautosaved {when}"
    assert not item.icon().isNull()  # the project's thumbnail
    dialog.recover_button.click()
    assert dialog.chosen == records[0]
    dialog = RecoveryDialog(records)
    qtbot.addWidget(dialog)
    dialog.discard_button.click()
    assert list_autosaves(tmp_path) == [] and not records[0].path.exists()
