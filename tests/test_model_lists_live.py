"""Models added or removed while the window is open: every drop-down follows, no restart.

Drops go through the real canvas drop event; the panel's notice, *Add model…* and the
Models dialog run in the real window. The models folder is a temp dir the SD plugins are
pointed at, as the other SD tests do.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gencanvas.core.settings import Settings
from gencanvas.plugins import sd_models_scan, sd_settings, upscale_support
from gencanvas.qt.model_manager import ModelManager
from tests.test_sd_scan import checkpoint, controlnet
from tests.upscale_fixtures import save_tiny_esrgan


@pytest.fixture
def studio(qtbot, registry, tmp_path, monkeypatch):
    """The real window over an empty models folder (nothing installed yet)."""
    from gencanvas.qt import main_window
    from gencanvas.qt.main_window import MainWindow

    models = tmp_path / "models"
    models.mkdir()
    win = MainWindow(registry.load_all(), Settings(models_dir=models))
    monkeypatch.setattr(sd_settings, "models_folder", lambda: Path(win.settings.models_dir))
    monkeypatch.setattr(sd_settings, "ckpt_allowed", lambda: win.settings.allow_ckpt)
    monkeypatch.setattr(main_window, "save_settings", lambda settings: None)  # the test home keeps its settings
    sd_models_scan.refresh()
    upscale_support.refresh()
    win.panel.refresh_schemas()
    win.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    sd_models_scan.refresh()  # later tests list their own folders
    upscale_support.refresh()


def drop(window, *paths: Path) -> None:
    """Drop local files on the canvas as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.canvas.dropEvent(event)


def options(window, field: str = "model") -> list[str]:
    combo = window.panel.current_form().editor(field).widget
    return [combo.itemData(i) for i in range(combo.count())]


def test_an_sd_panel_without_a_model_says_so_when_shown(studio):
    (Path(studio.settings.models_dir) / "old.ckpt").write_bytes(b"pickle")
    studio.panel.set_plugin("inpaint-classical")
    assert studio.panel.notice.isHidden()
    studio.panel.set_plugin("sd-txt2img")
    notice = studio.panel.notice
    assert notice.isVisible() and str(studio.settings.models_dir) in notice.label.text()
    assert "old.ckpt" in notice.label.text()  # the skipped file is named, with its reason
    assert notice.button.isVisible() and notice.button.text() == "Add model…"


def test_dropping_a_checkpoint_adds_it_and_the_panel_lists_it(studio, tmp_path):
    studio.panel.set_plugin("sd-txt2img")
    form = studio.panel.current_form()
    form.set_values({"prompt": "kept across the rebuild"})
    assert options(studio) == ["auto"] and studio.panel.notice.isVisible()
    photo_before = studio.canvas.composite()

    drop(studio, checkpoint(tmp_path / "downloads" / "photo-real.safetensors"))

    assert (Path(studio.settings.models_dir) / "checkpoints" / "photo-real.safetensors").is_file()
    assert (tmp_path / "downloads" / "photo-real.safetensors").is_file()  # copied, not moved
    assert options(studio) == ["auto", "photo-real"]
    assert studio.panel.current_values()["prompt"] == "kept across the rebuild"
    assert studio.panel.notice.isHidden()
    assert "photo-real.safetensors" in studio.status.message.text()
    assert studio.canvas.composite() == photo_before  # a model is never opened as the photo
    studio.panel.set_plugin("sd-img2img")  # a form made later lists it too
    assert options(studio) == ["auto", "photo-real"]


def test_an_unchanged_folder_rebuilds_nothing(studio, tmp_path):
    checkpoint(Path(studio.settings.models_dir) / "mine.safetensors")
    sd_models_scan.refresh()
    studio.panel.set_plugin("sd-txt2img")
    studio.panel.refresh_schemas()
    form = studio.panel.current_form()
    schema, widget = form.schema, form.editor("model").widget
    sd_models_scan.refresh()
    studio.panel.refresh_schemas()
    assert form.schema is schema and form.editor("model").widget is widget


def test_a_pickle_drop_is_refused_with_the_reason(studio, tmp_path):
    studio.panel.set_plugin("sd-txt2img")
    pickle = tmp_path / "v1-5-pruned-emaonly.ckpt"
    pickle.write_bytes(b"not really a pickle")
    drop(studio, pickle)
    assert not any(Path(studio.settings.models_dir).rglob("*.ckpt"))
    text = studio.status.message.text()
    assert "v1-5-pruned-emaonly.ckpt" in text and "pickle" in text.lower()
    assert options(studio) == ["auto"]


def test_a_dropped_diffusers_folder_and_controlnet_reach_the_controlnet_panel(studio, tiny_sd_models, tmp_path):
    studio.panel.set_plugin("sd-controlnet")
    assert options(studio, "controlnet") == ["auto"]
    drop(studio, tiny_sd_models.root / "a-tiny-sd15", controlnet(tmp_path / "scribble.safetensors"))
    assert options(studio) == ["auto", "a-tiny-sd15"]
    assert options(studio, "controlnet") == ["auto", "scribble"]
    assert studio.panel.notice.isHidden()


def test_add_model_button_opens_the_add_flow(studio, tmp_path, monkeypatch):
    source = checkpoint(tmp_path / "downloads" / "picked.safetensors")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    studio.panel.set_plugin("sd-live")
    studio.panel.notice.button.click()
    dialogs = [w for w in studio.findChildren(ModelManager) if w.isVisible()]
    assert len(dialogs) == 1 and "picked.safetensors" in dialogs[0].status.text()
    assert options(studio) == ["auto", "picked"] and studio.panel.notice.isHidden()
    dialogs[0].close()


def test_removing_in_the_models_dialog_updates_the_lists(studio, monkeypatch):
    checkpoint(Path(studio.settings.models_dir) / "checkpoints" / "gone.safetensors")
    sd_models_scan.refresh()
    studio.panel.set_plugin("sd-inpaint")
    studio.panel.refresh_schemas()
    assert options(studio) == ["auto", "gone"]
    dialog = ModelManager(studio.settings, studio)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    dialog.table.selectRow(0)
    dialog.remove()
    assert options(studio) == ["auto"] and studio.panel.notice.isVisible()
    dialog.close()


def test_upscaler_lists_follow_drops(studio, tmp_path):
    studio.panel.set_plugin("upscale")
    assert options(studio) == ["lanczos"]
    drop(studio, save_tiny_esrgan(tmp_path / "tiny-4x.safetensors"))
    assert options(studio) == ["lanczos", "tiny-4x.safetensors"]
    studio.panel.set_plugin("upscale-hires")
    assert options(studio, "upscaler") == ["lanczos", "tiny-4x.safetensors"]


def test_settings_pointing_at_another_folder_update_the_lists(studio, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from gencanvas.qt.settings_dialog import SettingsDialog

    other = tmp_path / "other-models"
    checkpoint(other / "elsewhere.safetensors")
    studio.panel.set_plugin("sd-txt2img")
    assert options(studio) == ["auto"]

    def accept(dialog):
        dialog.result_settings = studio.settings.model_copy(update={"models_dir": other})
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", accept)
    SettingsDialog.edit(studio)
    assert options(studio) == ["auto", "elsewhere"] and studio.panel.notice.isHidden()
