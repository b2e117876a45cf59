"""Overlapping tiles cover the image once, stitch back exactly, and shrink after running out of memory."""

from __future__ import annotations

import numpy as np
import pytest

from gencanvas.models.tiling import grid, run_tiled, split, tile_side_for_budget


def coverage(height, width, tiles):
    count = np.zeros((height, width), int)
    for tile in tiles:
        count[tile.core.slices] += 1
    return count


@pytest.mark.parametrize(("height", "width", "side"), [(100, 70, 32), (64, 64, 64), (5, 300, 16), (1, 1, 8)])
def test_cores_cover_every_pixel_once_with_context_around(height, width, side):
    tiles = grid(height, width, side, overlap=6)
    assert (coverage(height, width, tiles) == 1).all()
    for tile in tiles:
        assert tile.core.height <= side and tile.core.width <= side
        c, k = tile.core, tile.context
        assert k.top == max(0, c.top - 6) and k.bottom == min(height, c.bottom + 6)
        assert k.left == max(0, c.left - 6) and k.right == min(width, c.right + 6)


def test_split_quarters_the_core():
    (tile,) = grid(40, 30, 64, overlap=4)
    parts = split(tile, 40, 30, overlap=4)
    assert len(parts) == 4 and (coverage(40, 30, parts) == 1).all()
    assert max(max(p.core.height, p.core.width) for p in parts) == 20


def blockwise(crop: np.ndarray) -> np.ndarray:
    """A 3× 'upscaler' whose output depends on a 5-pixel neighbourhood (a box blur, then repeat)."""
    padded = np.pad(crop.astype(float), ((2, 2), (2, 2), (0, 0)), mode="edge")
    h, w = crop.shape[:2]
    blurred = sum(padded[dy : dy + h, dx : dx + w] for dy in range(5) for dx in range(5)) / 25
    return np.repeat(np.repeat(blurred.round().astype(np.uint8), 3, 0), 3, 1)


def test_tiled_equals_untiled_when_overlap_covers_the_receptive_field():
    image = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    frames = []
    tiled = run_tiled(image, blockwise, scale=3, tile=16, overlap=2, on_tile=lambda f, s, t: frames.append((s, t)))
    np.testing.assert_array_equal(tiled, blockwise(image))
    assert frames == [(i, 20) for i in range(1, 21)]
    # Without the overlap the tile borders differ: the comparison above can see seams.
    assert not np.array_equal(run_tiled(image, blockwise, scale=3, tile=16, overlap=0), blockwise(image))


def test_out_of_memory_splits_tiles_and_keeps_going():
    image = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    shrinks, frames = [], []

    def small_only(crop):
        if max(crop.shape[:2]) > 24:
            raise MemoryError("out of memory")
        return blockwise(crop)

    tiled = run_tiled(
        image,
        small_only,
        scale=3,
        tile=32,
        overlap=2,
        on_tile=lambda f, s, t: frames.append((s, t)),
        retry_smaller=lambda exc: isinstance(exc, MemoryError),
        on_shrink=shrinks.append,
    )
    np.testing.assert_array_equal(tiled, blockwise(image))
    assert shrinks == [16]  # once: later tiles start at the smaller size
    steps = [s for s, _ in frames]
    assert steps == list(range(1, 17)) and all(s <= t for s, t in frames)


def test_errors_other_than_memory_are_not_retried():
    def broken(crop):
        raise ValueError("bad weights")

    with pytest.raises(ValueError, match="bad weights"):
        run_tiled(np.zeros((64, 64, 3), np.uint8), broken, scale=2, tile=32, overlap=0, retry_smaller=lambda e: False)


def test_tile_side_for_budget():
    assert tile_side_for_budget(100 * 100 * 10, 10, overlap=10, largest=512) == 80
    assert tile_side_for_budget(10**12, 10, overlap=10, largest=512) == 512
    assert tile_side_for_budget(100, 10, overlap=10, largest=512) == 0
    assert tile_side_for_budget(-5, 10, overlap=0, largest=512) == 0


def test_cross_fading_keeps_exact_results_where_tiles_agree():
    image = np.random.default_rng(2).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    tiled = run_tiled(image, blockwise, scale=3, tile=16, overlap=6, blend=4)
    np.testing.assert_array_equal(tiled, blockwise(image))


def test_cross_fading_spreads_the_seam_between_tiles_that_disagree():
    """Tiles that each draw something else (as a diffusion pass does): the jump at a border is spread out."""
    image = np.zeros((32, 64, 3), np.uint8)
    calls = iter(range(100))

    def each_its_own(crop):
        return np.full((*crop.shape[:2], 3), 40 * next(calls), np.uint8)  # tile i is flat grey 40·i

    def worst_jump(result):
        return np.abs(np.diff(result.astype(int), axis=1)).max()

    hard = run_tiled(image, each_its_own, scale=1, tile=32, overlap=8)
    calls = iter(range(100))
    soft = run_tiled(image, each_its_own, scale=1, tile=32, overlap=8, blend=8)
    assert worst_jump(hard) == 40
    assert worst_jump(soft) <= 40 / 16 + 1  # one sixteenth of the step per pixel across the 16 px band
    assert (soft[:, :24] == 0).all() and (soft[:, 40:] == 40).all()  # outside the band: each tile's own pixels


def test_windowed_cores_cover_once_and_windows_are_full_size_inside_the_image():
    from gencanvas.models.tiling import windowed

    tiles = windowed(150, 100, 32, 64)
    cover = np.zeros((150, 100), int)
    for tile in tiles:
        cover[tile.core.slices] += 1
        window, core = tile.context, tile.core
        assert (window.height, window.width) == (64, 64)  # moved inside at the edges, never shrunk
        assert window.top <= core.top and core.bottom <= window.bottom
        assert window.left <= core.left and core.right <= window.right
        assert min(window.top, window.left) >= 0 and window.bottom <= 150 and window.right <= 100
    assert (cover == 1).all()
    short = windowed(48, 200, 32, 64)  # no taller than the window: one row of cores, the full height
    assert {(t.core.top, t.core.bottom) for t in short} == {(0, 48)}
    assert {(t.context.height, t.context.width) for t in short} == {(48, 64)}
