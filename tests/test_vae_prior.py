"""The VAE's fitted sampling prior: old models keep their seeds, fitted ones sample where images live."""

from __future__ import annotations

import json

import numpy as np
import torch

from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.files import load_vae, save_vae
from gencanvas.models.vae.fit_prior import main as fit_prior_main
from gencanvas.models.vae.fitting import posterior_means, with_fitted_prior
from gencanvas.models.vae.network import ConvVAE
from gencanvas.models.vae.prior import LatentPrior
from gencanvas.plugins.vae_support import seeded_latent


def tiny_model(components: int = 0) -> ConvVAE:
    torch.manual_seed(0)
    return ConvVAE(VAEConfig(image_size=8, channels=1, widths=(4,), latent_dim=3, prior_components=components)).eval()


def test_without_a_mixture_the_prior_is_the_old_seeded_normal():
    prior = LatentPrior(5, 0)
    sample = prior.sample(1, torch.Generator().manual_seed(7), temperature=0.8)[0]
    torch.testing.assert_close(sample, torch.randn(5, generator=torch.Generator().manual_seed(7)) * 0.8)
    assert not list(prior.buffers())  # nothing stored: weights saved before priors existed still load
    torch.testing.assert_close(prior.mean(), torch.zeros(5))


def test_a_fitted_mixture_samples_where_the_data_lives():
    rng = torch.Generator().manual_seed(0)
    clusters = torch.tensor([[6.0, 0.0], [-6.0, 3.0]])
    data = torch.cat(
        [clusters[0] + 0.1 * torch.randn(500, 2, generator=rng), clusters[1] + 0.1 * torch.randn(500, 2, generator=rng)]
    )
    prior = LatentPrior(2, 2)
    prior.fit(data)
    samples = prior.sample(400, torch.Generator().manual_seed(1))
    nearest = torch.cdist(samples, clusters).min(dim=1).values
    assert nearest.max() < 1.0  # every sample near a cluster; N(0, I) would put most of them in between
    assert 0.35 < (torch.cdist(samples, clusters).argmin(dim=1) == 0).float().mean() < 0.65
    torch.testing.assert_close(prior.mean(), data.mean(0), atol=0.05, rtol=0)
    again = prior.sample(400, torch.Generator().manual_seed(1))
    torch.testing.assert_close(samples, again)  # seeded: the same latents every time


def test_fitting_keeps_the_network_and_round_trips_through_the_folder(tmp_path):
    model = tiny_model()
    images = torch.randint(0, 256, (200, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    fitted = with_fitted_prior(model, images, components=3)
    assert fitted.config.prior_components == 3 and model.config.prior_components == 0
    for name, value in model.state_dict().items():
        torch.testing.assert_close(fitted.state_dict()[name], value)  # only the prior is new
    save_vae(fitted, tmp_path / "vae")
    loaded = load_vae(tmp_path / "vae")
    assert json.loads((tmp_path / "vae" / "config.json").read_text())["prior_components"] == 3
    for name, value in fitted.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], value)
    means = posterior_means(loaded, images)
    torch.testing.assert_close(loaded.prior.mean(), means.mean(0), atol=1e-3, rtol=0)
    # The plugins' seeded latents now come from the mixture, not from N(0, I).
    latent = seeded_latent(loaded, 4)
    assert not torch.allclose(latent, torch.randn(3, generator=torch.Generator().manual_seed(4)))
    torch.testing.assert_close(latent, seeded_latent(loaded, 4))


def test_the_command_fits_a_trained_folder_in_place(tmp_path, monkeypatch):
    from gencanvas.models.data import ImageCaptionDataset

    folder = tmp_path / "vae"
    save_vae(tiny_model(), folder)
    (folder / "training.json").write_text(json.dumps({"steps": 3}), encoding="utf-8")
    images = torch.randint(0, 256, (60, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    data = ImageCaptionDataset(images, [""] * 60, name="tiny")
    monkeypatch.setattr("gencanvas.models.data.splits.split_data", lambda *a, **k: (data, data.subset(10), "tiny"))
    assert fit_prior_main(["--model", str(folder), "--data", "tiny", "--components", "2"]) == 0
    record = json.loads((folder / "training.json").read_text())
    assert record["steps"] == 3 and record["metrics"]["prior_components"] == 2
    assert np.isfinite(record["metrics"]["psnr_db"])
    assert load_vae(folder).config.prior_components == 2 and (folder / "samples.png").exists()


def test_walks_and_grids_follow_a_fitted_prior_and_keep_old_paths_for_the_normal():
    from gencanvas.models.vae.interpolation import interpolate, latent_grid

    a, b = torch.randn(2, 3, generator=torch.Generator().manual_seed(2))
    normal = LatentPrior(3, 0)
    assert torch.equal(interpolate(a, b, 6, "slerp", normal.mean()), interpolate(a, b, 6, "slerp"))
    assert torch.equal(latent_grid(a, b, a, 3, 1.0, normal.spread()), latent_grid(a, b, a, 3, 1.0))
    mixture = LatentPrior(3, 2)
    data = torch.randn(300, 3, generator=torch.Generator().manual_seed(3)) * torch.tensor([5.0, 1.0, 0.2]) + 4
    mixture.fit(data)
    walk = interpolate(a + 4, b + 4, 6, "slerp", mixture.mean())
    assert torch.equal(walk[0], a + 4) and torch.equal(walk[-1], b + 4)
    # Slerp swings around the prior's centre (4, 4, 4), not around the origin far outside the data.
    radius = (walk - mixture.mean()).norm(dim=1)
    assert radius.min() > 0.5 * min(radius[0], radius[-1])
    spread = mixture.spread()
    torch.testing.assert_close(spread @ spread.T, torch.cov(data.T), atol=0.3, rtol=0.1)  # the data's own shape
    grid = latent_grid(mixture.mean(), torch.tensor([1.0, 0, 0]), torch.tensor([0, 1.0, 0]), 3, 1.0, spread)
    assert (grid[:, 0].max() - grid[:, 0].min()) > 5 * (grid[:, 2].max() - grid[:, 2].min())
