"""Hires fix on the tiny SD models: upscale, then a tiled low-strength img2img pass streamed tile by tile."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginError, PluginInputs
from gencanvas.plugins import sd_settings
from gencanvas.plugins.upscale_hires import HiresFix, HiresParams


def run(image, **params):
    frames = []
    job = Job(HiresFix(), HiresParams(steps=4, **params), PluginInputs(image.shape[1], image.shape[0], image=image))
    result = JobRunner(device="cpu").run(job, lambda f, s, t: frames.append((f.shape, s, t)))
    return result, frames


def test_upscales_then_redraws_in_native_tiles(tiny_sd):
    image = np.random.default_rng(0).integers(0, 256, (48, 40, 3), dtype=np.uint8)
    result, frames = run(image, scale=2.0, strength=0.5, overlap=16)
    assert result.shape == (96, 80, 3)
    # The tiny checkpoint's native side is 64: cores of max(64, 64 - 2·16) px, so 2 × 2 tiles, each streamed whole.
    assert frames == [((96, 80, 3), step, 4) for step in range(1, 5)]
    lanczos = np.asarray(Image.fromarray(image).resize((80, 96), Image.Resampling.LANCZOS))
    assert np.abs(result.astype(int) - lanczos).mean() > 1  # the SD pass changed the picture


def test_without_a_checkpoint_the_message_names_the_setting(monkeypatch, tmp_path):
    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)
    assert "Models dir" in HiresFix.unavailable()
    with pytest.raises(PluginError, match="Models dir"):
        run(np.zeros((16, 16, 3), np.uint8))
