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


def _place(start: int, length: int, side: int, limit: int) -> tuple[int, int]:
    """A ``side``-long span centred on ``start..start+length``, moved back inside ``0..limit``."""
    size = min(side, limit)
    begin = min(max(0, start + (length - size) // 2), limit - size)
    return begin, begin + size


def windowed(height: int, width: int, tile: int, side: int) -> list[Tile]:
    """Tiles whose cores (at most ``tile`` a side) cover the image once, each seen through a ``side`` square.

    For a model that works best at one size (a diffusion model at its native resolution):
    the window is centred on its core and moved back inside the image at the edges, so a
    tile there gets more context on its inner side rather than a smaller window; a window
    is smaller than ``side`` only where the image itself is. Along a side no longer than
    ``side`` there is one core: its window holds it all.
    """
    if tile > side:
        raise ValueError(f"a core of {tile} px does not fit a {side} px window")
    along = lambda length: _cuts(length, 1 if length <= side else math.ceil(length / tile))  # noqa: E731
    tiles = []
    for (top, bottom), (left, right) in itertools.product(
        itertools.pairwise(along(height)), itertools.pairwise(along(width))
    ):
        window_top, window_bottom = _place(top, bottom - top, side, height)
        window_left, window_right = _place(left, right - left, side, width)
        tiles.append(Tile(Box(top, left, bottom, right), Box(window_top, window_left, window_bottom, window_right)))
    return tiles


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


def _ramp(length: int, fade_start: bool, fade_end: bool, band: int) -> np.ndarray:
    """Weights along one axis: rising over ``band`` pixels at a faded start, falling at a faded end."""
    ramp = np.ones(length, np.float32)
    steps = (np.arange(length, dtype=np.float32) + 0.5) / band
    if fade_start:
        ramp = np.minimum(ramp, steps)
    if fade_end:
        ramp = np.minimum(ramp, steps[::-1])
    return ramp


class _Stitch:
    """The result being assembled: each tile's core pasted, or cross-faded over ``blend`` pixels.

    Cross-fading suits models whose tiles differ by more than their context explains (a
    diffusion pass draws new detail per tile): each tile then covers its core plus ``blend``
    pixels of its context, weighted linearly down towards its edge, and the result is the
    weighted mean. Where only one tile covers a pixel the mean is that tile's value exactly.
    """

    def __init__(self, height: int, width: int, scale: int, blend: int) -> None:
        self.size, self.scale, self.blend = (height, width), scale, blend
        self.pasted: np.ndarray | None = None
        self.total: np.ndarray | None = None
        self.weight: np.ndarray | None = None

    def add(self, tile: Tile, output: np.ndarray) -> None:
        height, width = self.size
        out_shape = (height * self.scale, width * self.scale)
        if self.blend == 0:
            if self.pasted is None:
                self.pasted = np.zeros((*out_shape, output.shape[2]), output.dtype)
            keep = tile.core.relative_to(tile.context).scaled(self.scale)
            self.pasted[tile.core.scaled(self.scale).slices] = output[keep.slices]
            return
        if self.total is None or self.weight is None:
            self.total = np.zeros((*out_shape, output.shape[2]), np.float32)
            self.weight = np.zeros((*out_shape, 1), np.float32)
        kept = tile.core.grown(self.blend, height, width)
        band = 2 * self.blend * self.scale
        rows = _ramp(kept.height * self.scale, kept.top > 0, kept.bottom < height, band)
        cols = _ramp(kept.width * self.scale, kept.left > 0, kept.right < width, band)
        weights = (rows[:, None] * cols[None, :])[..., None]
        local = kept.relative_to(tile.context).scaled(self.scale)
        target = kept.scaled(self.scale).slices
        self.total[target] += output[local.slices].astype(np.float32) * weights
        self.weight[target] += weights

    def image(self) -> np.ndarray:
        if self.pasted is not None:
            return self.pasted
        assert self.total is not None and self.weight is not None  # an image has at least one tile
        mean = self.total / np.maximum(self.weight, np.float32(1e-12))
        return np.clip(np.rint(mean), 0, 255).astype(np.uint8)


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
    blend: int = 0,
) -> np.ndarray:
    """``process`` over the image tile by tile; returns the stitched result, ``scale`` times larger.

    ``process`` maps an (h, w, C) uint8 crop to an (h·scale, w·scale, C') uint8 one.
    ``on_tile(result_so_far, done, total)`` runs after every finished tile (streaming; it may
    raise to cancel). When ``process`` fails with an error ``retry_smaller`` accepts (out of
    memory), the tile is split, every later tile is held to the smaller size, and
    ``on_shrink(new_side)`` is told; finished tiles are kept. Below ``smallest`` it gives up.
    ``blend`` (at most ``overlap``) cross-fades neighbouring tiles over that many pixels each
    side of their border instead of pasting cores (see ``_Stitch``); outputs are uint8 then.
    """
    height, width = image.shape[:2]
    stitch = _Stitch(height, width, scale, min(blend, overlap))
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
        stitch.add(current, output)
        done += 1
        if on_tile is not None:
            on_tile(stitch.image(), done, total)
    return stitch.image()
