"""Live painting with SD: photo + sketch img2img, few-step models recognised, identical frames skipped."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.models.sd import generate
from gencanvas.models.sd.few_step import few_step_setup
from gencanvas.plugins import sd_settings
from gencanvas.plugins.sd_live import SDLivePainting, composite


def test_few_step_models_are_recognised_by_name():
    assert few_step_setup(["dreamshaper_8", "lcm-lora-sdv1-5"]).scheduler == "lcm"
    assert few_step_setup(["sdxl_lightning_4step"]).scheduler == "euler-trailing"
    assert few_step_setup(["sd_turbo"]).max_guidance == 1.0
    assert few_step_setup(["v1-5-pruned-emaonly", "detail"]) is None


def test_composite_paints_the_sketch_over_the_photo():
    photo = np.full((4, 4, 3), 100, np.uint8)
    sketch = np.zeros((4, 4, 4), np.uint8)
    sketch[0, 0] = (0, 0, 0, 255)
    out = composite(PluginInputs(4, 4, image=photo, sketch=sketch))
    assert out[0, 0].tolist() == [0, 0, 0] and out[1, 1].tolist() == [100, 100, 100]
    assert composite(PluginInputs(4, 4, sketch=sketch))[1, 1].tolist() == [255, 255, 255]
    assert composite(PluginInputs(4, 4)).min() == 255  # nothing painted yet: white paper


@pytest.fixture
def live(monkeypatch, tiny_sd, tmp_path, no_network):
    (tmp_path / "checkpoints").mkdir()
    shutil.copy(
        tiny_sd.root / "checkpoints" / "tiny-sd15-single.safetensors",
        tmp_path / "checkpoints" / "tiny-lcm-sd15.safetensors",
    )
    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)
    schedulers: list[str] = []
    real = generate.make_scheduler
    monkeypatch.setattr(generate, "make_scheduler", lambda pipe, name: schedulers.append(name) or real(pipe, name))
    runner, plugin = JobRunner(device="cpu"), SDLivePainting()  # the panel keeps one plugin across frames

    def run(sketch, **params):
        params = SDLivePainting.Params(prompt="a cat", **params)
        job = Job(plugin, params, PluginInputs(96, 64, sketch=sketch), seed=1)
        result = runner.run(job, lambda *frame: None)
        assert job.notices == []  # live frames do not repeat the size notice on every stroke
        return result

    run.schedulers = schedulers
    return run


def test_live_frames_use_the_few_step_setup_and_skip_identical_requests(live):
    sketch = np.zeros((64, 96, 4), np.uint8)
    sketch[20:30, 10:50] = (200, 30, 30, 255)
    first = live(sketch)
    assert first.shape == (64, 96, 3) and live.schedulers == ["lcm"]
    assert np.array_equal(live(sketch), first) and live.schedulers == ["lcm"]  # identical: not sampled again
    sketch[40:44] = (0, 0, 0, 255)
    assert not np.array_equal(live(sketch), first) and len(live.schedulers) == 2  # a new stroke re-renders
    live(sketch, auto_few_step=False)
    assert live.schedulers[-1] == "dpm++-karras"  # the panel's default sampler
