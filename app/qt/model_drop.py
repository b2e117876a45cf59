"""Model files dropped on the window: added to the models folder, not opened as images.

A drop of ``.safetensors`` (or ``.ckpt``/``.pt``/``.pth``/``.bin``) files or of diffusers
folders goes through ``gencanvas.models.sd.manage.add_model``, the same import as *Models… ›
Add* and ``gencanvas models add``: identified from its contents, copied into the subfolder
of its kind, pickles refused unless Settings allows them. The outcome is one line in the
status bar and the panels list the new models at once. The window routes drops here
before treating them as images, and the panel's *Add model…* opens the Models dialog.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gencanvas.models.sd.manage import ModelFileError, add_model
from gencanvas.qt.model_manager import ModelManager, refresh_model_lists

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.qt.plugin_panel import PluginPanel
    from gencanvas.qt.status import JobStatus
    from gencanvas.qt.window_host import SettingsHost

    class ModelDropHost(SettingsHost, Protocol):
        """The window as drops and the panel's *Add model…* use it."""

        panel: PluginPanel
        status: JobStatus


MODEL_SUFFIXES = frozenset({".safetensors", ".ckpt", ".pt", ".pth", ".bin"})
FOLDER_MARKERS = ("model_index.json", "config.json")  # a diffusers pipeline, or one model of one


def is_model_path(path: str | Path) -> bool:
    """A model file by its suffix, or a folder in the diffusers layout."""
    path = Path(path)
    if path.is_dir():
        return any((path / marker).is_file() for marker in FOLDER_MARKERS)
    return path.suffix.lower() in MODEL_SUFFIXES


def is_model_drop(paths: Iterable[str | Path]) -> bool:
    """Whether a drop holds a model (then it is added, never opened as an image)."""
    return any(is_model_path(path) for path in paths)


def add_dropped_models(window: ModelDropHost, paths: list[str]) -> bool:
    """Add the dropped models (copied); False, doing nothing, when the drop holds none.

    Each file is added or refused on its own; the status bar names what was added and
    why the others were not.
    """
    if not is_model_drop(paths):
        return False
    settings = window.settings
    added: list[str] = []
    refused: list[str] = []
    for path in paths:
        if not is_model_path(path):
            refused.append(f"{Path(path).name} is not a model file or diffusers folder.")
            continue
        try:
            target = add_model(Path(path), settings.models_dir, allow_ckpt=settings.allow_ckpt)
        except (ModelFileError, OSError) as exc:
            refused.append(str(exc))
            continue
        added.append(target.name)
    if added:
        refresh_model_lists(window.qt_window)
    done = f"Added {', '.join(added)} to {settings.models_dir}." if added else ""
    message = " ".join([done, *refused]).strip()
    if refused:
        window.status.failed(message)
    else:
        window.status.idle(message)
    return True


def connect(window: ModelDropHost) -> None:
    """The panel's *Add model…* (shown when a plugin has no usable model) opens the Models dialog's add flow."""
    window.panel.addModelRequested.connect(lambda _plugin_id: ModelManager.open_adding(window))
