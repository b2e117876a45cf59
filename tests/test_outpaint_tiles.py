"""Tiled SD outpainting: native-size tiles over a large new area, filled in order, old pixels exact."""

from __future__ import annotations

import numpy as np
import pytest

from gencanvas.core.expand import Margins, blur_fill, expand_canvas
from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.mask_ops import grow_mask, soft_mask
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.plugins import outpaint_tiles, sd_models_scan
from gencanvas.plugins.sd_inpaint import SDInpaint

NATIVE = 64  # the tiny SD models' native side


def picture(height=48, width=64):
    """Smooth content with structure, so a fill that ignores it is visible."""
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows * 4, cols * 3, (rows + cols) * 2], axis=-1).clip(0, 255).astype(np.uint8)


def expanded(margins: Margins):
    grown = expand_canvas({"image": picture()}, margins, {"image": "edge"})
    return grown.layers["image"], grown.mask


@pytest.fixture
def tiny_sd_listed(tiny_sd):
    """The tiny models folder, listed in the model drop-downs (so a test can name a checkpoint)."""
    sd_models_scan.refresh()
    yield tiny_sd
    sd_models_scan.refresh()  # later tests list their own folders


def run_inpaint(image, mask, **params):
    frames = []
    values = {"steps": 2, "preview": "off"} | params
    inputs = PluginInputs(image.shape[1], image.shape[0], image=image, mask=mask)
    job = Job(SDInpaint(), SDInpaint.params_for(values)(**values), inputs, seed=3)
    result = JobRunner(device="cpu").run(job, lambda f, s, t: frames.append((f.copy(), s, t)))
    return result, frames, job.notices


@pytest.mark.parametrize("model", ["a-tiny-sd15", "tiny-sd15-inpainting"])
def test_a_large_expansion_is_filled_in_streamed_tiles_and_keeps_old_pixels(tiny_sd_listed, model, monkeypatch):
    image, mask = expanded(Margins(left=40, top=24, right=56, bottom=8))  # 160×80: beyond the native 64
    calls = []
    real = outpaint_tiles.fill_in_tiles

    def counting(*args, **kwargs):
        inpaint = args[3]
        args = (*args[:3], lambda window, m, n: calls.append((window.shape, int(m.sum()))) or inpaint(window, m, n))
        return real(*args, **kwargs)

    monkeypatch.setattr(outpaint_tiles, "fill_in_tiles", counting)
    result, frames, notices = run_inpaint(image, mask, model=model, feather=4, preview="auto")
    tiles = outpaint_tiles.plan(soft_mask(mask, feather=4).region, NATIVE)
    assert len(tiles) == len(calls) > 1
    assert all(shape == (NATIVE, NATIVE, 3) for shape, _ in calls)  # every tile at the model's native size
    assert [(s, t) for _, s, t in frames] == [(i, len(tiles)) for i in range(1, len(tiles) + 1)]
    assert any(f"Filled in {len(tiles)} overlapping tiles" in n for n in notices)
    old = ~mask
    outside_feather = np.zeros_like(mask)
    outside_feather[24 + 3 : 24 + 48 - 3, 40 + 3 : 40 + 64 - 3] = True
    np.testing.assert_array_equal(result[outside_feather], image[outside_feather])
    assert old[outside_feather].all()
    # The whole new area was painted: no masked pixel is left as the edge-extended start or the blur fill.
    start = blur_fill(image, mask) if model == "a-tiny-sd15" else image
    untouched = (result == start).all(axis=-1) & (result == image).all(axis=-1) & mask
    assert not untouched.any()
    for frame, _, _ in frames:  # each streamed tile leaves the old picture alone too
        np.testing.assert_array_equal(frame[outside_feather], image[outside_feather])


def test_small_holes_take_the_single_pass(tiny_sd_listed, monkeypatch):
    image, mask = expanded(Margins(right=16))  # 80×48, the new area 16×48: within the native 64
    assert not outpaint_tiles.needs_tiles(mask, NATIVE)
    monkeypatch.setattr(outpaint_tiles, "sd_fill_in_tiles", lambda *a: pytest.fail("tiled path taken"))
    result, _, _ = run_inpaint(image, mask, model="a-tiny-sd15")
    np.testing.assert_array_equal(result[~mask], image[~mask])


