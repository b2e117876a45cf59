"""Regional prompts on the canvas: regions to paint, each with its own prompt, all undoable.

A region is a coverage layer (like the mask) with a prompt; SD plugins that ask for
``InputKind.REGIONS`` get every region with a prompt and some coverage as
``PluginInputs.regions``. The pixels and prompts live in the canvas's
:class:`~gencanvas.qt.canvas.layers.LayerStack` (one document, one undo stack); this
module is the editing API the Regions panel, the region brush, project files and
*Expand canvas* share: one undo step per add, delete, prompt edit and stroke.

Which region is selected (the one the region brush paints) and whether a region is shown
are view state, like a layer's visibility: not undoable. A hidden region still guides
generation, as a hidden mask still masks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QColor, QImage, QUndoCommand, QUndoStack

from gencanvas.qt.canvas.layers import (
    DocState,
    Layer,
    LayerItem,
    LayerStack,
    RegionState,
    blank_image,
    conform_image,
    coverage,
    region_color,
)
from gencanvas.qt.canvas.strokes import StrokeResult
from gencanvas.qt.image_convert import qimage_from_array


@dataclass(frozen=True)
class RegionData:
    """A region as project files hold it: prompt, coverage (uint8 (H, W), 255 = inside), shown or not."""

    prompt: str
    mask: np.ndarray
    visible: bool = True


class RegionListCommand(QUndoCommand):
    """Swaps the whole region list (add, delete, prompt edit, expand): images are shared, so it is cheap."""

    def __init__(
        self, layers: LayerStack, before: tuple[RegionState, ...], after: tuple[RegionState, ...], text: str
    ) -> None:
        super().__init__(text)
        self._layers, self.before, self.after = layers, before, after

    def redo(self) -> None:
        self._layers.restore(DocState(self._layers.size(), {}, self.after))

    def undo(self) -> None:
        self._layers.restore(DocState(self._layers.size(), {}, self.before))


class RegionStrokeCommand(QUndoCommand):
    """One region-brush stroke: swaps the dirty rectangle of one region, like a mask stroke."""

    def __init__(self, layers: LayerStack, key: int, stroke: StrokeResult) -> None:
        super().__init__("Erase region" if stroke.erase else "Region stroke")
        self._layers, self.key = layers, key
        self.rect, self.before, self.after = QRect(stroke.rect), stroke.before, stroke.after

    def redo(self) -> None:
        self._layers.write_region_patch(self.key, self.rect.topLeft(), self.after)

    def undo(self) -> None:
        self._layers.write_region_patch(self.key, self.rect.topLeft(), self.before)


class Regions(QObject):
    """The canvas's regions: list, prompts, selection and visibility, edited through the undo stack."""

    changed = Signal()  # regions added, deleted, reordered or renamed (undo and redo too)
    selectionChanged = Signal(object)  # the selected key, or None
    visibilityChanged = Signal(int, bool)
    edited = Signal()  # the artist changed a region (add, delete, prompt, stroke): live mode re-runs

    def __init__(self, layers: LayerStack, undo_stack: QUndoStack) -> None:
        super().__init__()
        self._layers = layers
        self._undo = undo_stack
        self._selected: int | None = None
        layers.regionsChanged.connect(self._on_changed)

    # --- reading ----------------------------------------------------------------------
    def ordered_keys(self) -> list[int]:
        """Region keys, bottom (first added) first."""
        return [region.key for region in self._layers.regions()]

    def prompt(self, key: int) -> str:
        return next(region.prompt for region in self._layers.regions() if region.key == key)

    def color(self, key: int) -> QColor:
        return region_color(key)

    def mask(self, key: int) -> np.ndarray:
        """The region's coverage, uint8 (H, W): 255 inside, fractions on a soft edge, 0 outside."""
        return coverage(self._layers.region_item(key).image())

    def item(self, key: int) -> LayerItem:
        """The region's live layer item (the region brush paints into it)."""
        return self._layers.region_item(key)

    @property
    def selected(self) -> int | None:
        return self._selected

    def is_visible(self, key: int) -> bool:
        return self._layers.region_item(key).isVisible()

    # --- view state (not undoable) --------------------------------------------------------
    def select(self, key: int | None) -> None:
        if key is not None and key not in self.ordered_keys():
            raise KeyError(f"no region {key}")
        if key != self._selected:
            self._selected = key
            self.selectionChanged.emit(key)

    def set_visible(self, key: int, visible: bool) -> None:
        item = self._layers.region_item(key)
        if item.isVisible() != visible:
            item.setVisible(visible)
            self.visibilityChanged.emit(key, visible)

    # --- edits (one undo step each) ---------------------------------------------------------
    def add(self, prompt: str = "") -> int:
        """Add an empty region on top and select it for painting; returns its key."""
        key = self._layers.new_region_key()
        region = RegionState(key, prompt, blank_image(self._layers.size(), Layer.MASK))
        self._push((*self._layers.regions(), region), "Add region")
        self.select(key)
        return key

    def delete(self, key: int) -> None:
        self._push(tuple(r for r in self._layers.regions() if r.key != key), "Delete region")

    def set_prompt(self, key: int, prompt: str) -> None:
        """Rename a region; nothing is recorded when the prompt is unchanged."""
        regions = self._layers.regions()
        if all(r.key != key or r.prompt == prompt for r in regions):
            return
        renamed = tuple(RegionState(r.key, prompt, r.image) if r.key == key else r for r in regions)
        self._push(renamed, "Edit region prompt")

    def replace_masks(self, masks: Sequence[np.ndarray], text: str) -> None:
        """Give every region, in order, new coverage at the document size (Expand canvas)."""
        regions = self._layers.regions()
        if len(masks) != len(regions):
            raise ValueError(f"{len(masks)} masks for {len(regions)} regions")
        size = self._layers.size()
        images = [
            conform_image(qimage_from_array(mask), size, Layer.MASK, region_color(r.key))
            for mask, r in zip(masks, regions, strict=True)
        ]
        self._push(tuple(RegionState(r.key, r.prompt, image) for r, image in zip(regions, images, strict=True)), text)

    def push_stroke(self, key: int, stroke: StrokeResult) -> None:
        self._undo.push(RegionStrokeCommand(self._layers, key, stroke))
        self.edited.emit()

    # --- whole documents (no undo: opening a project clears the history) ----------------
    def snapshot(self) -> list[tuple[str, QImage, bool]]:
        """Prompt, shared coverage image and visibility of every region: cheap on the GUI thread."""
        regions = self._layers.regions()
        return [(r.prompt, r.image, self.is_visible(r.key)) for r in regions]

    def load(self, regions: Sequence[RegionData]) -> None:
        """Replace every region with ``regions`` (an opened or recovered project), nothing selected."""
        size = self._layers.size()
        states = []
        for data in regions:
            key = self._layers.new_region_key()
            image = conform_image(qimage_from_array(data.mask), size, Layer.MASK, region_color(key))
            states.append(RegionState(key, data.prompt, image))
        self._layers.restore(DocState(size, {}, tuple(states)))
        for state, data in zip(states, regions, strict=True):
            self.set_visible(state.key, data.visible)
        self.select(None)

    def _push(self, after: tuple[RegionState, ...], text: str) -> None:
        self._undo.push(RegionListCommand(self._layers, self._layers.regions(), after, text))
        self.edited.emit()

    def _on_changed(self) -> None:
        if self._selected is not None and self._selected not in self.ordered_keys():
            self.select(None)
        self.changed.emit()
