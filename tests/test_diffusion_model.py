"""Diffusion model pieces: samplers, files, text encoder, and a tiny train/resume run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from gencanvas.models.diffusion.config import DiffusionConfig
from gencanvas.models.diffusion.files import load_model, save_model
from gencanvas.models.diffusion.network import TextConditionedUNet
from gencanvas.models.diffusion.sampling import SAMPLERS, inpaint, sample
from gencanvas.models.diffusion.text import TextEncoder

FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def tiny() -> TextConditionedUNet:
    torch.manual_seed(0)
    return TextConditionedUNet(DiffusionConfig.from_preset("tiny", image_size=16, channels=1)).eval()


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_every_sampler_streams_x0_and_is_seeded(tiny, sampler):
    text = torch.randn(2, 384)
    seen = []
    first = sample(
        tiny,
        text,
        sampler=sampler,
        steps=4,
        generator=torch.Generator().manual_seed(3),
        on_step=lambda i, n, x0: seen.append((i, n, x0.abs().max().item())),
    )
    second = sample(tiny, text, sampler=sampler, steps=4, generator=torch.Generator().manual_seed(3))
    assert first.shape == (2, 1, 16, 16) and first.abs().max() <= 1
    assert [(i, n) for i, n, _ in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)] and all(m <= 1 for *_, m in seen)
    torch.testing.assert_close(first, second)


def test_repaint_keeps_known_pixels_exactly(tiny):
    known = torch.rand(1, 1, 16, 16) * 2 - 1
    keep = torch.ones_like(known)
    keep[..., 4:12, 4:12] = 0
    out = inpaint(
        tiny,
        torch.randn(1, 384),
        known,
        keep,
        steps=6,
        jump_length=2,
        resamples=2,
        generator=torch.Generator().manual_seed(0),
    )
    assert torch.equal(out[keep.bool()], known[keep.bool()])
    assert not torch.equal(out[~keep.bool()], known[~keep.bool()])


def test_files_round_trip_bit_exact(tiny, tmp_path):
    save_model(tiny, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["image_size"] == 16
    x, t, text = torch.randn(1, 1, 16, 16), torch.tensor([10]), torch.randn(1, 384)
    torch.testing.assert_close(loaded(x, t, text), tiny(x, t, text), rtol=0, atol=0)
    with pytest.raises(FileNotFoundError, match="not a GenCanvas diffusion model"):
        load_model(tmp_path / "nothing")


def test_text_encoder_is_offline_cached_and_meaningful(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = TextEncoder()
    vectors = encoder.encode(["ankle boot", "sneaker", "dress", "ankle boot"])
    assert vectors.shape == (4, 384)
    torch.testing.assert_close(vectors[0], vectors[3])
    boot_sneaker, boot_dress = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert boot_sneaker > boot_dress, "shoes are closer to shoes than to dresses"
    assert len(encoder._cache) == 3


@pytest.mark.skipif(not FASHION.exists(), reason="needs the dataset-fashion-mnist Debian package")
def test_train_checkpoint_resume_and_export(tmp_path):
    from gencanvas.models.train import main

    common = [
        "diffusion",
        "--data",
        "fashion-mnist",
        "--limit",
        "64",
        "--preset",
        "tiny",
        "--batch-size",
        "8",
        "--out",
        str(tmp_path / "out"),
        "--run-dir",
        str(tmp_path / "run"),
        "--sample-every",
        "3",
    ]
    assert main([*common, "--max-steps", "4"]) == 0
    first = json.loads((tmp_path / "out" / "training.json").read_text())
    assert first["steps"] == 4 and (tmp_path / "run" / "samples-000003.png").exists()
    assert main([*common, "--max-steps", "6"]) == 0  # resumes from the checkpoint, does not start over
    second = json.loads((tmp_path / "out" / "training.json").read_text())
    assert second["steps"] == 6
    model = load_model(tmp_path / "out")
    assert model.config.captions[:2] == ["ankle boot", "bag"]
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert "MIT licence" in card and "--max-steps 6" in card and "6 steps" in card


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_no_sampler_starts_at_the_cosine_schedules_singular_end(sampler):
    """DPM-Solver++ and Euler started at t=999 (alpha_bar ~ 0) blew up to ±1e3 on a trained model."""
    from gencanvas.models.diffusion.sampling import make_scheduler

    config = DiffusionConfig()
    scheduler = make_scheduler(sampler, config)
    scheduler.set_timesteps(20)
    first = int(scheduler.timesteps[0])
    if sampler != "ddpm":  # DDPM at 1000 steps must visit every step; it is stable there
        assert first < config.num_train_timesteps - 1


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_guided_samplers_do_not_clip_x0(sampler):
    """Clipping x0 each step erased classifier-free guidance (DDIM class agreement 90 % → 27 %)."""
    from gencanvas.models.diffusion.sampling import make_scheduler

    assert make_scheduler(sampler, DiffusionConfig()).config.clip_sample is False


def test_ema_follows_the_model_early_instead_of_the_random_start():
    from torch.optim.swa_utils import AveragedModel

    from gencanvas.models.diffusion.training import ema_with_warmup

    model = torch.nn.Linear(2, 2)
    ema = AveragedModel(model, multi_avg_fn=ema_with_warmup(0.999))
    for _ in range(20):
        with torch.no_grad():
            model.weight.add_(1.0)
        ema.update_parameters(model)
    gap = (ema.module.weight - model.weight).abs().max().item()
    assert gap < 5, f"EMA lags {gap:.1f}; a fixed 0.999 decay would lag ~19"


class OracleDenoiser(torch.nn.Module):
    """Knows the clean image: returns the exact epsilon or v for any noisy input, ignoring the text.

    Every sampler driven by it must land on that image, so a wrong conversion between epsilon,
    v and x0 anywhere in sampling shows up as a wrong picture.
    """

    def __init__(self, clean: torch.Tensor, prediction_type: str) -> None:
        super().__init__()
        self.config = DiffusionConfig(
            image_size=clean.shape[-1], channels=clean.shape[1], prediction_type=prediction_type
        )
        self.clean = clean
        self.null_text = torch.nn.Parameter(torch.zeros(384))
        self.alphas_cumprod = SAMPLERS["ddpm"](**self.config.scheduler_config()).alphas_cumprod.double()

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        alpha_bar = self.alphas_cumprod[timestep.long()].view(-1, 1, 1, 1)
        x, clean = sample.double(), self.clean.double().expand_as(sample)
        eps = (x - alpha_bar.sqrt() * clean) / (1 - alpha_bar).sqrt()
        if self.config.prediction_type == "v_prediction":
            return (alpha_bar.sqrt() * eps - (1 - alpha_bar).sqrt() * clean).float()
        return eps.float()


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_every_sampler_lands_on_the_image_an_exact_model_predicts(sampler, prediction_type):
    clean = torch.rand(1, 3, 8, 8) * 1.6 - 0.8
    oracle = OracleDenoiser(clean, prediction_type)
    previews = []
    out = sample(
        oracle,
        torch.randn(2, 384),
        sampler=sampler,
        steps=10,
        guidance=3.0,
        generator=torch.Generator().manual_seed(0),
        on_step=lambda i, n, x0: previews.append(x0),
    )
    torch.testing.assert_close(out, clean.expand_as(out), atol=2e-3, rtol=0)
    torch.testing.assert_close(previews[-1], clean.expand_as(out), atol=2e-3, rtol=0)


def test_repaint_fills_from_a_v_prediction_model():
    clean = torch.rand(1, 3, 8, 8) * 1.6 - 0.8
    known = torch.zeros_like(clean)
    keep = torch.ones_like(clean)
    keep[..., 2:6, 2:6] = 0
    previews = []
    out = inpaint(
        OracleDenoiser(clean, "v_prediction"),
        torch.randn(1, 384),
        known,
        keep,
        steps=10,
        jump_length=2,
        resamples=2,
        generator=torch.Generator().manual_seed(0),
        on_step=lambda i, n, x0: previews.append(x0),
    )
    hole = ~keep.bool()
    assert torch.equal(out[keep.bool()], known[keep.bool()])
    assert (out[hole] - clean[hole]).abs().max() < 0.05, "the hole is filled with the image the model predicts"
    first_estimate_error = (previews[0][hole] - clean[hole]).abs().max()
    assert first_estimate_error < 0.05, "already the noisiest step's x0 estimate is that image"


def test_patched_network_keeps_the_image_shape_and_rejects_a_patch_that_does_not_fit():
    torch.manual_seed(0)
    config = DiffusionConfig.from_preset(
        "tiny", image_size=16, channels=3, patch_size=2, prediction_type="v_prediction"
    )
    model = TextConditionedUNet(config)
    assert model.unet.config.in_channels == 12 and model.unet.config.sample_size == 8
    x = torch.randn(2, 3, 16, 16)
    assert model(x, torch.tensor([5, 900]), torch.randn(2, 384)).shape == x.shape
    with pytest.raises(ValueError, match="patch_size 3 must divide image_size 16"):
        DiffusionConfig(image_size=16, patch_size=3)
    with pytest.raises(ValueError, match="prediction_type must be one of"):
        DiffusionConfig(prediction_type="sample")


def test_v_prediction_target_is_the_velocity():
    from diffusers import DDPMScheduler

    from gencanvas.models.diffusion.training import _target

    scheduler = DDPMScheduler(**DiffusionConfig(prediction_type="v_prediction").scheduler_config())
    x0, noise, t = torch.randn(3, 1, 4, 4), torch.randn(3, 1, 4, 4), torch.tensor([0, 500, 999])
    alpha_bar = scheduler.alphas_cumprod[t].view(-1, 1, 1, 1)
    torch.testing.assert_close(_target(scheduler, x0, noise, t), alpha_bar.sqrt() * noise - (1 - alpha_bar).sqrt() * x0)
    epsilon = DDPMScheduler(**DiffusionConfig().scheduler_config())
    assert torch.equal(_target(epsilon, x0, noise, t), noise)


@pytest.mark.skipif(not FASHION.exists(), reason="needs the dataset-fashion-mnist Debian package")
def test_training_flags_for_v_prediction_and_patches_reach_the_exported_model(tmp_path):
    from gencanvas.models.train import main

    assert (
        main(
            [
                "diffusion",
                "--data",
                "fashion-mnist",
                "--limit",
                "16",
                "--preset",
                "tiny",
                "--batch-size",
                "8",
                "--prediction",
                "v_prediction",
                "--patch-size",
                "2",
                "--max-steps",
                "2",
                "--sample-every",
                "0",
                "--out",
                str(tmp_path / "out"),
                "--run-dir",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
    model = load_model(tmp_path / "out")
    assert (model.config.prediction_type, model.config.patch_size) == ("v_prediction", 2)
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert "v_prediction prediction" in card and "2×2 pixel patches (16×16×4 at the U-Net)" in card
    assert "Held out for evaluation**: the official test split" in card, (
        "the evaluation's test images are not trained on"
    )


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_guidance_applies_only_above_the_models_noise_level(tiny, sampler):
    """Past the threshold a step is the prompt alone: one model call per image instead of two."""
    text, batches = torch.randn(2, 384), []
    handle = tiny.register_forward_hook(lambda _module, args, _out: batches.append(args[0].shape[0]))
    try:
        everywhere = sample(
            tiny, text, sampler=sampler, steps=6, guidance=4.0, generator=torch.Generator().manual_seed(1)
        )
        assert batches == [4] * 6  # conditional and unconditional at every step
        batches.clear()
        sample(tiny, text, sampler=sampler, steps=6, guidance=4.0, guidance_above_sigma=1.0)
        assert batches[0] == 4 and batches[-1] == 2 and batches == sorted(batches, reverse=True)
    finally:
        handle.remove()
    never = sample(
        tiny,
        text,
        sampler=sampler,
        steps=6,
        guidance=4.0,
        guidance_above_sigma=1e9,
        generator=torch.Generator().manual_seed(1),
    )
    plain = sample(tiny, text, sampler=sampler, steps=6, guidance=1.0, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(never, plain)
    assert not torch.allclose(everywhere, plain)


def test_repaint_follows_the_models_guidance_interval():
    torch.manual_seed(0)
    config = DiffusionConfig.from_preset("tiny", image_size=16, channels=1, guidance_above_sigma=1e9)
    model = TextConditionedUNet(config).eval()
    known, keep = torch.zeros(1, 1, 16, 16), torch.zeros(1, 1, 16, 16)
    batches = []
    handle = model.register_forward_hook(lambda _module, args, _out: batches.append(args[0].shape[0]))
    try:
        inpaint(model, torch.randn(1, 384), known, keep, steps=4, jump_length=2, resamples=1, guidance=4.0)
    finally:
        handle.remove()
    assert batches and set(batches) == {1}  # never guided: one call per step
