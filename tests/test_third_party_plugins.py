"""Plugins installed as distributions: listed with package and version, broken ones refused everywhere."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from gencanvas import __version__
from gencanvas.cli import main
from gencanvas.core.image_io import load_image, read_metadata
from gencanvas.core.plugin_api import API_VERSION
from gencanvas.core.registry import default_registry
from tests.third_party_fixtures import BROKEN, third_party_plugins  # noqa: F401

REASONS = {  # what each broken package's failure must say
    "broken-import": ("ModuleNotFoundError", "gencanvas_dependency_that_is_not_installed"),
    "bad-defaults": ("invalid default", "radius", "less than or equal to 50", "style", "pastel, ink"),
    "next-major": ("needs plugin API 2.0", f"offers {API_VERSION}"),
    "newer-minor": ("needs plugin API 1.9", f"offers {API_VERSION}"),
}


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.full((24, 32, 3), 100, np.uint8)).save(path)
    return path


@pytest.mark.usefixtures("third_party_plugins")
def test_registry_finds_the_distributions_with_package_and_version():
    registry = default_registry()
    source = registry.source("demo-tint")
    assert (source.package, source.version) == ("gencanvas-demo-plugins", "1.2.3")
    assert registry.get("demo-tint").title == "Tint (demo)"
    assert registry.source("inpaint-classical").package == "gencanvas"
    registry.load_all()
    assert set(registry.failures) == set(BROKEN)


@pytest.mark.usefixtures("third_party_plugins")
def test_plugins_json_lists_every_plugin_and_why_failed_ones_failed(capsys):
    assert main(["plugins", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    tint = listing["demo-tint"]
    assert tint["status"] == "ok" and tint["error"] is None
    assert (tint["package"], tint["version"], tint["api_version"]) == ("gencanvas-demo-plugins", "1.2.3", "1.0")
    assert tint["description"].startswith("Tints the photo")
    assert (tint["inputs"], tint["optional_inputs"]) == (["image"], ["mask"])
    assert listing["inpaint-classical"]["package"] == "gencanvas"
    assert listing["inpaint-classical"]["version"] == __version__
    for plugin_id, needles in REASONS.items():
        entry = listing[plugin_id]
        assert entry["status"] == "failed" and entry["package"] == "gencanvas-broken-plugins", entry
        assert entry["version"] == "0.1.0" and "\n" not in entry["error"]
        for needle in needles:
            assert needle in entry["error"], (plugin_id, entry["error"])
    assert listing["broken-import"]["api_version"] is None  # never imported: nothing declared
    assert (listing["next-major"]["api_version"], listing["newer-minor"]["api_version"]) == ("2.0", "1.9")


@pytest.mark.parametrize("plugin_id", BROKEN)
@pytest.mark.usefixtures("third_party_plugins")
def test_generate_with_a_failed_plugin_exits_2_with_one_line(plugin_id, photo, tmp_path, capsys):
    from gencanvas_broken_plugins.bad_defaults import BadDefaults

    out = tmp_path / "out.png"
    assert main(["generate", "--plugin", plugin_id, "--image", str(photo), "-q", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"'{plugin_id}' failed to load" in err and REASONS[plugin_id][0] in err
    assert not out.exists() and BadDefaults.runs == 0


@pytest.mark.usefixtures("third_party_plugins")
def test_third_party_plugin_runs_with_and_without_its_optional_mask(photo, tmp_path, capsys):
    from gencanvas_demo_plugins import Tint

    out = tmp_path / "out.png"
    assert main(["generate", "--plugin", "demo-tint", "--image", str(photo), "-q", "-o", str(out)]) == 0, (
        capsys.readouterr().err
    )
    assert Tint.seen_masks[-1] is False
    assert (load_image(out).rgb != 100).all(axis=2).all()  # no mask: the whole photo is tinted
    mask = np.zeros((24, 32), np.uint8)
    mask[:, :8] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    args = ["generate", "--plugin", "demo-tint", "--image", str(photo), "--mask", str(tmp_path / "mask.png")]
    assert main([*args, "-q", "-o", str(out)]) == 0
    assert Tint.seen_masks[-1] is True
    result = load_image(out).rgb
    assert (result[:, :8] != 100).any(axis=2).all() and (result[:, 8:] == 100).all()


@pytest.mark.usefixtures("third_party_plugins")
def test_cli_applies_the_choice_linked_defaults_and_schema(photo, tmp_path):
    out = tmp_path / "out.png"
    base = ["generate", "--plugin", "demo-tint", "--image", str(photo), "-q", "-o", str(out)]
    assert main([*base, "--param", "palette=cool"]) == 0
    assert read_metadata(out).params == {"palette": "cool", "strength": 0.25, "chill": 0.0}
    assert main([*base, "--param", "palette=cool", "--param", "strength=0.9", "--param", "chill=0.5"]) == 0
    assert read_metadata(out).params == {"palette": "cool", "strength": 0.9, "chill": 0.5}
    assert main([*base, "--param", "palette=cool", "--param", "warmth=0.5"]) == 2  # the warm palette's slider


@pytest.mark.usefixtures("third_party_plugins")
def test_gui_lists_failed_plugins_disabled_with_their_reason(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from gencanvas.core.settings import Settings
    from gencanvas.qt.app import build_window

    window = build_window(Settings())
    window.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    try:
        chooser = window.panel.chooser
        for plugin_id, needles in REASONS.items():
            index = chooser.findData(plugin_id)
            assert index >= 0, plugin_id
            assert not chooser.model().item(index).isEnabled()
            tooltip = chooser.itemData(index, Qt.ItemDataRole.ToolTipRole)
            assert all(needle in tooltip for needle in needles), tooltip
            with pytest.raises(KeyError, match="failed to load"):
                window.panel.set_plugin(plugin_id)
        assert window.plugin_failures.keys() == set(BROKEN)
        assert "Some plugins failed to load" in window.status.message.text()
        window.panel.set_plugin("demo-tint")
        from gencanvas_demo_plugins import Tint

        runs = len(Tint.seen_masks)
        assert window.generation.generate() is not None  # no mask painted: the optional mask does not block it
        qtbot.waitUntil(lambda: len(Tint.seen_masks) > runs and not window.generation.worker.busy, timeout=10_000)
        assert Tint.seen_masks[-1] is False
    finally:
        window.close()


@pytest.mark.slow
def test_self_test_runs_the_third_party_plugin_and_fails_on_the_broken_ones(request, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.third_party_fixtures import PACKAGES

    site = request.getfixturevalue("third_party_plugins")
    root = Path(__file__).resolve().parents[1]
    path = os.pathsep.join([str(site), str(PACKAGES), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GENCANVAS_HOME": str(tmp_path), "PYTHONPATH": path}
    env["TMPDIR"] = str(tmp_path)  # the self-test's images: under this test's folder, not the machine's /tmp
    proc = subprocess.run(
        [sys.executable, "-m", "gencanvas", "--self-test"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "ok   demo-tint" in out, out
    for plugin_id, needles in REASONS.items():
        line = next(line for line in out.splitlines() if line.startswith(f"FAIL {plugin_id}:"))
        assert "failed to load" in line and needles[0] in line, line


def test_the_packages_use_only_the_public_api():
    import ast

    from tests.third_party_fixtures import PACKAGES

    for path in PACKAGES.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        names = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        gencanvas = {name for name in names if name.split(".")[0] == "gencanvas"}
        assert gencanvas <= {"gencanvas.plugin_api"}, (path.name, gencanvas)
