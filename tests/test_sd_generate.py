"""The SD sampling path: streaming x0 previews, cancel before the decode, schedulers, memory policy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gencanvas.models.sd import memory
from gencanvas.models.sd.generate import SCHEDULERS, decode_latents, make_scheduler, sample_latents
from gencanvas.models.sd.loading import load_checkpoint, load_taesd, task_pipeline
from gencanvas.models.sd.preview import linear_render, make_previewer
from gencanvas.models.sd.scan import scan_models


@pytest.fixture(scope="module")
def loaded(tiny_sd_models):
    models = {m.name: m for m in scan_models(tiny_sd_models.root)}
    configs = tiny_sd_models.configs
    return {
        "sd15": load_checkpoint(models["a-tiny-sd15"], configs, torch.float32),
        "sdxl": load_checkpoint(models["tiny-sdxl"], configs, torch.float32),
        "taesd": load_taesd(models["taesd"], configs, torch.float32),
    }


CALL = {"prompt": "a red house", "num_inference_steps": 2, "height": 64, "width": 64}


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_two_steps_stream_predicted_clean_latents(loaded, family):
    seen = []
    latents = sample_latents(
        loaded[family],
        CALL | {"generator": torch.Generator().manual_seed(0)},
        scheduler="euler",
        on_step=lambda step, total, x0: seen.append((step, total, x0.clone())),
    )
    assert [(s, t) for s, t, _ in seen] == [(1, 2), (2, 2)]
    assert all(x0.shape == latents.shape for _, _, x0 in seen)
    assert not torch.equal(seen[0][2], seen[1][2])
    image = decode_latents(loaded[family], latents)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8


def test_cancel_from_the_step_callback_stops_before_the_next_step(loaded):
    class Stop(Exception):
        pass

    steps = []

    def on_step(step, total, x0):
        steps.append(step)
        raise Stop

    with pytest.raises(Stop):
        sample_latents(loaded["sd15"], CALL | {"num_inference_steps": 5}, scheduler="dpm++", on_step=on_step)
    assert steps == [1]


@pytest.mark.parametrize("name", SCHEDULERS)
def test_every_scheduler_gives_an_x0_preview(loaded, name):
    frames = []
    previewer = make_previewer("sd15")
    sample_latents(loaded["sd15"], CALL, scheduler=name, on_step=lambda s, t, x0: frames.append(previewer(x0)))
    assert len(frames) == 2 and frames[0].shape == (32, 32, 3) and frames[0].dtype == np.uint8
    assert type(loaded["sd15"].scheduler).__name__ == type(make_scheduler(loaded["sd15"], name)).__name__


def test_taesd_preview_is_full_resolution(loaded):
    frame = make_previewer("sd15", loaded["taesd"])(torch.randn(1, 4, 32, 32))
    assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8


def test_linear_render_maps_latent_channels_to_colour():
    latents = torch.zeros(1, 4, 8, 8)
    latents[0, 3] = -2.0  # SD's fourth channel is strongly anti-blue
    rgb = linear_render(latents, "sd15").numpy()
    assert rgb.shape == (8, 8, 3) and rgb[0, 0, 2] == 255 and rgb[0, 0, 0] < rgb[0, 0, 2]


def test_task_pipelines_share_the_base_weights(loaded):
    img2img = task_pipeline(loaded["sd15"], "img2img", "sd15")
    assert img2img.unet is loaded["sd15"].unet and type(img2img).__name__ == "StableDiffusionImg2ImgPipeline"
    with pytest.raises(ValueError):
        task_pipeline(loaded["sd15"], "upscale", "sd15")


GIB = memory.GIB


@pytest.mark.parametrize(
    ("free_gib", "family", "side", "level"),
    [
        (None, "sdxl", 1024, 0),  # CPU: no GPU limit applies
        (40, "sdxl", 1024, 0),
        (10, "sdxl", 1024, 1),
        (7.5, "sdxl", 1024, 2),
        (1.5, "sdxl", 1024, 3),
        (8, "sd15", 512, 0),
        (3.5, "sd15", 512, 1),
        (2.5, "sd15", 512, 2),
        (0.5, "sd15", 512, 3),
    ],
)
def test_memory_plan_follows_free_vram(free_gib, family, side, level):
    free = None if free_gib is None else int(free_gib * GIB)
    assert memory.choose_plan(free, family, side, side).level == level


def test_memory_plan_grows_with_size_and_controlnet():
    free = int(9 * GIB)
    assert memory.choose_plan(free, "sdxl", 1024, 1024).level <= memory.choose_plan(free, "sdxl", 1536, 1536).level
    free = int(3 * GIB)  # enough for SD 1.5 at 512² with slicing, not with a ControlNet's weights too
    assert (
        memory.choose_plan(free, "sd15", 512, 512, controlnet=True).level
        > memory.choose_plan(free, "sd15", 512, 512).level
    )


def test_lower_memory_levels_end():
    plan, seen = memory.LEVELS[0], []
    while plan is not None:
        seen.append(plan.level)
        plan = memory.lower(plan)
    assert seen == [0, 1, 2, 3] and "offload" in memory.LEVELS[2].describe()


def test_apply_plan_on_cpu_enables_slicing_and_tiling(loaded):
    pipe = task_pipeline(loaded["sd15"], "txt2img", "sd15")
    memory.apply_plan(pipe, memory.LEVELS[2], torch.device("cpu"))  # offload needs CUDA: ignored here
    assert pipe.vae.use_tiling and pipe._gencanvas_plan.level == 2
    memory.apply_plan(pipe, memory.LEVELS[0], torch.device("cpu"))
    assert not pipe.vae.use_tiling


@pytest.mark.parametrize(
    "device",
    [
        "cpu",
        pytest.param(
            "cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA")]
        ),
    ],
)
def test_lagged_frames_arrive_in_order_and_complete(device):
    """On CUDA each frame leaves one step late (no sync in the loop); flush delivers the last."""
    from gencanvas.models.sd.preview import LaggedFrames, make_renderer

    got = []
    frames = LaggedFrames(make_renderer("sd15"), lambda frame, step, total: got.append((step, frame.shape)))
    for step in (1, 2, 3):
        frames.push(torch.randn(1, 4, 8, 8, device=device), step, 3)
    assert len(got) == (3 if device == "cpu" else 2)
    frames.flush()
    assert got == [(1, (8, 8, 3)), (2, (8, 8, 3)), (3, (8, 8, 3))]


def test_plain_dpm_keeps_its_sigmas_and_the_karras_variant_is_separate(loaded):
    """Images made with "dpm++" before the Karras variant existed must restore exactly."""
    from gencanvas.models.sd.generate import make_scheduler

    pipe = loaded["sd15"]
    assert not make_scheduler(pipe, "dpm++").config.use_karras_sigmas
    assert make_scheduler(pipe, "dpm++-karras").config.use_karras_sigmas
