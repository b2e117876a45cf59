"""Start the GUI: the window is shown before any heavy module (torch) is imported."""

from __future__ import annotations

import logging
import sys
import time

from PySide6.QtWidgets import QApplication, QStyleFactory

from gencanvas.core.logging_setup import configure_logging
from gencanvas.core.registry import default_registry
from gencanvas.core.resources import resource_path, sample_images
from gencanvas.core.settings import Settings, load_settings
from gencanvas.qt.main_window import MainWindow
from gencanvas.qt.shutdown import install_termination_handler

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("GenCanvas")
    app.setOrganizationName("GenCanvas")
    return app  # type: ignore[return-value]


def apply_theme(app: QApplication, settings: Settings) -> None:
    if settings.theme == "system":
        return
    app.setStyle(QStyleFactory.create("Fusion"))
    if settings.theme == "dark":
        app.setStyleSheet(resource_path("qss", "dark.qss").read_text(encoding="utf-8"))


def build_window(settings: Settings | None = None) -> MainWindow:
    """The main window with every plugin that loads; failures are logged and shown in the status bar."""
    settings = settings or load_settings()
    registry = default_registry()
    plugins = registry.load_all()
    window = MainWindow(plugins, settings)
    window.plugin_failures = dict(registry.failures)
    window.panel.show_failures(registry.failures)
    if registry.failures:
        window.status.failed("Some plugins failed to load: " + ", ".join(registry.failures))
    return window


def run_gui(open_path: str | None = None, exit_when_shown: bool = False) -> int:
    """Show the window (with a sample photo or ``open_path``) and run the event loop."""
    started = time.perf_counter()
    configure_logging()
    app = create_application()
    settings = load_settings()
    apply_theme(app, settings)
    window = build_window(settings)
    window.show()
    app.processEvents()
    log.info("window shown after %.0f ms", (time.perf_counter() - started) * 1000)
    if exit_when_shown:  # used by the start-up benchmark
        print("window-shown", flush=True)
        window.canvas.undo_stack.setClean()
        window.close()
        return 0
    terminate = install_termination_handler(window.terminate, window)  # SIGTERM goes through autosave
    recovered = window.offer_recovery()  # after a crash: the autosaves it left, before anything else
    samples = sample_images()
    if open_path:
        window.open_path(open_path)
    elif samples and not recovered:
        window.open_path(samples[0])
        window.document.reset(modified=False)  # a sample is a starting point, not a file Save could write near
    code = app.exec()
    if terminate is not None:
        terminate.uninstall()
    return code
