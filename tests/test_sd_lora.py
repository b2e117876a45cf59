"""LoRAs (kohya and diffusers layouts) through diffusers + peft, switched without reloading the checkpoint."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginError, PluginInputs
from gencanvas.models.sd import loading
from gencanvas.models.sd.lora import extract_prompt_loras, parse_lora_field
from gencanvas.plugins import sd_settings
from gencanvas.plugins.sd_txt2img import SDTextToImage
from tests.sd_fixtures import write_tiny_lora


def test_lora_field_and_prompt_tags_parse():
    assert parse_lora_field("detail:0.8, style ,  x y:-0.5") == [("detail", 0.8), ("style", 1.0), ("x y", -0.5)]
    assert parse_lora_field("<lora:a:0.3>") == [("a", 0.3)]
    assert extract_prompt_loras("a cat, <lora:detail:0.8>, in snow <lora:style>") == (
        "a cat, in snow",
        [("detail", 0.8), ("style", 1.0)],
    )
    with pytest.raises(ValueError, match="not a number"):
        parse_lora_field("detail:lots")


@pytest.fixture(scope="module")
def lora_folder(tiny_sd_models, tmp_path_factory):
    """Both tiny single-file checkpoints and one LoRA per layout and base, in a folder of their own."""
    root = tmp_path_factory.mktemp("lora-models")
    loras = root / "shared-loras"
    for family in ("sd15", "sdxl"):
        name = f"tiny-{family}-single.safetensors"
        shutil.copy(
            tiny_sd_models.root / "checkpoints" / name,
            (root / family / "Stable-diffusion").mkdir(parents=True) or root / family / "Stable-diffusion" / name,
        )
        for seed, layout in enumerate(("kohya", "diffusers")):
            write_tiny_lora(tiny_sd_models.pipes[family], loras / f"{family}-{layout}.safetensors", layout, seed=seed)
    for family in ("sd15", "sdxl"):
        (root / family / "Lora").symlink_to(loras)
    return root


@pytest.fixture
def runner(monkeypatch, tiny_sd, lora_folder, no_network):
    folder = [lora_folder / "sd15"]
    monkeypatch.setattr(sd_settings, "models_folder", lambda: folder[0])
    loads = []
    real = loading.load_checkpoint
    monkeypatch.setattr(loading, "load_checkpoint", lambda *a, **k: loads.append(a[0].name) or real(*a, **k))
    job_runner = JobRunner(device="cpu")

    def run(model="tiny-sd15-single", **params):
        folder[0] = lora_folder / model.split("-")[1]  # each folder holds one checkpoint, chosen by "auto"
        params = {"prompt": "a cat", "steps": 2, "preview": "off"} | params
        return job_runner.run(
            Job(SDTextToImage(), SDTextToImage.Params(**params), PluginInputs(64, 64), seed=3), lambda *frame: None
        )

    run.loads = loads
    return run


@pytest.mark.parametrize(
    ("model", "lora"), [("tiny-sd15-single", "sd15-kohya"), ("tiny-sdxl-single", "sdxl-diffusers")]
)
def test_weight_zero_one_and_removal(runner, model, lora):
    plain = runner(model=model)
    assert np.array_equal(runner(model=model, loras=f"{lora}:0"), plain)
    changed = runner(model=model, loras=f"{lora}:1")
    assert np.abs(changed.astype(int) - plain).max() > 10
    assert np.array_equal(runner(model=model, prompt=f"a cat <lora:{lora}:1>"), changed)  # tag stripped, applied
    assert np.array_equal(runner(model=model), plain)  # removed: the checkpoint's own output, bit for bit
    assert runner.loads == [model]  # five jobs, LoRAs switched, the checkpoint loaded once


def test_both_layouts_and_several_loras(runner):
    kohya = runner(model="tiny-sd15-single", loras="sd15-kohya:1")
    both = runner(model="tiny-sd15-single", loras="sd15-kohya:1, sd15-diffusers:0.5")
    assert not np.array_equal(kohya, both)
    assert np.array_equal(runner(model="tiny-sd15-single", loras="sd15-kohya.safetensors:1"), kohya)


def test_mismatched_base_is_refused_naming_both(runner):
    with pytest.raises(
        PluginError, match=r"'sdxl-kohya' is for SDXL, but the checkpoint 'tiny-sd15-single' is SD 1\.5"
    ):
        runner(model="tiny-sd15-single", loras="sdxl-kohya:1")
    with pytest.raises(PluginError, match="'nowhere' is not in"):
        runner(model="tiny-sd15-single", prompt="<lora:nowhere:1> a cat")
