"""Processing an image in overlapping tiles: the grid, the memory budget, and the run that stitches tiles.

Pure numpy, no torch: an upscaler and a tiled diffusion pass both hand in a ``process``
callable for one tile. Each tile owns a *core* (the pixels it writes to the result, the
cores partition the image) and the model sees the core grown by ``overlap`` pixels of
context on every side (clipped at the image's edge). Only the core of each output is kept,
so wherever a model's receptive field is within ``overlap`` the tiled result equals the
untiled one, and there is no blending band that could show a seam.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """A rectangle of pixels, ``top``/``left`` inclusive and ``bottom``/``right`` exclusive."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.top, self.bottom), slice(self.left, self.right)

    def grown(self, margin: int, height: int, width: int) -> Box:
        """This box with ``margin`` pixels more on every side, kept inside a ``height`` × ``width`` image."""
        top, left = max(0, self.top - margin), max(0, self.left - margin)
        return Box(top, left, min(height, self.bottom + margin), min(width, self.right + margin))

    def scaled(self, scale: int) -> Box:
        return Box(self.top * scale, self.left * scale, self.bottom * scale, self.right * scale)

    def relative_to(self, outer: Box) -> Box:
        return Box(self.top - outer.top, self.left - outer.left, self.bottom - outer.top, self.right - outer.left)


@dataclass(frozen=True)
class Tile:
    core: Box  # the pixels this tile writes to the result (input coordinates)
    context: Box  # what the model sees: the core and up to ``overlap`` pixels around it


def _cuts(length: int, parts: int) -> list[int]:
    """``parts + 1`` boundaries splitting ``length`` into near-equal parts (balanced tiles)."""
    return [round(i * length / parts) for i in range(parts + 1)]


def grid(height: int, width: int, tile: int, overlap: int) -> list[Tile]:
    """Tiles whose cores, at most ``tile`` pixels a side and of near-equal size, cover the image once."""
    rows, cols = _cuts(height, math.ceil(height / tile)), _cuts(width, math.ceil(width / tile))
    return [
        Tile(core, core.grown(overlap, height, width))
        for top, bottom in itertools.pairwise(rows)
        for left, right in itertools.pairwise(cols)
        for core in [Box(top, left, bottom, right)]
    ]


def split(tile: Tile, height: int, width: int, overlap: int) -> list[Tile]:
    """The tile's core in quarters (halves when one side is a single pixel), each with its own context."""
    core = tile.core
    side = max(1, math.ceil(max(core.height, core.width) / 2))
    parts = grid(core.height, core.width, side, 0)
    boxes = [
        Box(core.top + p.core.top, core.left + p.core.left, core.top + p.core.bottom, core.left + p.core.right)
        for p in parts
    ]
    return [Tile(box, box.grown(overlap, height, width)) for box in boxes]


def tile_side_for_budget(budget_bytes: int, bytes_per_pixel: int, overlap: int, largest: int) -> int:
    """The largest core side (≤ ``largest``) whose tile with its context fits ``budget_bytes``; 0 when none."""
    if budget_bytes <= 0 or bytes_per_pixel <= 0:
        return 0 if budget_bytes <= 0 else largest
    side = math.isqrt(budget_bytes // bytes_per_pixel) - 2 * overlap
    return max(0, min(largest, side))


TileSink = Callable[[np.ndarray, int, int], None]


def run_tiled(
    image: np.ndarray,
    process: Callable[[np.ndarray], np.ndarray],
    *,
    scale: int,
    tile: int,
    overlap: int,
    on_tile: TileSink | None = None,
    retry_smaller: Callable[[BaseException], bool] = lambda exc: False,
    on_shrink: Callable[[int], None] | None = None,
    smallest: int = 16,
) -> np.ndarray:
    """``process`` over the image tile by tile; returns the stitched result, ``scale`` times larger.

    ``process`` maps an (h, w, C) uint8 crop to an (h·scale, w·scale, C') uint8 one.
    ``on_tile(result_so_far, done, total)`` runs after every finished tile (streaming; it may
    raise to cancel). When ``process`` fails with an error ``retry_smaller`` accepts (out of
    memory), the tile is split, every later tile is held to the smaller size, and
    ``on_shrink(new_side)`` is told; finished tiles are kept. Below ``smallest`` it gives up.
    """
    height, width = image.shape[:2]
    result: np.ndarray | None = None
    pending = deque(grid(height, width, tile, overlap))
    limit, done, total = tile, 0, len(pending)
    while pending:
        current = pending.popleft()
        if max(current.core.height, current.core.width) > limit:
            parts = split(current, height, width, overlap)
            pending.extendleft(reversed(parts))
            total += len(parts) - 1
            continue
        try:
            output = process(image[current.context.slices])
        except Exception as exc:
            side = max(current.core.height, current.core.width)
            if side <= smallest or not retry_smaller(exc):
                raise
            limit = max(smallest, side // 2)
            pending.appendleft(current)
            if on_shrink is not None:
                on_shrink(limit)
            continue
        if result is None:
            result = np.zeros((height * scale, width * scale, output.shape[2]), output.dtype)
        keep = current.core.relative_to(current.context).scaled(scale)
        result[current.core.scaled(scale).slices] = output[keep.slices]
        done += 1
        if on_tile is not None:
            on_tile(result, done, total)
    assert result is not None  # an image has at least one tile
    return result
