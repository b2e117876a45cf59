"""Regional prompts on the tiny random SD pipelines: a region's prompt speaks only where its mask is."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from gencanvas.cli import main
from gencanvas.core.image_io import read_metadata
from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.metadata import parse_parameters
from gencanvas.core.plugin_api import JobCancelled, PluginError, PluginInputs, Region
from gencanvas.models.sd.regions import RegionalAttnProcessor, RegionBias, latent_masks, regional_attention
from gencanvas.plugins import sd_models_scan, sd_settings
from gencanvas.plugins.sd_img2img import SDImageToImage
from gencanvas.plugins.sd_params import params_from_parameters
from gencanvas.plugins.sd_run import usable_regions
from gencanvas.plugins.sd_txt2img import SDTextToImage
from tests.sd_fixtures import write_tiny_lora

BASE, OTHER = "a house", "a red hat on a cat"
WIDE = (256, 32)  # sampled at 192×64 by the tiny model: the left quarter is far from the right half


def left_quarter(width: int, height: int) -> np.ndarray:
    mask = np.zeros((height, width), np.float32)
    mask[:, : width // 4] = 1
    return mask


class Generator:
    """Runs SD plugins on one runner, so the tiny pipeline loads once per test."""

    def __init__(self) -> None:
        self.runner = JobRunner(device="cpu")

    def job(self, plugin, inputs, **params) -> Job:
        return Job(plugin(), plugin.params_for({})(steps=2, **params), inputs, seed=1)

    def __call__(self, plugin, inputs, **params) -> np.ndarray:
        return self.runner.run(self.job(plugin, inputs, **params), lambda *frame: None).astype(float)

    def unet(self):
        """The one UNet the cached pipelines share."""
        (unet,) = {id(p.unet): p.unet for p in self.runner.models._items.values() if hasattr(p, "unet")}.values()
        return unet


def column_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b).mean(axis=(0, 2))


def test_a_region_changes_its_area_and_hardly_anything_far_from_it(tiny_sd):
    generate, (width, height) = Generator(), WIDE
    canvas = PluginInputs(width, height)
    plain = generate(SDTextToImage, canvas, prompt=BASE)
    regional = generate(
        SDTextToImage, PluginInputs(width, height, regions=(Region(OTHER, left_quarter(width, height)),)), prompt=BASE
    )
    change = column_change(plain, regional)
    inside, far = change[: width // 4].mean(), change[width // 2 :].mean()
    # Outside every region the cross-attention is exactly the main prompt's (next test); what reaches
    # far pixels comes only through the UNet's group norms and self-attention, a fraction of a level.
    assert inside > 2.5 * far and far < 1.5, (inside, far)


def test_cross_attention_is_exact_outside_regions_and_the_regions_own_inside(tiny_sd_models):
    """At one layer: uncovered positions attend the main prompt only, covered ones the region only."""
    pipe = tiny_sd_models.pipes["sd15"]
    attn = next(m for name, m in pipe.unet.named_modules() if name.endswith("attn2"))
    inner = attn.processor
    torch.manual_seed(0)
    rows, columns, dim = 8, 12, attn.to_q.in_features  # the latent is 16×24: this layer halves it
    hidden = torch.randn(2, rows * columns, dim)
    negative, base, region = (torch.randn(1, 77, attn.to_k.in_features) for _ in range(3))
    mask = np.zeros((32, 48), np.float32)  # the canvas: the left third is the region
    mask[:, :16] = 1
    bias = RegionBias(latent_masks([mask], (16, 24)), [77], 77)
    context = torch.cat([torch.cat([negative, torch.zeros_like(region)], 1), torch.cat([base, region], 1)])
    with torch.no_grad():
        out = RegionalAttnProcessor(inner, bias)(attn, hidden, context).reshape(2, rows, columns, -1)
        alone = {
            name: inner(attn, hidden, torch.cat([negative, states])).reshape(2, rows, columns, -1)
            for name, states in (("base", base), ("region", region))
        }
    torch.testing.assert_close(out[0], alone["base"][0])  # the negative row: its own tokens, everywhere
    torch.testing.assert_close(out[1, :, 4:], alone["base"][1, :, 4:])
    torch.testing.assert_close(out[1, :, :4], alone["region"][1, :, :4])
    assert not torch.allclose(out[1, :, :4], alone["base"][1, :, :4])


def test_a_region_over_the_whole_canvas_draws_what_its_prompt_draws(tiny_sd):
    generate = Generator()
    everywhere = (Region(OTHER, np.ones((64, 64), np.float32)),)
    regional = generate(SDTextToImage, PluginInputs(64, 64, regions=everywhere), prompt=BASE)
    assert np.abs(regional - generate(SDTextToImage, PluginInputs(64, 64), prompt=OTHER)).max() <= 1
    assert np.abs(regional - generate(SDTextToImage, PluginInputs(64, 64), prompt=BASE)).max() > 4
    same = (Region(BASE, left_quarter(64, 64)),)  # the main prompt as a region: nothing to change, CFG included
    unchanged = generate(SDTextToImage, PluginInputs(64, 64, regions=same), prompt=BASE, negative_prompt="dark")
    assert (
        np.abs(unchanged - generate(SDTextToImage, PluginInputs(64, 64), prompt=BASE, negative_prompt="dark")).max()
        <= 1
    )


def test_processors_are_restored_after_a_run_a_cancel_and_a_failure(tiny_sd):
    generate = Generator()
    regions = (Region(OTHER, left_quarter(64, 64)),)
    generate(SDTextToImage, PluginInputs(64, 64), prompt=BASE)
    unet = generate.unet()
    before = dict(unet.attn_processors)
    generate(SDTextToImage, PluginInputs(64, 64, regions=regions), prompt=BASE)
    assert dict(unet.attn_processors) == before

    seen: list[bool] = []
    job = generate.job(SDTextToImage, PluginInputs(64, 64, regions=regions), prompt=BASE)

    def cancel(*frame) -> None:
        seen.append(any(isinstance(p, RegionalAttnProcessor) for p in unet.attn_processors.values()))
        job.cancel()

    with pytest.raises(JobCancelled):
        generate.runner.run(job, cancel)
    assert seen[0] and dict(unet.attn_processors) == before

    def fail(*frame) -> None:
        raise RuntimeError("the preview broke")

    with pytest.raises(RuntimeError, match="preview broke"):
        generate.runner.run(generate.job(SDTextToImage, PluginInputs(64, 64, regions=regions), prompt=BASE), fail)
    assert dict(unet.attn_processors) == before


def test_regional_attention_restores_even_when_the_block_raises(tiny_sd_models):
    unet = tiny_sd_models.pipes["sd15"].unet
    before = dict(unet.attn_processors)
    bias = RegionBias(latent_masks([np.ones((8, 8), np.float32)], (4, 4)), [77], 77)
    with pytest.raises(ValueError), regional_attention(unet, bias):
        wrapped = [name for name, p in unet.attn_processors.items() if isinstance(p, RegionalAttnProcessor)]
        raise ValueError
    assert wrapped and all(".attn2." in name for name in wrapped)
    assert dict(unet.attn_processors) == before


@pytest.fixture
def listed(tiny_sd):
    """The model drop-downs list the tiny models (and forget them afterwards)."""
    sd_models_scan.refresh()
    yield tiny_sd
    sd_models_scan.refresh()


def test_soft_edges_and_overlaps_weigh_the_prompts_by_coverage():
    quarter, whole = np.full((4, 4), 0.25, np.float32), np.ones((4, 4), np.float32)
    soft = RegionBias(latent_masks([quarter], (4, 4)), [2], 3).bias(16, torch.ones(1, 5, 8), torch.float32)[0, 0]
    torch.testing.assert_close(soft.exp(), torch.tensor([0.75] * 3 + [0.25] * 2))
    both = RegionBias(latent_masks([whole, whole], (4, 4)), [2, 2], 3).bias(16, torch.ones(1, 7, 8), torch.float32)
    assert both[0, 0].exp().tolist() == [0, 0, 0, 1, 1, 1, 1]  # two regions over each other: both, and no main prompt


def test_loras_still_apply_with_regions_and_a_region_tag_applies_everywhere(monkeypatch, tiny_sd, tmp_path):
    (tmp_path / "Stable-diffusion").mkdir()
    shutil.copy(tiny_sd.root / "checkpoints" / "tiny-sd15-single.safetensors", tmp_path / "Stable-diffusion")
    write_tiny_lora(tiny_sd.pipes["sd15"], tmp_path / "Lora" / "detail.safetensors", "kohya", scale=1.0)
    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)
    generate = Generator()
    canvas = PluginInputs(64, 64, regions=(Region(OTHER, left_quarter(64, 64)),))
    without = generate(SDTextToImage, canvas, prompt=BASE)
    with_lora = generate(SDTextToImage, canvas, prompt=BASE, loras="detail:1")
    assert np.abs(with_lora - without).max() > 4
    tagged = PluginInputs(64, 64, regions=(Region(f"<lora:detail:1> {OTHER}", left_quarter(64, 64)),))
    assert np.array_equal(generate(SDTextToImage, tagged, prompt=BASE), with_lora)


def test_sdxl_follows_regions_too(listed):
    generate, (width, height) = Generator(), WIDE
    plain = generate(SDTextToImage, PluginInputs(width, height), prompt=BASE, model="tiny-sdxl")
    regions = (Region(OTHER, left_quarter(width, height)),)
    regional = generate(SDTextToImage, PluginInputs(width, height, regions=regions), prompt=BASE, model="tiny-sdxl")
    change = column_change(plain, regional)
    assert change[: width // 4].mean() > 2.5 * change[width // 2 :].mean()
    assert not any(isinstance(p, RegionalAttnProcessor) for p in generate.unet().attn_processors.values())


def test_img2img_follows_regions(tiny_sd):
    generate, (width, height) = Generator(), WIDE
    photo = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    plain = generate(SDImageToImage, PluginInputs(width, height, image=photo), prompt=BASE, strength=1.0)
    regions = (Region(OTHER, left_quarter(width, height)),)
    regional = generate(
        SDImageToImage, PluginInputs(width, height, image=photo, regions=regions), prompt=BASE, strength=1.0
    )
    change = column_change(plain, regional)
    assert change[: width // 4].mean() > 2.5 * change[width // 2 :].mean()


def test_regions_without_a_prompt_or_a_mask_are_ignored_and_a_wrong_size_is_refused():
    painted = left_quarter(64, 64)
    inputs = PluginInputs(
        64,
        64,
        regions=(Region("  ", painted), Region("empty", np.zeros((64, 64), np.float32)), Region(" hat ", painted)),
    )
    assert [prompt for prompt, _ in usable_regions(inputs)] == ["hat"]
    with pytest.raises(PluginError, match=r"region 'hat' is 32×64 but the canvas is 64×64"):
        usable_regions(PluginInputs(64, 64, regions=(Region("hat", painted[:, :32]),)))


def test_the_region_prompts_are_in_the_parameters_text_and_restore_leaves_them(tiny_sd):
    generate = Generator()
    job = generate.job(SDTextToImage, PluginInputs(64, 64, regions=(Region('a "red", hat', left_quarter(64, 64)),)))
    generate.runner.run(job, lambda *frame: None)
    text = job.plugin.describe_params(job.params)
    prompt, negative, settings = parse_parameters(text)
    assert (prompt, negative) == (job.params.prompt, job.params.negative_prompt)
    assert settings["Regions"] == '["a \\"red\\", hat"]' and settings["Seed"] == str(job.params.seed)
    restored = params_from_parameters(text)
    assert "Regions" not in restored and restored["steps"] == 2
    plain = generate.job(SDTextToImage, PluginInputs(64, 64))
    generate.runner.run(plain, lambda *frame: None)
    assert "Regions" not in plain.plugin.describe_params(plain.params)


def mask_file(path, width: int, height: int):
    Image.fromarray((left_quarter(width, height) * 255).astype(np.uint8)).save(path)
    return path


def test_cli_region_flag_end_to_end(tiny_sd, tmp_path, capsys):
    hat = mask_file(tmp_path / "hat.png", 64, 64)
    out = tmp_path / "out.png"
    args = ["generate", "--plugin", "sd-txt2img", "--size", "64x64", "--param", "steps=2", "--param", "seed=1", "-q"]
    assert main([*args, "--region", f"{OTHER}={hat}", "-o", str(out)]) == 0
    assert parse_parameters(read_metadata(out).summary)[2]["Regions"] == f'["{OTHER}"]'
    assert main([*args, "-o", str(tmp_path / "plain.png")]) == 0
    with_region, plain = (np.asarray(Image.open(p), float) for p in (out, tmp_path / "plain.png"))
    change = column_change(with_region, plain)
    assert change[:16].mean() > change[48:].mean()


@pytest.mark.parametrize(
    ("region", "plugin", "sentence"),
    [
        ("a red hat", "sd-txt2img", "--region expects PROMPT=MASK_FILE such as \"a red hat=hat.png\", got 'a red hat'"),
        ("=MASK", "sd-txt2img", "--region expects PROMPT=MASK_FILE"),
        ("a red hat=SMALL", "sd-txt2img", "The mask of the region 'a red hat' is 32×32 but the canvas is 64×64."),
        ("a red hat=MISSING", "sd-txt2img", "missing.png"),
        ("a red hat=MASK", "inpaint-classical", "Inpaint (classical) does not follow regional prompts"),
    ],
)
def test_cli_region_bad_input_is_one_sentence(tmp_path, capsys, region, plugin, sentence):
    files = {
        "MASK": mask_file(tmp_path / "mask.png", 64, 64),
        "SMALL": mask_file(tmp_path / "small.png", 32, 32),
        "MISSING": tmp_path / "missing.png",
    }
    for name, path in files.items():
        region = region.replace(name, str(path))
    code = main(["generate", "--plugin", plugin, "--size", "64x64", "--region", region, "-o", str(tmp_path / "o.png")])
    err = capsys.readouterr().err
    assert code == 2 and sentence in err and "Traceback" not in err
    assert err.count("\n") == 1
