"""Soft masks: grow/shrink and feather, shared by every inpainting plugin; exact pixels outside the feather."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.mask_ops import composite, grow_mask, soft_mask
from gencanvas.core.plugin_api import InputKind, PluginError, PluginInputs
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


def soft_brush_coverage(height=64, width=64):
    """A soft-brush stroke's coverage (as the canvas paints it): 1 on the centre line, easing to 0."""
    from gencanvas.core.brush import segment_coverage

    return segment_coverage(0, 0, width, height, (16.0, 32.0), (48.0, 32.0), 12, 0.3)


def test_painted_coverage_blends_softly_and_a_hard_one_changes_nothing():
    coverage = soft_brush_coverage()
    mask = coverage > 0
    soft = soft_mask(mask, alpha=coverage)
    np.testing.assert_array_equal(soft.alpha, coverage)  # no grow, no feather: the painted coverage itself
    np.testing.assert_array_equal(soft.region, mask)
    hard = square_mask()
    for grow, feather in ((0, 0), (3, 0), (-2, 5), (2, 8)):
        with_alpha = soft_mask(hard, grow, feather, alpha=hard.astype(np.float32))
        without = soft_mask(hard, grow, feather)
        np.testing.assert_array_equal(with_alpha.alpha, without.alpha)
        np.testing.assert_array_equal(with_alpha.region, without.region)


@pytest.mark.parametrize(("grow", "feather"), [(0, 0), (4, 0), (-3, 0), (0, 6), (3, 10), (-2, 4)])
def test_soft_brush_edge_composites_exactly_outside_grow_and_feather(grow, feather):
    rng = np.random.default_rng(5)
    original = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    coverage = soft_brush_coverage()
    soft = soft_mask(coverage > 0, grow, feather, alpha=coverage)
    assert soft.alpha.dtype == np.float32 and ((soft.alpha >= 0) & (soft.alpha <= 1)).all()
    np.testing.assert_array_equal(soft.region, soft.alpha > 0)
    result = composite(original, np.full_like(original, 255), soft)
    reach = distance_outside(grow_mask(coverage > 0, max(grow, 0))) >= feather / 2 + 1
    assert (soft.alpha[reach] == 0).all()
    np.testing.assert_array_equal(result[reach], original[reach])  # bit-exact outside grow + feather
    partial = (soft.alpha > 0.05) & (soft.alpha < 0.95)
    assert partial.sum() > 50, "the soft edge blends over a band, not a hard cut"
    across = soft.alpha[:, 32]  # across the stroke: rises to the centre line, then falls
    assert (np.diff(across[:33]) >= 0).all() and (np.diff(across[32:]) <= 0).all()


def test_classical_inpaint_blends_a_soft_brush_edge():
    image = np.random.default_rng(6).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    coverage = soft_brush_coverage()
    inputs = PluginInputs(64, 64, image=image, mask=coverage > 0, mask_alpha=coverage)
    params = ClassicalInpaintParams(grow_mask=0, feather=0)
    result = JobRunner(device="cpu").run(Job(ClassicalInpaint(), params, inputs, seed=1), lambda f, s, t: None)
    np.testing.assert_array_equal(result[coverage == 0], image[coverage == 0])
    hard = run(ClassicalInpaint(), params, image, coverage > 0)
    edge = (coverage > 0) & (coverage < 0.5)
    soft_change = np.abs(result[edge].astype(int) - image[edge]).mean()
    hard_change = np.abs(hard[edge].astype(int) - image[edge]).mean()
    assert soft_change < 0.6 * hard_change  # the faint edge of the stroke changes the photo only faintly


def test_prepare_inputs_keeps_mask_alpha_with_its_mask_only():
    coverage = soft_brush_coverage()
    photo = np.zeros((64, 64, 3), np.uint8)
    inputs = PluginInputs(64, 64, image=photo, mask=coverage > 0, mask_alpha=coverage)
    assert ClassicalInpaint.prepare_inputs(inputs).mask_alpha is coverage

    class PhotoOnly(ClassicalInpaint):
        inputs = frozenset({InputKind.IMAGE})

    prepared = PhotoOnly.prepare_inputs(inputs)
    assert prepared.mask is None and prepared.mask_alpha is None
