"""Test-wide setup: offscreen Qt, a throw-away per-user folder, and no leaked threads."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["GENCANVAS_HOME"] = tempfile.mkdtemp(prefix="gencanvas-test-home-")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")  # tiny test models gain nothing from threads; 2-core CI loses a lot

import pytest

from gencanvas.core.registry import PluginRegistry, default_registry
from tests.canvas_fixtures import canvas  # noqa: F401
from tests.diffusion_fixtures import tiny_diffusion, tiny_weights_root  # noqa: F401
from tests.fake_plugins import FAKE_PLUGINS
from tests.pix2pix_fixtures import tiny_pix2pix, tiny_pix2pix_root  # noqa: F401
from tests.sd_fixtures import no_network, tiny_sd, tiny_sd_models  # noqa: F401
from tests.stylegan_fixtures import tiny_stylegan, tiny_stylegan_root  # noqa: F401
from tests.vae_fixtures import tiny_vae, tiny_vae_root  # noqa: F401

atexit.register(shutil.rmtree, os.environ["GENCANVAS_HOME"], ignore_errors=True)  # leave the machine's /tmp clean


@pytest.fixture(autouse=True)
def no_thread_left_running():
    """Fail any test that leaves a generation worker thread running (and stop it)."""
    yield
    if "gencanvas.qt.worker" not in __import__("sys").modules:
        return
    from gencanvas.qt.worker import GenerationWorker

    running = [w for w in list(GenerationWorker.live_workers) if w.isRunning()]
    for worker in running:
        worker.shutdown()
    assert not running, f"{len(running)} GenerationWorker thread(s) left running"


@pytest.fixture
def registry() -> PluginRegistry:
    """The real registry plus the fake plugins the worker and window tests drive."""
    reg = default_registry()
    for plugin_type in FAKE_PLUGINS:
        reg.register(plugin_type.id, plugin_type)
    return reg


@pytest.fixture
def window(qtbot, registry):
    """The real main window with real and fake plugins; closing never asks about unsaved work."""
    from PySide6.QtWidgets import QMessageBox

    from gencanvas.core.settings import Settings
    from gencanvas.qt.main_window import MainWindow

    win = MainWindow(registry.load_all(), Settings())
    win.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
