"""Help › About: version and edition at once, torch's devices filled in from a worker thread."""

from __future__ import annotations

import json
import subprocess
import sys

import gencanvas
from gencanvas.qt import about_dialog
from gencanvas.qt.about_dialog import AboutDialog, read_build_info, show_about


def test_build_info_names_the_edition_or_says_source_checkout(tmp_path):
    assert read_build_info(tmp_path / "missing.json") == {"edition": "source checkout"}
    path = tmp_path / "build_info.json"
    path.write_text(json.dumps({"edition": "gpu", "version": "9.9"}), encoding="utf-8")
    assert read_build_info(path)["edition"] == "gpu"


def test_dialog_shows_version_edition_logs_then_the_torch_device(qtbot, monkeypatch, tmp_path):
    import torch

    from gencanvas.core.devices import resolve_device

    info = tmp_path / "build_info.json"
    info.write_text(json.dumps({"edition": "cpu"}), encoding="utf-8")
    monkeypatch.setattr(about_dialog, "BUILD_INFO", info)
    dialog = AboutDialog(device_preference="cpu")
    qtbot.addWidget(dialog)
    facts = dialog.facts_label.text()
    assert "Edition: CPU / Apple GPU" in facts and "Logs: " in facts
    qtbot.waitUntil(lambda: dialog.report.done() and not dialog._poll.isActive(), timeout=60_000)
    devices = dialog.device_label.text()
    assert devices.startswith(f"torch {torch.__version__}")
    assert "Generators run on: cpu (Settings › Device: cpu)" in devices
    assert f"run on: {resolve_device('auto').type}" in about_dialog.torch_report("auto")


def test_help_menu_opens_the_dialog(qtbot, window):
    window.actions_by_name["about"].trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    assert f"GenCanvas {gencanvas.__version__}" in dialog.title_label.text()
    qtbot.waitUntil(dialog.report.done, timeout=60_000)
    dialog.close()


def test_the_dialog_module_does_not_import_torch():
    probe = "import sys, gencanvas.qt.about_dialog; print('torch' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert run.stdout.strip() == "False"


def test_show_about_uses_the_window_device_setting(qtbot, window):
    window.settings.device = "cpu"
    dialog = show_about(window)
    qtbot.waitUntil(lambda: "Generators run on" in dialog.device_label.text(), timeout=60_000)
    assert "Settings › Device: cpu" in dialog.device_label.text()
    dialog.close()
