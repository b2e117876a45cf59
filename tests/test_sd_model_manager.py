"""The model manager window: lists kind/base/size/name and skipped files; adds and removes like the CLI."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from gencanvas.core.settings import Settings
from gencanvas.qt.model_manager import ModelManager
from tests.test_sd_models_cli import lora
from tests.test_sd_scan import checkpoint


@pytest.fixture
def manager(qtbot, tmp_path):
    checkpoint(tmp_path / "webui" / "models" / "Stable-diffusion" / "theirs.safetensors")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "old.ckpt").write_bytes(b"pickle")
    dialog = ModelManager(Settings(models_dir=tmp_path / "models", extra_model_dirs=str(tmp_path / "webui")))
    qtbot.addWidget(dialog)
    return dialog


def rows(dialog):
    table = dialog.table
    return [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]


def test_lists_models_and_skipped_files(manager):
    assert rows(manager) == [["checkpoint", "SD 1.5", rows(manager)[0][2], "theirs.safetensors"]]
    assert rows(manager)[0][2].endswith(("B", "KB"))
    assert "old.ckpt: pickle" in manager.skipped.item(0).text()


def test_add_then_remove_after_asking(manager, tmp_path, monkeypatch):
    source = lora(tmp_path / "downloads" / "detail.safetensors")
    assert manager.add_path(source)
    assert ["lora", "SD 1.5"] in [r[:2] for r in rows(manager)]
    target = tmp_path / "models" / "loras" / "detail.safetensors"
    assert target.exists() and source.exists()
    manager.table.selectRow([r[3] for r in rows(manager)].index("detail.safetensors"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    manager.remove()
    assert target.exists()
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    manager.remove()
    assert not target.exists() and "detail.safetensors" not in [r[3] for r in rows(manager)]


def test_refuses_to_delete_outside_the_models_folder_and_says_why(manager, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("must not ask"))
    manager.table.selectRow(0)
    manager.remove()
    assert (tmp_path / "webui" / "models" / "Stable-diffusion" / "theirs.safetensors").exists()
    assert "outside the models folder" in manager.status.text()
    assert not manager.add_path(tmp_path / "models" / "old.ckpt") and "pickle" in manager.status.text()
