"""The bridge between the window and a project file: what is saved, and how it comes back.

:func:`capture` runs on the GUI thread and only collects shared (copy-on-write) layer
images, references to the History entries' arrays and the panel's parameters -- well
under a millisecond even for a 2048² canvas. The callable it returns does the costly
part (QImage -> straight-alpha arrays) and may run on the autosave thread: QImage is
reentrant and implicitly shared copies detach when the canvas paints again.
:func:`apply_project` puts a read project back into the canvas, History and panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from gencanvas.core.metadata import refused_notice, restorable_params
from gencanvas.core.project_file import Project, ProjectHistoryEntry, ProjectLayer, ProjectRegion
from gencanvas.core.project_reader import fit_layers
from gencanvas.qt.canvas import Layer
from gencanvas.qt.canvas.layers import blank_image, conform_image, coverage
from gencanvas.qt.canvas.regions import RegionData
from gencanvas.qt.history import HistoryEntry
from gencanvas.qt.image_convert import array_from_qimage, qimage_from_array

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.core.settings import Settings
    from gencanvas.qt.canvas import CanvasView
    from gencanvas.qt.document import Document
    from gencanvas.qt.history import HistoryStrip
    from gencanvas.qt.plugin_panel import PluginPanel

LAYER_NAMES = {Layer.PHOTO: "photo", Layer.RESULT: "result", Layer.SKETCH: "sketch", Layer.MASK: "mask"}


class ProjectHost(Protocol):
    """What a project is made of in the window (the window satisfies it; nothing here imports it)."""

    canvas: CanvasView
    panel: PluginPanel
    history: HistoryStrip
    settings: Settings
    document: Document


def history_entries(window: ProjectHost) -> list[HistoryEntry]:
    """The History strip's entries, oldest first (the strip shows the newest first)."""
    strip = window.history
    return [strip.entry(row) for row in reversed(range(strip.count()))]


def capture(window: ProjectHost) -> Callable[[], Project]:
    """Snapshot the document cheaply on the GUI thread; the returned callable builds the Project."""
    canvas = window.canvas
    width, height = canvas.document_size()
    images = canvas.snapshot()
    looks = {layer: (canvas.layer_visible(layer), canvas.layer_opacity(layer)) for layer in Layer}
    regions = canvas.regions.snapshot()
    history = [ProjectHistoryEntry(e.plugin_title, e.metadata, e.pixels) for e in history_entries(window)]
    plugin_id = window.panel.current_id() if window.panel.plugins else None
    params = dict(window.panel.current_values()) if plugin_id else {}

    def build() -> Project:
        layers = [ProjectLayer(LAYER_NAMES[layer], layer_pixels(images[layer]), *looks[layer]) for layer in Layer]
        kept = [ProjectRegion(prompt, coverage(image), visible) for prompt, image, visible in regions]
        return Project(width, height, layers, history, plugin_id, params, regions=kept)

    return build


def layer_pixels(image: QImage, band: int = 128) -> np.ndarray:
    """A layer as straight-alpha RGBA, converted in bands of rows.

    Qt holds the GIL for the whole of one conversion; a 2048² layer at once would stall
    the GUI thread for several milliseconds per layer, a band of rows for a fraction of one.
    """
    out = np.empty((image.height(), image.width(), 4), np.uint8)
    for top in range(0, image.height(), band):
        rows = min(band, image.height() - top)
        out[top : top + rows] = array_from_qimage(image.copy(0, top, image.width(), rows), 4)
    return out


def apply_project(window: ProjectHost, project: Project, label: str) -> list[str]:
    """Show ``project`` in the window; returns the notices to show (flattened layers, refused values)."""
    canvas = window.canvas
    size = QSize(project.width, project.height)
    fitted = fit_layers(project, [LAYER_NAMES[layer] for layer in Layer], label)
    images = {}
    for layer in Layer:
        found = fitted.get(LAYER_NAMES[layer])
        images[layer] = (
            conform_image(qimage_from_array(found.pixels), size, layer) if found else blank_image(size, layer)
        )
    canvas.load_document(project.width, project.height, images)
    if not project.foreign:
        for layer in Layer:
            found = fitted.get(LAYER_NAMES[layer])
            if found is not None:
                canvas.set_layer_visible(layer, found.visible)
                canvas.set_layer_opacity(layer, found.opacity)
    canvas.regions.load([RegionData(region.prompt, region.mask, region.visible) for region in project.regions])
    window.history.clear()
    for entry in project.history:
        image = qimage_from_array(entry.pixels)
        window.history.add(HistoryEntry(entry.title, entry.metadata, entry.pixels, image))
    notices = list(project.notices)
    notice = _restore_panel(window, project)
    if notice:
        notices.append(notice)
    return notices


def _restore_panel(window: ProjectHost, project: Project) -> str | None:
    """Select the saved plugin with the parameters that still validate; say what was left out."""
    panel = window.panel
    if not project.plugin_id:
        return None
    if project.plugin_id not in panel.plugins:
        return f"The project used the plugin “{project.plugin_id}”, which is not installed; its settings were skipped."
    panel.set_plugin(project.plugin_id)
    accepted, refused = restorable_params(panel.plugins[project.plugin_id].Params, project.params)
    panel.current_form().set_values(accepted)
    return refused_notice(refused)
