"""Image › Outpaint: Expand canvas, then fill the new area with an inpainting plugin, in one click.

The dialog is Expand canvas's (same margins and aspect presets) plus the plugin to fill
with. Nothing here runs a model: it expands (one undo step, :func:`apply_expand`), chooses
the plugin in the panel and presses its Generate, so the fill takes the panel's own path
(its current parameters, the worker, streaming, Cancel, History). It therefore undoes in
two steps, as the artist did two things: the first undo removes the fill, the second
the expansion. A fill that is refused or cancelled leaves the expanded canvas with its
new area masked, ready for another plugin. A fill that finishes hides the red mask
overlay (the view only): the mask was made by the expansion, not painted, and its tint
over the fill would hide the very pixels the artist wants to judge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QWidget

from gencanvas.core.expand import Margins
from gencanvas.core.plugin_api import InputKind, Plugin, PluginError
from gencanvas.qt.canvas import Layer
from gencanvas.qt.expand_dialog import ExpandDialog, ExpandHost, apply_expand

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.core.jobs import Job, JobReport
    from gencanvas.qt.generation import GenerationController

PREFERRED = ("sd-inpaint", "diffusion-inpaint", "inpaint-classical")  # the best fill first, when it can run here


class OutpaintHost(ExpandHost, Protocol):
    """What Outpaint uses of the main window: Expand canvas's needs and the panel's Generate."""

    generation: GenerationController


def fill_plugins(plugins: dict[str, type[Plugin[Any]]]) -> dict[str, type[Plugin[Any]]]:
    """Every plugin that inpaints: it takes both the photo and the mask."""
    needed = {InputKind.IMAGE, InputKind.MASK}
    return {plugin_id: plugin for plugin_id, plugin in plugins.items() if needed <= plugin.canvas_inputs()}


def _can_run(plugin: type[Plugin[Any]]) -> bool:
    try:
        return plugin.unavailable() is None
    except Exception:  # a plugin's own check failing must not break the dialog
        return False


def best_fill(plugins: dict[str, type[Plugin[Any]]]) -> str | None:
    """SD inpaint when a checkpoint is there, else the own diffusion model's, else classical, else any."""
    ready = [plugin_id for plugin_id, plugin in plugins.items() if _can_run(plugin)]
    ranked = [plugin_id for plugin_id in PREFERRED if plugin_id in ready] + ready
    return ranked[0] if ranked else next(iter(plugins), None)


class OutpaintDialog(ExpandDialog):
    """Expand canvas's margins and presets, and the plugin that fills the new area."""

    def __init__(
        self, width: int, height: int, plugins: dict[str, type[Plugin[Any]]], parent: QWidget | None = None
    ) -> None:
        super().__init__(width, height, parent)
        self.setWindowTitle("Outpaint")
        self.plugin = QComboBox()
        self.plugin.setObjectName("outpaintPlugin")
        for plugin_id, plugin in plugins.items():
            reason = None if _can_run(plugin) else "cannot run here: see its panel"
            self.plugin.addItem(plugin.title + (f" ({reason})" if reason else ""), plugin_id)
        default = best_fill(plugins)
        if default is not None:
            self.plugin.setCurrentIndex(self.plugin.findData(default))
        form = self.layout()
        assert isinstance(form, QFormLayout)
        form.insertRow(0, "Fill with", self.plugin)

    def plugin_id(self) -> str:
        return str(self.plugin.currentData())


def outpaint(window: OutpaintHost, margins: Margins, plugin_id: str) -> Job | None:
    """Expand by ``margins`` (one undo step), then Generate with ``plugin_id``'s panel parameters.

    Returns the submitted job, or None when the expansion or the job was refused (said in
    one sentence; a refused fill keeps the expansion, its new area masked).
    """
    try:
        apply_expand(window.canvas, margins)
    except PluginError as exc:
        window.show_error(str(exc))
        return None
    window.generation.panel.set_plugin(plugin_id)
    job = window.generation.generate()
    if job is not None:
        _hide_mask_once_filled(window, job)
    return job


def _hide_mask_once_filled(window: OutpaintHost, job: Job) -> None:
    """Hide the mask overlay when ``job`` finishes (Layers and View › Show mask follow).

    The mask itself stays, for a refill; picking the Mask brush shows it again. A failed
    or cancelled fill leaves the overlay shown: the new area is visibly still to fill.
    """
    generation = window.generation

    def ended(report: JobReport) -> None:
        if report.job_id != job.id:
            return
        generation.jobEnded.disconnect(ended)
        if report.state == "finished":
            window.canvas.set_layer_visible(Layer.MASK, False)

    generation.jobEnded.connect(ended)


def outpaint_dialog(window: OutpaintHost) -> None:
    """Image › Outpaint…: ask for the margins and the plugin, then expand and fill."""
    plugins = fill_plugins(window.generation.panel.plugins)
    if not plugins:
        window.show_error("No inpainting plugin is installed to fill the new area; use Expand canvas instead.")
        return
    dialog = OutpaintDialog(*window.canvas.document_size(), plugins, parent=window.qt_window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    outpaint(window, dialog.margins(), dialog.plugin_id())
