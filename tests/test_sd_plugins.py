"""The SD plugins beyond the shared contract: missing models, exact inpainting, OOM retry, shipped configs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginError, PluginInputs
from gencanvas.plugins import sd_settings
from gencanvas.plugins.sd_controlnet import SDControlNet, control_image
from gencanvas.plugins.sd_inpaint import SDInpaint
from gencanvas.plugins.sd_run import working_size
from gencanvas.plugins.sd_txt2img import SDTextToImage


def run(plugin, inputs, **params):
    notices_job = Job(plugin(), plugin.Params(steps=2, **params), inputs, seed=1)
    frames = []
    result = JobRunner(device="cpu").run(notices_job, lambda f, s, t: frames.append((s, t)))
    return result, frames, notices_job.notices


def test_without_models_the_message_names_the_setting(monkeypatch, tmp_path):
    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)
    assert "Models dir" in SDTextToImage.unavailable()
    with pytest.raises(PluginError, match="Models dir"):
        run(SDTextToImage, PluginInputs(64, 64))


def test_the_models_folder_is_scanned_once_for_the_drop_downs_and_never_at_import():
    """Importing the SD support modules reads no disk; the drop-downs' choices cost one scan, not one per list."""
    code = textwrap.dedent(
        """
        import gencanvas.models.sd.importer as importer
        calls, real = [], importer.scan_models
        importer.scan_models = lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs)
        from gencanvas.plugins import sd_memory, sd_models_scan, sd_run, sd_settings
        print("SUPPORT", len(calls))
        from gencanvas.plugins import sd_params
        print("PARAMS", len(calls))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["SUPPORT", "0", "PARAMS", "1"]


def test_controlnet_plugin_needs_a_controlnet(monkeypatch, tiny_sd, tmp_path):
    import shutil

    shutil.copytree(tiny_sd.root / "a-tiny-sd15", tmp_path / "a-tiny-sd15")
    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)
    sketch = np.zeros((64, 64, 4), np.uint8)
    sketch[20:24] = 255
    with pytest.raises(PluginError, match="ControlNet"):
        run(SDControlNet, PluginInputs(64, 64, sketch=sketch))


def test_txt2img_works_at_the_model_size_with_previews(tiny_sd):
    result, frames, notices = run(SDTextToImage, PluginInputs(96, 48))
    width, height = working_size(96, 48, 64)  # the tiny model's native side is 64
    assert result.shape == (height, width, 3)
    assert frames[:2] == [(1, 2), (2, 2)] and frames[-1] == (2, 2) and notices == []


def test_inpaint_changes_only_the_masked_pixels(tiny_sd):
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), bool)
    mask[16:40, 20:44] = True
    result, _, _ = run(SDInpaint, PluginInputs(64, 64, image=photo, mask=mask), prompt="a window")
    np.testing.assert_array_equal(result[~mask], photo[~mask])
    assert not np.array_equal(result[mask], photo[mask])


def test_control_image_is_white_strokes_on_black():
    sketch = np.zeros((4, 4, 4), np.uint8)
    sketch[1, 1] = (10, 200, 30, 255)
    control = control_image(sketch)
    assert control[1, 1].tolist() == [255, 255, 255] and control[0, 0].tolist() == [0, 0, 0]


def test_out_of_memory_retries_once_in_a_lower_mode_and_says_so(tiny_sd, monkeypatch):
    from gencanvas.models.sd import generate

    real, calls = generate.sample_latents, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(*args, **kwargs)

    monkeypatch.setattr(generate, "sample_latents", flaky)
    result, _, notices = run(SDTextToImage, PluginInputs(64, 64))
    assert len(calls) == 2 and result.shape == (64, 64, 3)
    assert len(notices) == 1 and "lower-memory mode" in notices[0]


def test_working_size_keeps_aspect_at_native_area():
    assert working_size(512, 512, 1024) == (1024, 1024)
    width, height = working_size(1920, 1080, 512)
    assert (width % 64, height % 64) == (0, 0) and abs(width / height - 16 / 9) < 0.15
    assert working_size(10, 10, 512) == (512, 512)


# Parameter counts of the published models: the shipped configs must rebuild them exactly.
PARAMS = {
    ("sd15", "unet"): 859_520_964,
    ("sd15", "vae"): 83_653_863,
    ("sd15", "text_encoder"): 123_060_480,
    ("sd2", "unet"): 865_910_724,
    ("sdxl", "unet"): 2_567_463_684,
    ("sdxl", "text_encoder_2"): 694_659_840,
}


@pytest.mark.parametrize(("family", "part"), list(PARAMS))
def test_shipped_configs_have_the_real_architectures(family, part):
    import diffusers
    import transformers
    from accelerate import init_empty_weights

    config = json.loads((sd_settings.configs_root() / family / part / "config.json").read_text())
    with init_empty_weights():
        if "text_encoder" in part:
            cls = getattr(transformers, config.get("architectures", ["CLIPTextModel"])[0])
            model = cls(transformers.CLIPTextConfig(**config))
        else:
            model = getattr(diffusers, config["_class_name"]).from_config(config)
    assert sum(p.numel() for p in model.parameters()) == PARAMS[family, part]


def test_taesd_previews_are_full_size_and_auto_keeps_linear_on_cpu(tiny_sd):
    shapes = {}
    for preview in ("taesd", "auto"):
        job = Job(SDTextToImage(), SDTextToImage.Params(steps=2, preview=preview), PluginInputs(64, 64), seed=1)
        frames = []
        JobRunner(device="cpu").run(job, lambda f, s, t, frames=frames: frames.append(f.shape))
        shapes[preview] = frames[0]
    assert shapes == {
        "taesd": (64, 64, 3),
        "auto": (32, 32, 3),
    }  # TAESD decodes to pixels; linear stays on the latent grid