def test_tiles_run_most_known_first_and_later_tiles_see_earlier_fills():
    """A fake inpainter: records what it sees; fills with the tile number so order shows."""
    image, mask = expanded(Margins(left=64, right=64))  # 192×48: the picture in the middle third
    seen = []

    def inpaint(window, window_mask, number):
        seen.append((number, window.copy(), window_mask.copy()))
        return np.full_like(window, 10 * (number + 1))

    tiles = outpaint_tiles.plan(mask, NATIVE)
    result = outpaint_tiles.fill_in_tiles(image, mask, tiles, inpaint, reach=8, blend=4, on_tile=lambda *a: None)
    assert not ((result == image).all(axis=-1) & mask).any()
    np.testing.assert_array_equal(result[~mask], image[~mask])
    assert len(seen) == len(tiles) == 4  # cores of 32 px: two columns on each side of the picture
    unknown = [m.mean() for _, _, m in seen]
    assert unknown[0] == 0.75 and max(unknown) <= 0.75  # never a tile with less than a quarter known
    # The outer tiles see no picture: what they continue is the inner tiles' fill, as known context.
    fills = [np.isin(window[..., 0], [10 * (k + 1) for k in range(n)]) & ~m for n, window, m in seen]
    assert fills[0].sum() == 0 and sum(f.sum() >= 24 * 48 for f in fills) == 2


def test_blur_fill_extends_the_border_smoothly_and_keeps_known_pixels():
    image = np.zeros((32, 32, 3), np.uint8)
    image[:, :16] = (200, 40, 10)
    mask = np.zeros((32, 32), bool)
    mask[:, 16:] = True
    filled = blur_fill(image, mask)
    np.testing.assert_array_equal(filled[:, :16], image[:, :16])
    assert (np.abs(filled[:, 16:].astype(int) - (200, 40, 10)) <= 1).all()  # one colour around: that colour


@pytest.mark.parametrize(
    ("model", "steps", "strength", "sent"),
    [("a-tiny-sd15", 4, 1.0, 0.875), ("a-tiny-sd15", 1, 1.0, 1.0), ("tiny-sd15-inpainting", 4, 1.0, 1.0)],
)
def test_an_ordinary_checkpoint_starts_from_the_blurred_surroundings(
    tiny_sd_listed, monkeypatch, model, steps, strength, sent
):
    from gencanvas.plugins.sd_run import SDRun, pil

    image, mask = expanded(Margins(right=16))
    calls = []
    monkeypatch.setattr(SDRun, "generate", lambda job, call, w, h: calls.append(call) or np.zeros((h, w, 3), np.uint8))
    run_inpaint(image, mask, model=model, steps=steps, strength=strength)
    (call,) = calls
    assert call["strength"] == sent
    start = blur_fill(image, mask) if model == "a-tiny-sd15" else image  # an inpainting model: the canvas as it is
    np.testing.assert_array_equal(np.asarray(call["image"]), np.asarray(pil(start, call["image"].size)))


def test_a_feathered_edge_spilling_over_a_core_gets_no_tile_of_its_own():
    _, mask = expanded(Margins(left=64, right=64))  # the picture's edges fall on core borders (cores of 32)
    spilled = grow_mask(mask, 3)  # a feather reaching 3 px into the picture's outer cores
    tiles = outpaint_tiles.plan(spilled, NATIVE)
    assert len(tiles) == len(outpaint_tiles.plan(mask, NATIVE)) == 4
    image = picture(48, 192)
    calls = []
    result = outpaint_tiles.fill_in_tiles(
        image,
        spilled,
        tiles,
        lambda w, m, n: calls.append(n) or np.full_like(w, 7),
        reach=8,
        blend=0,
        on_tile=lambda *a: None,
    )
    assert len(calls) == 4 and (result[spilled] == 7).all()  # the neighbours filled the slivers
    np.testing.assert_array_equal(result[~spilled], image[~spilled])
