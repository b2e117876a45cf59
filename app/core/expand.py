"""Expand canvas (outpainting's first half): grow every layer, keep old pixels, mask the new area.

Qt-free, on numpy layers, so the window, the CLI and tests share one implementation. The
new area is returned as the mask, ready for any inpainting plugin to fill; old pixels are
copied unchanged. Sizes are checked first against the largest canvas GenCanvas edits.
:func:`blur_fill` gives the new area (or any masked area) a smooth extension of the picture
around it, the start that lets an ordinary SD checkpoint outpaint coherently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import cv2
import numpy as np

from gencanvas.core.plugin_api import PluginError, PluginInputs

MAX_SIDE = 8192  # the largest canvas side: beyond it models, memory and image formats struggle

Fill = Literal["edge", "clear", "white"]  # repeat the border pixels, transparent/zero, or white paper


@dataclass(frozen=True)
class Margins:
    """Pixels added on each side."""

    left: int = 0
    top: int = 0
    right: int = 0
    bottom: int = 0

    def __post_init__(self) -> None:
        if min(self.left, self.top, self.right, self.bottom) < 0:
            raise PluginError("Expand canvas adds pixels; a side cannot be given a negative amount.")

    def new_size(self, width: int, height: int) -> tuple[int, int]:
        return width + self.left + self.right, height + self.top + self.bottom


Anchor = Literal["center", "left", "right", "top", "bottom"]


def margins_for_aspect(width: int, height: int, aspect_w: int, aspect_h: int, anchor: Anchor = "center") -> Margins:
    """The smallest growth that gives the aspect ``aspect_w:aspect_h`` (never crops).

    ``anchor`` says where the old picture stays: centred, or against one side (the new area
    then all goes to the opposite side, e.g. "left" grows only to the right).
    """
    if aspect_w <= 0 or aspect_h <= 0:
        raise PluginError(f"An aspect ratio needs two positive numbers, got {aspect_w}:{aspect_h}.")
    if width * aspect_h < height * aspect_w:  # narrower than the aspect: grow the width (ceil: never short)
        target_w, target_h = -(-height * aspect_w // aspect_h), height
    else:
        target_w, target_h = width, -(-width * aspect_h // aspect_w)
    extra_w, extra_h = target_w - width, target_h - height
    left = {"left": 0, "right": extra_w}.get(anchor, extra_w // 2)
    top = {"top": 0, "bottom": extra_h}.get(anchor, extra_h // 2)
    return Margins(left, top, extra_w - left, extra_h - top)


def check_size(width: int, height: int, margins: Margins) -> tuple[int, int]:
    """The expanded size, or one sentence when it is beyond :data:`MAX_SIDE`."""
    new_w, new_h = margins.new_size(width, height)
    if max(new_w, new_h) > MAX_SIDE:
        raise PluginError(
            f"Expanding {width}×{height} px to {new_w}×{new_h} px goes beyond the {MAX_SIDE} px limit per side; "
            "expand by less."
        )
    return new_w, new_h


def expand_layer(layer: np.ndarray, margins: Margins, fill: Fill = "clear") -> np.ndarray:
    """One layer (H, W) or (H, W, C) grown by ``margins``; the old pixels are copied exactly."""
    pad = [(margins.top, margins.bottom), (margins.left, margins.right)] + [(0, 0)] * (layer.ndim - 2)
    if fill == "edge" and layer.shape[0] and layer.shape[1]:
        return np.pad(layer, pad, mode="edge")
    value = 255 if fill == "white" else 0
    return np.pad(layer, pad, mode="constant", constant_values=np.array(value).astype(layer.dtype))


@dataclass(frozen=True)
class Expanded:
    layers: dict[str, np.ndarray]  # every layer given, grown
    mask: np.ndarray  # bool (new H, new W): True exactly on the new area


def new_area(width: int, height: int, margins: Margins) -> np.ndarray:
    """True on the added pixels, False where the old canvas sits."""
    new_w, new_h = margins.new_size(width, height)
    mask = np.ones((new_h, new_w), bool)
    mask[margins.top : margins.top + height, margins.left : margins.left + width] = False
    return mask


def expand_canvas(layers: Mapping[str, np.ndarray], margins: Margins, fills: Mapping[str, Fill]) -> Expanded:
    """Grow every layer by ``margins`` (``fills`` says how each one's new area starts; default clear).

    All layers must share one size; the limit is checked before anything is allocated.
    """
    sizes = {layer.shape[:2] for layer in layers.values()}
    if len(sizes) != 1:
        raise PluginError(f"The layers differ in size ({sorted(sizes)}); they must match to be expanded together.")
    ((height, width),) = sizes
    check_size(width, height, margins)
    grown = {name: expand_layer(layer, margins, fills.get(name, "clear")) for name, layer in layers.items()}
    return Expanded(grown, new_area(width, height, margins))


def parse_margins(text: str) -> Margins:
    """``"L,T,R,B"`` pixels (the command line's ``--expand``), or one sentence saying what is expected."""
    try:
        left, top, right, bottom = (int(part) for part in text.split(","))
    except ValueError:
        raise PluginError(
            f"--expand expects four pixel counts LEFT,TOP,RIGHT,BOTTOM such as 0,0,256,0, got {text!r}."
        ) from None
    return Margins(left, top, right, bottom)


def expand_inputs(inputs: PluginInputs, margins: Margins) -> PluginInputs:
    """Outpainting's inputs: every layer grown (the photo by its border), the mask the new area plus any given.

    A given soft mask keeps its coverage (the new area is fully covered) and regions grow
    uncovered, as the window's Expand canvas does.
    """
    layers = {name: layer for name in ("image", "sketch") if (layer := getattr(inputs, name)) is not None}
    alpha = inputs.mask_alpha if inputs.mask_alpha is not None else inputs.mask
    layers["alpha"] = np.zeros((inputs.height, inputs.width), np.float32) if alpha is None else alpha.astype(np.float32)
    grown = expand_canvas(layers, margins, {"image": "edge"})
    mask_alpha = np.maximum(grown.layers["alpha"], grown.mask.astype(np.float32))
    regions = tuple(replace(r, mask=expand_layer(r.mask, margins)) for r in inputs.regions or ()) or None
    height, width = mask_alpha.shape
    return PluginInputs(
        width,
        height,
        grown.layers.get("image"),
        grown.layers.get("sketch"),
        mask_alpha > 0,
        regions=regions,
        mask_alpha=mask_alpha,
    )


def blur_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``image`` with its masked pixels replaced by a blurred extension of the unmasked ones.

    A push-pull pyramid: the known pixels (premultiplied by their weight) are halved down
    to one pixel, then each level fills its gaps from the coarser one on the way back up,
    so a hole takes the colours of its border, smoothly and ever blurrier towards its
    middle (75 ms for 1024² on one CPU core, benchmarks/outpaint.py). Unmasked pixels are exact;
    with no known pixel at all, the image is returned unchanged.
    """
    known = (~mask.astype(bool)).astype(np.float32)
    if not known.any() or known.all():
        return image.copy()
    pixels = image.reshape(*known.shape, -1).astype(np.float32)
    levels: list[tuple[np.ndarray, np.ndarray]] = [(pixels * known[..., None], known)]
    while max(levels[-1][1].shape) > 1:
        total, weight = levels[-1]
        size = (max(1, (weight.shape[1] + 1) // 2), max(1, (weight.shape[0] + 1) // 2))
        down_total = cv2.resize(total, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], -1)
        levels.append((down_total, cv2.resize(weight, size, interpolation=cv2.INTER_AREA)))
    total, weight = levels[-1]
    filled = total / np.maximum(weight, 1e-6)[..., None]
    for total, weight in reversed(levels[:-1]):
        height, width = weight.shape
        coarse = cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR).reshape(height, width, -1)
        own = total / np.maximum(weight, 1e-6)[..., None]
        alpha = np.clip(weight, 0.0, 1.0)[..., None]
        filled = own * alpha + coarse * (1 - alpha)
    result = np.clip(np.rint(filled), 0, 255).astype(image.dtype).reshape(image.shape)
    keep = known > 0
    result[keep] = image[keep]
    return result
