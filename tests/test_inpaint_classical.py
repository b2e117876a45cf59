"""Classical inpainting fills holes from their surroundings and leaves everything else exact."""

from __future__ import annotations

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import MissingInputError, PluginInputs
from gencanvas.plugins.inpaint_classical import ClassicalInpaint, ClassicalInpaintParams


def run(image, mask, **params):
    frames = []
    job = Job(
        ClassicalInpaint(),
        ClassicalInpaintParams(**params),
        PluginInputs(image.shape[1], image.shape[0], image=image, mask=mask),
    )
    result = JobRunner(device="cpu").run(job, lambda f, s, t: frames.append((s, t)))
    return result, frames


@pytest.mark.parametrize("method", ["telea", "navier-stokes"])
def test_hole_in_flat_colour_is_filled_with_that_colour(method):
    image = np.full((64, 64, 3), (200, 40, 90), np.uint8)
    image[20:40, 20:40] = 0  # the "damage" under the mask
    mask = np.zeros((64, 64), bool)
    mask[20:40, 20:40] = True
    result, _ = run(image, mask, method=method, grow_mask=0)
    assert np.abs(result[20:40, 20:40].astype(int) - (200, 40, 90)).max() <= 4


def test_unmasked_pixels_stay_exact():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (80, 96, 3), dtype=np.uint8)
    mask = np.zeros((80, 96), bool)
    mask[30:50, 10:30] = True
    result, _ = run(image, mask, grow_mask=3)
    grown = np.zeros_like(mask)
    grown[27:53, 7:33] = True
    np.testing.assert_array_equal(result[~grown], image[~grown])
    assert not np.array_equal(result[mask], image[mask])


def test_one_frame_per_separate_region():
    image = np.full((64, 64, 3), 128, np.uint8)
    mask = np.zeros((64, 64), bool)
    mask[5:10, 5:10] = mask[40:50, 40:50] = mask[5:10, 50:60] = True
    _, frames = run(image, mask)
    assert frames == [(1, 3), (2, 3), (3, 3)]


def test_empty_mask_is_a_clear_message():
    image = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(MissingInputError, match=r"Inpaint \(classical\) needs a mask: paint it"):
        run(image, np.zeros((32, 32), bool))


def test_absurd_parameters_are_rejected():
    with pytest.raises(Exception, match="less than or equal to 50"):
        ClassicalInpaintParams(radius=10_000)
