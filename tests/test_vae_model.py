"""The VAE: shapes, loss, config round trip, interpolation maths, training with resume."""

from __future__ import annotations

import json

import pytest
import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.json_config import model_kind
from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.files import load_vae, save_vae
from gencanvas.models.vae.interpolation import interpolate, latent_grid, lerp, slerp
from gencanvas.models.vae.network import ConvVAE


def tiny(channels: int = 3, size: int = 16, **overrides) -> ConvVAE:
    torch.manual_seed(0)
    return ConvVAE(VAEConfig.from_preset("tiny", image_size=size, channels=channels, **overrides))


def test_encode_decode_shapes_and_range():
    model = tiny()
    x = torch.rand(5, 3, 16, 16) * 2 - 1
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (5, 4)
    images = model.decode(mu)
    assert images.shape == x.shape and images.min() >= -1 and images.max() <= 1


def test_loss_terms_are_finite_and_beta_weights_kl():
    model = tiny(beta=4.0)
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        terms = model.loss(x, torch.Generator().manual_seed(0))
    assert all(torch.isfinite(v) for v in terms.values()) and terms["kl"] >= 0
    assert float(terms["loss"]) == pytest.approx(float(terms["reconstruction"] + 4.0 * terms["kl"]), rel=1e-5)
    with torch.no_grad():
        plain = model.loss(x, torch.Generator().manual_seed(0), beta=0.0)
    assert float(plain["loss"]) == pytest.approx(float(plain["reconstruction"]))


def test_config_rejects_sizes_the_network_cannot_halve():
    with pytest.raises(ValueError, match="divisible"):
        VAEConfig(image_size=30, widths=(8, 16, 32))


def test_save_load_round_trip(tmp_path):
    model = tiny(channels=1, beta=0.5)
    save_vae(model, tmp_path)
    assert model_kind(tmp_path) == "vae" and json.loads((tmp_path / "config.json").read_text())["beta"] == 0.5
    loaded = load_vae(tmp_path)
    z = torch.randn(2, 4)
    torch.testing.assert_close(loaded.decode(z), model.eval().decode(z))


@pytest.mark.parametrize("mode", ["lerp", "slerp"])
@pytest.mark.parametrize("frames", [2, 3, 9])
def test_paths_start_and_end_exactly_on_the_endpoints(mode, frames):
    a, b = (
        torch.randn(16, generator=torch.Generator().manual_seed(1)),
        torch.randn(16, generator=torch.Generator().manual_seed(2)),
    )
    path = interpolate(a, b, frames, mode)
    assert path.shape == (frames, 16)
    assert torch.equal(path[0], a) and torch.equal(path[-1], b)


