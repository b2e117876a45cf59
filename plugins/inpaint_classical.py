"""Classical inpainting with OpenCV (Telea's fast marching or Navier-Stokes).

No weights, so it works on any machine the moment the app starts. Each separate region of
the mask is filled in turn, cropped to its neighbourhood: that is both faster than filling
the whole image at once and gives a real frame per region to stream to the canvas.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from gencanvas.core.mask_ops import composite
from gencanvas.plugin_api import InputKind, Plugin, PluginInputs, RunContext, slider
from gencanvas.plugins.mask_support import SoftMaskParams, grow_field, soft_mask_for

METHODS = {"telea": cv2.INPAINT_TELEA, "navier-stokes": cv2.INPAINT_NS}


class ClassicalInpaintParams(SoftMaskParams):
    grow_mask: int = grow_field(2)  # a little more than painted covers soft edges
    method: Literal["telea", "navier-stokes"] = Field("telea", description="Telea is sharper; Navier-Stokes smoother")
    radius: int = slider(5, ge=1, le=50, description="How far around each hole to look, in pixels")


def _region_boxes(mask_u8: np.ndarray, margin: int) -> list[tuple[slice, slice, np.ndarray]]:
    """One (rows, cols, component mask) crop per connected mask region, largest first."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask_u8, connectivity=8)
    height, width = mask_u8.shape
    regions = []
    for label in sorted(range(1, count), key=lambda i: -stats[i, cv2.CC_STAT_AREA]):
        x, y, w, h = stats[label, :4]
        rows = slice(max(0, y - margin), min(height, y + h + margin))
        cols = slice(max(0, x - margin), min(width, x + w + margin))
        regions.append((rows, cols, (labels[rows, cols] == label).astype(np.uint8) * 255))
    return regions


class ClassicalInpaint(Plugin[ClassicalInpaintParams]):
    id = "inpaint-classical"
    title = "Inpaint (classical)"
    description = "Fill the masked area from its surroundings with OpenCV. Fast, no model needed."
    inputs = frozenset({InputKind.IMAGE, InputKind.MASK})
    Params = ClassicalInpaintParams

    def run(self, inputs: PluginInputs, params: ClassicalInpaintParams, ctx: RunContext) -> np.ndarray:
        image = inputs.require(InputKind.IMAGE)
        soft = soft_mask_for(inputs.require(InputKind.MASK), params, inputs.mask_alpha)
        fill, result = image.copy(), image
        regions = _region_boxes(soft.region.astype(np.uint8) * 255, margin=2 * params.radius + 2)
        for step, (rows, cols, region_mask) in enumerate(regions, start=1):
            filled = cv2.inpaint(fill[rows, cols], region_mask, params.radius, METHODS[params.method])
            inside = region_mask > 0
            fill[rows, cols][inside] = filled[inside]
            result = composite(image, fill, soft)
            ctx.emit(result, step, len(regions))
        return result
