"""Soft masks: grow/shrink and feather, shared by every inpainting plugin; exact pixels outside the feather."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.mask_ops import composite, grow_mask, soft_mask
from gencanvas.core.plugin_api import PluginError, PluginInputs
from gencanvas.plugins.diffusion_inpaint import DiffusionInpaint, DiffusionInpaintParams
from gencanvas.plugins.inpaint_classical import ClassicalInpaint, ClassicalInpaintParams
from gencanvas.plugins.mask_support import SoftMaskParams
from gencanvas.plugins.sd_inpaint import SDInpaint, SDInpaintParams


def square_mask(height=64, width=64, box=(20, 44, 16, 48)):
    mask = np.zeros((height, width), bool)
    mask[box[0] : box[1], box[2] : box[3]] = True
    return mask


def distance_outside(mask):
    """Each pixel's Euclidean distance to the mask (0 inside)."""
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def test_grow_and_shrink():
    mask = square_mask()
    grown, shrunk = grow_mask(mask, 3), grow_mask(mask, -3)
    assert (grown >= mask).all() and (shrunk <= mask).all()
    assert grown.sum() > mask.sum() > shrunk.sum() > 0
    assert grown[17, 30] and not grown[16, 30] and shrunk[23, 30] and not shrunk[22, 30]
    with pytest.raises(PluginError, match="Shrinking the mask by 20 px leaves nothing to fill"):
        soft_mask(mask, grow=-20)


def test_no_feather_is_the_hard_mask():
    mask = square_mask()
    soft = soft_mask(mask, grow=0, feather=0)
    np.testing.assert_array_equal(soft.region, mask)
    np.testing.assert_array_equal(soft.alpha, mask.astype(np.float32))


@pytest.mark.parametrize("feather", [1, 4, 9, 16])
def test_feather_band_is_monotonic_and_ends_where_promised(feather):
    mask = square_mask()
    soft = soft_mask(mask, feather=feather)
    assert ((soft.alpha >= 0) & (soft.alpha <= 1)).all()
    assert (soft.alpha[distance_outside(mask) >= feather / 2 + 1] == 0).all()
    assert (soft.alpha[grow_mask(mask, -(feather // 2 + 1))] == 1).all()
    row = soft.alpha[32, :32]  # from the left edge of the image into the square's middle
    assert (np.diff(row) >= 0).all() and row[0] == 0 and row[-1] == 1
    assert len({float(a) for a in row if 0 < a < 1}) in (feather, feather + 1)  # a step per pixel of the band


def test_composite_is_exact_outside_the_feather_and_blends_monotonically_across_it():
    rng = np.random.default_rng(0)
    original = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = square_mask()
    soft = soft_mask(mask, grow=2, feather=8)
    result = composite(original, np.full_like(original, 255), soft)
    outside = distance_outside(grow_mask(mask, 2)) >= 5
    np.testing.assert_array_equal(result[outside], original[outside])
    assert (result[grow_mask(mask, -3)] == 255).all()
    flat = composite(np.zeros_like(original), np.full_like(original, 255), soft)[32, :32, 0].astype(int)
    assert (np.diff(flat) >= 0).all() and flat[0] == 0 and flat[-1] == 255
    assert ((flat > 0) & (flat < 255)).sum() >= 8


def test_every_inpainting_plugin_has_the_same_sliders():
    for params in (ClassicalInpaintParams, DiffusionInpaintParams, SDInpaintParams):
        assert issubclass(params, SoftMaskParams)
        assert {"grow_mask", "feather"} <= set(params.model_fields)
        assert params.model_fields["grow_mask"].metadata == SoftMaskParams.model_fields["grow_mask"].metadata
    assert ClassicalInpaintParams().grow_mask == 2 and SDInpaintParams().feather == 0


def run(plugin, params, image, mask):
    job = Job(plugin, params, PluginInputs(image.shape[1], image.shape[0], image=image, mask=mask), seed=1)
    return JobRunner(device="cpu").run(job, lambda f, s, t: None)


def check_feathered(result, image, mask, grow, feather):
    band_end = distance_outside(grow_mask(mask, grow)) >= feather / 2 + 1
    np.testing.assert_array_equal(result[band_end], image[band_end])
    hard_edge = grow_mask(mask, grow + feather // 2) & ~grow_mask(mask, grow)  # inside the band, outside the mask
    assert not np.array_equal(result[hard_edge], image[hard_edge]), "the fill reaches into the feather band"


def test_classical_inpaint_feathers():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = square_mask()
    result = run(ClassicalInpaint(), ClassicalInpaintParams(grow_mask=0, feather=6), image, mask)
    check_feathered(result, image, mask, 0, 6)


def test_diffusion_inpaint_feathers(tiny_diffusion):
    image = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = square_mask()
    params = DiffusionInpaintParams(steps=5, resamples=1, jump_length=2, grow_mask=2, feather=6)
    check_feathered(run(DiffusionInpaint(), params, image, mask), image, mask, 2, 6)


def test_sd_inpaint_feathers(tiny_sd):
    image = np.random.default_rng(4).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = square_mask()
    params = SDInpaintParams(steps=2, prompt="a window", grow_mask=-2, feather=6)
    check_feathered(run(SDInpaint(), params, image, mask), image, mask, -2, 6)
