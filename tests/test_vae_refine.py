"""Refining encodings on the image itself (semi-amortised inference): sharper, batch-independent, opt-in."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import torch

from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.files import load_vae, save_vae
from gencanvas.models.vae.fit_prior import main as fit_prior_main
from gencanvas.models.vae.network import ConvVAE


def squares(n: int, seed: int) -> torch.Tensor:
    """(n, 3, 16, 16) in [-1, 1]: a coloured square at a random place on a coloured background."""
    g = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 3, 1, 1, generator=g) * 2 - 1).expand(n, 3, 16, 16).clone()
    for image, (y, x), colour in zip(
        images, torch.randint(0, 10, (n, 2), generator=g).tolist(), torch.rand(n, 3, 1, 1, generator=g), strict=True
    ):
        image[:, y : y + 6, x : x + 6] = colour * 2 - 1
    return images


def trained_tiny(refine_steps: int = 0) -> tuple[ConvVAE, torch.Tensor]:
    """A tiny VAE fitted for a few dozen steps to eight random images, and eight other (unseen) images."""
    torch.manual_seed(0)
    model = ConvVAE(VAEConfig.from_preset("tiny", image_size=16, channels=3, beta=0.1, refine_steps=refine_steps))
    seen, unseen = squares(8, seed=1), squares(8, seed=2)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(40):
        loss = model.loss(seen, torch.Generator().manual_seed(0))["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval(), unseen


def squared_error(model: ConvVAE, images: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model.reconstruct(images) - images).pow(2).mean())


def test_without_refine_steps_the_posterior_mean_is_the_encoders() -> None:
    model, images = trained_tiny()
    with torch.no_grad():
        torch.testing.assert_close(model.posterior_mean(images), model.encode(images)[0])


def test_refining_reconstructs_unseen_images_closer_and_leaves_the_weights_alone() -> None:
    model, images = trained_tiny()
    before = squared_error(model, images)
    refined = ConvVAE(replace(model.config, refine_steps=20))
    refined.load_state_dict(model.state_dict())
    refined.eval()
    weights = {k: v.clone() for k, v in refined.state_dict().items()}
    with torch.no_grad():  # callers decode under no_grad: refinement still gets its gradients
        after = squared_error(refined, images)
    assert after < 0.95 * before  # the encoder of a briefly trained net is far off; 20 steps close some of it
    assert all(p.grad is None for p in refined.parameters())
    assert all(torch.equal(weights[k], v) for k, v in refined.state_dict().items())


def test_each_image_refines_alone_whatever_the_batch() -> None:
    model, images = trained_tiny(refine_steps=5)
    together = model.posterior_mean(images)
    alone = torch.cat([model.posterior_mean(image[None]) for image in images])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-4)


def test_refine_steps_round_trip_and_old_configs_mean_none(tmp_path) -> None:
    model, _ = trained_tiny(refine_steps=7)
    save_vae(model, tmp_path / "vae")
    assert load_vae(tmp_path / "vae").config.refine_steps == 7
    config = json.loads((tmp_path / "vae" / "config.json").read_text())
    del config["refine_steps"]  # a model saved before the setting existed
    (tmp_path / "vae" / "config.json").write_text(json.dumps(config))
    assert load_vae(tmp_path / "vae").config.refine_steps == 0


def test_fit_prior_sets_refine_steps_and_measures_with_them(tmp_path, monkeypatch) -> None:
    from gencanvas.models.data import ImageCaptionDataset

    model, _ = trained_tiny()
    folder = tmp_path / "vae"
    save_vae(model, folder)
    (folder / "training.json").write_text(json.dumps({"steps": 40}), encoding="utf-8")
    images = torch.randint(0, 256, (40, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    data = ImageCaptionDataset(images, [""] * 40, name="tiny")
    monkeypatch.setattr("gencanvas.models.data.splits.split_data", lambda *a, **k: (data, data.subset(8), "tiny"))
    assert fit_prior_main(["--model", str(folder), "--data", "tiny", "--components", "0"]) == 0
    plain = json.loads((folder / "training.json").read_text())["metrics"]["psnr_db"]
    assert fit_prior_main(["--model", str(folder), "--data", "tiny", "--components", "0", "--refine-steps", "20"]) == 0
    assert load_vae(folder).config.refine_steps == 20
    refined = json.loads((folder / "training.json").read_text())["metrics"]["psnr_db"]
    assert np.isfinite(refined) and refined > plain
