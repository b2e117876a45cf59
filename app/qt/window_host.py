"""What menus and dialogs may use of the main window, as protocols the window satisfies.

``actions``, ``animation_export`` and ``settings_dialog`` used to import ``main_window``
for its type while ``main_window`` imported them to build its menus: a circle that made
every one of them depend on everything the window knows. They now depend on these small
protocols only (each client on the smallest one it needs), and ``MainWindow`` implements
them; the import-linter layers contract in pyproject.toml keeps it that way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from PySide6.QtWidgets import QDockWidget, QMainWindow
    from superqt import QLabeledSlider

    from gencanvas.core.metadata import GenerationMetadata
    from gencanvas.core.settings import Settings
    from gencanvas.qt.canvas import CanvasView, Layer
    from gencanvas.qt.generation import GenerationController
    from gencanvas.qt.status import JobStatus


class DialogParent(Protocol):
    @property
    def qt_window(self) -> QMainWindow:
        """The window as Qt sees it: parent of actions, toolbars and dialogs."""
        ...


class ResultSource(DialogParent, Protocol):
    """The last result and where to report: File › Export animation."""

    @property
    def document_path(self) -> Path | None:
        """The project file, else the image the document started from: where dialogs start."""
        ...

    result_metadata: GenerationMetadata | None
    result_pixels: np.ndarray | None
    status: JobStatus

    def show_error(self, message: str) -> None: ...


class SettingsHost(DialogParent, Protocol):
    """The settings in use and the one way to change them: the Settings dialog."""

    settings: Settings

    def apply_settings(self, settings: Settings) -> None: ...


class StudioWindow(ResultSource, SettingsHost, Protocol):
    """Everything the menus, toolbar and shortcuts trigger."""

    canvas: CanvasView
    generation: GenerationController
    panel_dock: QDockWidget
    history_dock: QDockWidget
    layers_dock: QDockWidget
    regions_dock: QDockWidget
    brush_size_slider: QLabeledSlider

    def new_document(self, width: int, height: int) -> None: ...

    def open_dialog(self) -> None: ...

    def open_path(self, path: str | Path) -> bool: ...

    def save(self) -> bool: ...

    def save_as_dialog(self) -> bool: ...

    def export_dialog(self, layer: Layer | None = None, title: str = "Export image") -> bool: ...

    def offer_recovery(self) -> bool: ...

    def paste(self) -> bool: ...
