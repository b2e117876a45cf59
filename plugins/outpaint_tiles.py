"""Inpainting an area larger than the model: native-size tiles over the mask, filled one after another.

A picture expanded by more than the checkpoint's native resolution (512 px for SD 1.x, 1024
for SDXL) would otherwise be squeezed into one native-size sample and stretched back, soft
and repetitive. Instead the canvas is cut into cores of half the native side, each seen
through a native-size window (``gencanvas.models.tiling.windowed``), so every tile has a
quarter of the native side of context around its core. Only tiles whose core holds masked
pixels run, and they run in order of how much of their window is already known (the
picture, or earlier tiles' fills), so each tile continues what is there rather than
inventing against blur. A tile masks every still-unfilled pixel of its window, keeps its
core and up to an eighth of the native side beyond, and repaints as much of the earlier
fills next to it, cross-faded through :func:`gencanvas.core.mask_ops.composite`; pixels
outside the mask are never written. Each finished tile is streamed to the canvas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2
import numpy as np

from gencanvas.core.mask_ops import SoftMask, composite, grow_mask
from gencanvas.models.tiling import Box, Tile, windowed
from gencanvas.plugin_api import RunContext

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.plugins.sd_run import SDRun

Inpaint = Callable[[np.ndarray, np.ndarray, int], np.ndarray]  # (window, its mask, tile number) → filled window
TileSink = Callable[[np.ndarray, int, int], None]


def needs_tiles(region: np.ndarray, native: int) -> bool:
    """Whether the masked area's bounding box is larger than the model's native side either way."""
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    return rows.size > 0 and max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 > native


def reach_for(native: int) -> int:
    """How far past its core a tile may fill, and how wide it cross-fades into earlier fills."""
    return native // 8


def plan(region: np.ndarray, native: int) -> list[Tile]:
    """The tiles that have masked pixels in their core: cores of half ``native``, windows of ``native``.

    A core whose masked pixels all lie within :func:`reach_for` of a fuller neighbour's core
    (a feathered edge spilling a few pixels over a core's border) gets no tile of its own:
    the neighbour fills them, rather than a whole sample being spent on a sliver.
    """
    height, width = region.shape
    reach = reach_for(native)
    touched = [tile for tile in windowed(height, width, max(8, native // 2), native) if region[tile.core.slices].any()]
    full = [tile for tile in touched if region[_shrunk(tile.core, reach)].any()]
    covered = np.zeros_like(region)
    for tile in full:
        covered[tile.core.grown(reach, height, width).slices] = True
    return [tile for tile in touched if tile in full or (region & ~covered)[tile.core.slices].any()]


def _shrunk(box: Box, margin: int) -> tuple[slice, slice]:
    """The box's pixels farther than ``margin`` from its border (empty when there are none)."""
    return slice(box.top + margin, max(box.top + margin, box.bottom - margin)), slice(
        box.left + margin, max(box.left + margin, box.right - margin)
    )


def _most_known(tiles: list[Tile], pending: np.ndarray) -> int:
    """The tile whose window is most already known (the first of equals: reading order)."""
    return int(np.argmax([1.0 - pending[tile.context.slices].mean() for tile in tiles]))


def _fade(fresh: np.ndarray, band: np.ndarray, blend: int) -> SoftMask:
    """All of the tile's own pixels, and the band of earlier fill fading out over ``blend`` px."""
    if blend <= 0 or not band.any():
        return SoftMask(fresh, fresh.astype(np.float32))
    distance = cv2.distanceTransform((~fresh).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    ramp = np.clip(1.0 - distance / (blend + 1), 0.0, 1.0)
    alpha = np.where(fresh, 1.0, np.where(band, ramp, 0.0)).astype(np.float32)
    return SoftMask(alpha > 0, alpha)


def fill_in_tiles(
    image: np.ndarray,
    region: np.ndarray,
    tiles: list[Tile],
    inpaint: Inpaint,
    *,
    reach: int,
    blend: int,
    on_tile: TileSink,
) -> np.ndarray:
    """``image`` with the ``region`` pixels in and near the tiles' cores filled by ``inpaint``, tile by tile.

    Each tile fills what is still unfilled in its core and up to ``reach`` px beyond it, and
    cross-fades over ``blend`` px into earlier fills; a tile its neighbours left nothing to
    fill is dropped (the streamed total shrinks). ``image`` should already hold a plausible start in the region
    (``expand.blur_fill``). ``on_tile(canvas_so_far, done, total)`` runs after each tile
    (it may raise to cancel).
    """
    height, width = region.shape
    work, pending = image.copy(), region.copy()
    remaining, done = list(tiles), 0
    while remaining:
        tile = remaining.pop(_most_known(remaining, pending))
        window, reached = tile.context.slices, tile.core.grown(reach, height, width).relative_to(tile.context)
        fresh = np.zeros((tile.context.height, tile.context.width), bool)
        fresh[reached.slices] = pending[window][reached.slices]
        band = grow_mask(fresh, blend) & region[window] & ~pending[window] if blend > 0 else np.zeros_like(fresh)
        filled = inpaint(work[window], pending[window] | band, done)
        work[window] = composite(work[window], filled, _fade(fresh, band, blend))
        pending[window] &= ~fresh
        done += 1
        remaining = [later for later in remaining if pending[later.core.grown(reach, height, width).slices].any()]
        on_tile(work.copy(), done, done + len(remaining))  # a copy: the GUI may show it while the next tile runs
    return work


def sd_fill_in_tiles(job: SDRun, start: np.ndarray, region: np.ndarray, strength: float, ctx: RunContext) -> np.ndarray:
    """The SD inpaint job over ``region`` in native-size tiles, each tile with its own seed, streamed whole."""
    from PIL import Image

    from gencanvas.plugins.sd_run import pil, to_canvas

    tiles = plan(region, job.native)
    # Per-step previews of one tile would jump about the canvas: finished tiles are streamed instead.
    quiet = dataclasses.replace(ctx, sink=lambda frame, step, total: None)

    def inpaint(window: np.ndarray, mask: np.ndarray, number: int) -> np.ndarray:
        height, width = window.shape[:2]
        w8, h8 = -(-width // 8) * 8, -(-height // 8) * 8  # the VAE needs multiples of 8
        job.ctx = dataclasses.replace(quiet, seed=ctx.seed + number)  # the same noise in every tile would repeat
        call = {
            "image": pil(window, (w8, h8)),
            "mask_image": pil(mask.astype(np.uint8) * 255, (w8, h8), Image.Resampling.NEAREST),
            "strength": strength,
            "width": w8,
            "height": h8,
        }
        return to_canvas(job.generate(call, w8, h8), width, height)

    try:
        reach = reach_for(job.native)
        filled = fill_in_tiles(start, region, tiles, inpaint, reach=reach, blend=reach, on_tile=ctx.emit)
    finally:
        job.ctx = ctx
    ctx.notify(f"Filled in {len(tiles)} overlapping tiles at the model's {job.native} px, one after another.")
    return filled
