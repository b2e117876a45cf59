"""The diffusion plugins on tiny random weights: x0 streaming, cancel, exact unmasked pixels."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import JobCancelled, PluginError, PluginInputs
from gencanvas.plugins.diffusion_inpaint import DiffusionInpaint, DiffusionInpaintParams, context_square
from gencanvas.plugins.diffusion_txt2img import DiffusionTextToImage, TextToImageParams


def run(plugin, params, inputs, sink=None):
    frames = []
    job = Job(plugin, params, inputs, seed=params.seed)
    result = JobRunner(device="cpu").run(job, sink or (lambda f, s, t: frames.append((f.copy(), s, t))))
    return result, frames


def test_txt2img_streams_one_x0_frame_per_step(tiny_diffusion):
    result, frames = run(DiffusionTextToImage(), TextToImageParams(steps=4, prompt="sandal"), PluginInputs(64, 64))
    assert result.shape == (16, 16, 3) and result.dtype == np.uint8
    assert [s for _, s, _ in frames] == [1, 2, 3, 4] and all(t == 4 for _, _, t in frames)
    assert all(f.shape == (16, 16, 3) and f.dtype == np.uint8 for f, _, _ in frames)


def test_txt2img_batch_is_a_grid_and_prompts_matter(tiny_diffusion):
    grid, _ = run(DiffusionTextToImage(), TextToImageParams(steps=2, batch=4), PluginInputs(64, 64))
    assert grid.shape == (32, 32, 3)
    plain, _ = run(DiffusionTextToImage(), TextToImageParams(steps=2, prompt="bag", seed=5), PluginInputs(8, 8))
    steered, _ = run(
        DiffusionTextToImage(),
        TextToImageParams(steps=2, prompt="bag", negative_prompt="dress", seed=5),
        PluginInputs(8, 8),
    )
    again, _ = run(DiffusionTextToImage(), TextToImageParams(steps=2, prompt="bag", seed=5), PluginInputs(8, 8))
    assert not np.array_equal(plain, steered)
    np.testing.assert_array_equal(plain, again)


def test_cancel_is_instant_no_step_after_it(tiny_diffusion):
    job = Job(DiffusionTextToImage(), TextToImageParams(steps=50), PluginInputs(8, 8))
    steps = []

    def sink(frame, step, total):
        steps.append(step)
        job.cancel()

    with pytest.raises(JobCancelled):
        JobRunner(device="cpu").run(job, sink)
    assert steps == [1]


def test_inpaint_keeps_unmasked_pixels_exact_on_a_large_canvas(tiny_diffusion):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    mask = np.zeros((200, 300), bool)
    mask[80:120, 150:210] = True
    params = DiffusionInpaintParams(steps=5, resamples=2, jump_length=2, prompt="bag")
    result, frames = run(DiffusionInpaint(), params, PluginInputs(300, 200, image=image, mask=mask))
    assert result.shape == image.shape
    np.testing.assert_array_equal(result[~mask], image[~mask])
    assert not np.array_equal(result[mask], image[mask])
    assert frames and all(np.array_equal(f[~mask], image[~mask]) for f, _, _ in frames)


def test_inpaint_without_prompt_uses_the_unconditional_model(tiny_diffusion):
    image = np.full((40, 40, 3), 128, np.uint8)
    mask = np.zeros((40, 40), bool)
    mask[10:20, 10:20] = True
    result, _ = run(
        DiffusionInpaint(), DiffusionInpaintParams(steps=5, resamples=1), PluginInputs(40, 40, image=image, mask=mask)
    )
    assert result.shape == (40, 40, 3)


def test_context_square_stays_inside_and_covers_the_mask():
    mask = np.zeros((100, 60), bool)
    mask[90:98, 50:58] = True
    rows, cols = context_square(mask, 2.0, min_side=32)
    assert rows.stop <= 100 and cols.stop <= 60 and rows.stop - rows.start == cols.stop - cols.start == 32
    assert mask[rows, cols].sum() == mask.sum()


def test_missing_weights_say_how_to_train(monkeypatch, tmp_path):
    import gencanvas.plugins.diffusion_support as support

    monkeypatch.setattr(support, "weights_root", lambda: tmp_path)
    with pytest.raises(PluginError, match=re.escape("python -m gencanvas.models.train diffusion")):
        run(DiffusionTextToImage(), TextToImageParams(steps=2), PluginInputs(8, 8))


def test_panel_default_guidance_is_the_one_the_default_model_was_evaluated_at():
    import json

    from gencanvas.plugins.diffusion_support import available_models, weights_root

    assert {"emoji", "fashion"} <= set(available_models())
    config = json.loads((weights_root() / TextToImageParams().model / "config.json").read_text("utf-8"))
    assert TextToImageParams().guidance == config["default_guidance"]
    assert (
        DiffusionTextToImage.linked_values("model", {"model": "fashion"})["guidance"]
        == json.loads((weights_root() / "fashion" / "config.json").read_text("utf-8"))["default_guidance"]
    )
    assert DiffusionTextToImage.linked_values("steps", {"model": "fashion"}) == {}