def test_lerp_midpoint_and_slerp_keeps_the_norm():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    torch.testing.assert_close(lerp(a, b, torch.tensor([0.5]))[0], torch.tensor([0.5, 0.5]))
    arc = slerp(a, b, torch.linspace(0, 1, 7))
    torch.testing.assert_close(arc.norm(dim=1), torch.ones(7))
    torch.testing.assert_close(arc[3], torch.tensor([2**-0.5, 2**-0.5]))


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    a = torch.tensor([1.0, 2.0])
    path = slerp(a, 3 * a, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.isfinite(path).all()
    torch.testing.assert_close(path[1], 2 * a)


def test_interpolate_rejects_bad_requests():
    a = torch.zeros(4)
    with pytest.raises(ValueError, match="at least 2"):
        interpolate(a, a, 1)
    with pytest.raises(ValueError, match="same size"):
        interpolate(a, torch.zeros(5), 4)
    with pytest.raises(ValueError, match="mode"):
        interpolate(a, a, 4, "cubic")  # type: ignore[arg-type]


def test_latent_grid_is_a_plane_of_orthonormal_axes_around_the_centre():
    centre = torch.randn(8)
    u, v = torch.randn(8), torch.randn(8)
    grid = latent_grid(centre, u, v, side=5, span=2.0)
    assert grid.shape == (25, 8)
    torch.testing.assert_close(grid[12], centre)  # the middle cell
    x_axis, y_axis = grid[13] - grid[12], grid[17] - grid[12]
    assert abs(float(torch.dot(x_axis, y_axis))) < 1e-5
    torch.testing.assert_close(x_axis.norm(), torch.tensor(1.0))  # one step = 2 * span / (side - 1)
    torch.testing.assert_close(y_axis.norm(), torch.tensor(1.0))


def test_training_runs_exports_a_card_and_resumes(tmp_path):
    from gencanvas.models.vae.training import VAETrainOptions, train_vae

    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (40, 1, 16, 16), generator=generator, dtype=torch.uint8)
    data = ImageCaptionDataset(images[:32], ["x"] * 32, name="fashion-mnist-train")
    test = ImageCaptionDataset(images[32:], ["x"] * 8, name="fashion-mnist-test")
    config = VAEConfig.from_preset("tiny", image_size=16, channels=1)
    options = VAETrainOptions(
        run_dir=tmp_path / "run",
        out_dir=tmp_path / "out",
        batch_size=8,
        max_steps=3,
        sample_every=2,
        command="python -m gencanvas.models.train vae ...",
        test_note="8 images",
        augment="flip,shift",
    )
    train_vae(data, test, config, options)
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    assert record["steps"] == 3 and record["metrics"]["psnr_db"] > 0 and record["metrics"]["train_psnr_db"] > 0
    assert record["augment"] == "flip,shift"
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert "Fashion-MNIST" in card and "PSNR" in card and "python -m gencanvas.models.train vae" in card
    assert "**Augmentation**: flip,shift" in card and "as many training images:" in card
    assert (tmp_path / "run" / "samples-000002.png").exists() and (tmp_path / "out" / "samples.png").exists()
    options.max_steps = 5
    train_vae(data, test, VAEConfig.from_preset("tiny", image_size=16, channels=1), options)
    assert json.loads((tmp_path / "out" / "training.json").read_text())["steps"] == 5  # resumed at 3, not restarted
    assert load_vae(tmp_path / "out").config.latent_dim == 4


def test_train_cli_knows_the_vae_subcommand(capsys):
    from gencanvas.models.train import main

    with pytest.raises(SystemExit):
        main(["vae", "--help"])
    assert "--beta" in capsys.readouterr().out


def test_train_cli_refuses_an_unknown_augmentation_in_one_sentence(tmp_path):
    from gencanvas.models.train import main

    with pytest.raises(SystemExit, match="--augment: unknown augmentation 'rotate'"):
        main(["vae", "--data", "fashion-mnist", "--augment", "flip,rotate", "--out", str(tmp_path / "out")])


def test_sample_fd_reports_floor_and_ceiling_and_refuses_a_mismatched_classifier(tmp_path):
    from gencanvas.models.evaluation import ClassifierConfig, DomainClassifier, save_classifier
    from gencanvas.models.vae.metrics import reconstruction_metrics, sample_fd

    torch.manual_seed(0)
    save_classifier(DomainClassifier(ClassifierConfig(in_channels=1, image_size=16)), tmp_path / "grey16")
    save_classifier(DomainClassifier(ClassifierConfig(in_channels=3, image_size=16)), tmp_path / "rgb16")
    model = tiny(channels=1)
    generator = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, (12, 1, 16, 16), generator=generator, dtype=torch.uint8)
    train = torch.randint(0, 256, (20, 1, 16, 16), generator=generator, dtype=torch.uint8)
    fd = sample_fd(model, real, tmp_path / "grey16", train=train)
    assert fd["fd_n"] == 12 and {"fd_samples", "fd_noise", "fd_floor", "fd_reconstructions"} <= fd.keys()
    assert all(fd[k] >= 0 for k in ("fd_samples", "fd_noise", "fd_floor", "fd_reconstructions"))
    metrics = reconstruction_metrics(model, real)  # the untrained decoder's: an error strictly between 0 and 1
    assert metrics["n"] == 12 and 0 < metrics["mse"] < 1 and metrics["kl"] >= 0
    model.reconstruct = lambda images: images  # a perfect decoder: its reconstructions are the real images
    assert sample_fd(model, real, tmp_path / "grey16")["fd_reconstructions"] < 1e-3
    assert sample_fd(model, real, tmp_path / "rgb16") is None  # channels differ: no number rather than a wrong one
    assert sample_fd(model, real, tmp_path / "absent") is None
