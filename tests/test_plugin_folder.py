"""Plugins dropped into the per-user plugins folder load through the same registry, lazily."""

from __future__ import annotations

import shutil
import sys
import zipfile

import pytest

from gencanvas.core.plugin_folder import scan
from gencanvas.core.registry import BUILTIN_PLUGINS, ENTRY_POINT_GROUP, default_registry
from gencanvas.core.settings import plugins_dir
from gencanvas.testing import check_plugin
from tests.plugin_packages import BROKEN_SOURCE, write_package, write_project, write_wheel


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A fresh GENCANVAS_HOME; sys.path and imported test plugins are restored afterwards."""
    monkeypatch.setenv("GENCANVAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield plugins_dir()
    for name in set(sys.modules) - before:
        if name.startswith("dropped_"):
            del sys.modules[name]


def test_the_folder_follows_gencanvas_home(folder, tmp_path):
    assert folder == tmp_path / "home" / "plugins"
    assert not folder.exists() and scan(folder, ENTRY_POINT_GROUP) == []
    assert default_registry().ids() == list(BUILTIN_PLUGINS)


@pytest.mark.parametrize("write", [write_wheel, write_project, write_package], ids=["wheel", "project", "package"])
def test_a_dropped_plugin_is_listed_unimported_then_passes_the_contract(folder, write):
    module = f"dropped_{write.__name__.removeprefix('write_')}"
    write(folder, module, "dropped-fill")
    registry = default_registry()
    assert registry.targets["dropped-fill"] == f"{module}.plugin:Fill"
    assert f"{module}.plugin" not in sys.modules, "listing must not import a plugin"
    plugin_type = registry.load_all()["dropped-fill"]
    assert plugin_type.__module__ == f"{module}.plugin" and not registry.failures
    check_plugin("dropped-fill")  # by id: through default_registry, as the app loads it


def test_wheel_metadata_is_read_in_place(folder):
    write_wheel(folder, "dropped_meta", "dropped-meta")
    (entry,) = scan(folder, ENTRY_POINT_GROUP)
    assert (entry.distribution, entry.version, entry.import_path) == ("dropped_meta", "0.1", entry.source)


def test_a_pip_target_folder_loads_from_its_dist_info(folder, tmp_path):
    wheel = write_wheel(tmp_path, "dropped_target", "dropped-target")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder / "site")
    assert default_registry().get("dropped-target").id == "dropped-target"


def test_broken_entries_are_reported_and_the_rest_still_load(folder):
    write_wheel(folder, "dropped_good", "dropped-good")
    write_wheel(folder, "dropped_broken", "dropped-broken", source=BROKEN_SOURCE)
    (folder / "notes").mkdir()
    (folder / "corrupt-0.1-py3-none-any.whl").write_bytes(b"not a zip archive")
    (folder / "README.txt").write_text("ignored", encoding="utf-8")
    registry = default_registry()
    loaded = registry.load_all()
    assert "dropped-good" in loaded and "inpaint-classical" in loaded
    assert "needs a library that is not installed" in registry.failures["dropped-broken"]
    assert "no plugin metadata" in registry.failures["notes"]
    assert "corrupt-0.1-py3-none-any.whl" in registry.failures
    assert "README.txt" not in registry.failures


def test_an_id_taken_by_a_builtin_is_reported_not_replaced(folder):
    write_wheel(folder, "dropped_clash", "inpaint-classical")
    registry = default_registry()
    assert registry.targets["inpaint-classical"] == BUILTIN_PLUGINS["inpaint-classical"]
    assert "taken by" in registry.failures["inpaint-classical (dropped_clash-0.1-py3-none-any.whl)"]


def test_building_the_registry_twice_finds_each_plugin_once(folder):
    write_wheel(folder, "dropped_twice", "dropped-twice")
    default_registry()  # the wheel is now on sys.path, so entry_points() also sees it
    registry = default_registry()
    assert registry.ids().count("dropped-twice") == 1 and not registry.failures


def test_a_project_without_the_entry_point_is_reported(folder):
    project = write_project(folder, "dropped_noep", "dropped-noep")
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    (project / "pyproject.toml").write_text(text.split("[project.entry-points")[0], encoding="utf-8")
    assert "declares no 'gencanvas.plugins' entry point" in default_registry().failures["dropped_noep"]


def test_removing_the_folder_removes_the_plugins(folder):
    write_wheel(folder, "dropped_gone", "dropped-gone")
    assert "dropped-gone" in default_registry().ids()
    shutil.rmtree(folder)
    assert "dropped-gone" not in default_registry().ids()


def test_settings_dialog_shows_and_opens_the_folder(qtbot, folder, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from gencanvas.core.settings import Settings
    from gencanvas.qt.settings_dialog import SettingsDialog

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.plugins_folder.text() == str(folder) and dialog.plugins_folder.isReadOnly()
    assert dialog.open_plugins_folder()
    assert opened == [str(folder)] and folder.is_dir()


def test_the_self_test_runs_a_dropped_wheel_like_a_builtin(qtbot, folder, tmp_path):
    """What the frozen bundle's --self-test does with a plugin in its plugins folder, from source."""
    from PySide6.QtWidgets import QMessageBox

    from gencanvas.core.image_io import read_metadata
    from gencanvas.core.settings import Settings
    from gencanvas.qt.app import build_window
    from gencanvas.qt.selftest import prepare_tiny_canvas, run_plugin_once

    write_wheel(folder, "dropped_selftest", "dropped-selftest")
    window = build_window(Settings())
    window.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    try:
        assert "dropped-selftest" in window.panel.plugins and not window.plugin_failures
        prepare_tiny_canvas(window)
        report, error = run_plugin_once(window, "dropped-selftest", tmp_path)
        assert error is None and report is not None and report.plugin_id == "dropped-selftest"
        assert read_metadata(tmp_path / "dropped-selftest.png").plugin_id == "dropped-selftest"
    finally:
        window.close()


def test_plugins_json_lists_folder_entries_that_could_not_be_read(folder, capsys):
    import json

    from gencanvas.cli import main

    write_wheel(folder, "dropped_clash", "inpaint-classical")
    (folder / "corrupt-0.1-py3-none-any.whl").write_bytes(b"not a zip archive")
    assert main(["plugins", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["corrupt-0.1-py3-none-any.whl"]["status"] == "failed"
    assert "taken by" in listing["inpaint-classical (dropped_clash-0.1-py3-none-any.whl)"]["error"]
    assert listing["inpaint-classical"]["status"] == "ok"
