"""The VAE plugins on tiny random weights: endpoints reproduce their inputs, frames stream, errors read well."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from gencanvas.core.animation import frames_of_result, split
from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginError, PluginInputs
from gencanvas.models.vae.files import load_vae
from gencanvas.plugins.vae_interpolate import InterpolateParams, VAEInterpolate
from gencanvas.plugins.vae_latent_grid import LatentGridParams, VAELatentGrid
from gencanvas.plugins.vae_support import PREFIX, canvas_to_model, frames_to_rgb, seeded_latent

SIDE = 40


def canvas() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (SIDE, SIDE + 8, 3), dtype=np.uint8)


def run(plugin, params, seed: int = 0):
    frames: list[tuple[np.ndarray, int, int]] = []
    result = JobRunner(device="cpu").run(
        Job(plugin, params, PluginInputs(SIDE + 8, SIDE, image=canvas()), seed=seed),
        lambda f, s, t: frames.append((f.copy(), s, t)),
    )
    return result, frames


def decoded(root, name: str, latent: torch.Tensor, upscale: int) -> np.ndarray:
    model = load_vae(root / f"{PREFIX}{name}")
    with torch.no_grad():
        return frames_to_rgb(model.decode(latent[None]), upscale)[0]


def prior_latent(root, name: str, seed: int, temperature: float = 1.0) -> torch.Tensor:
    """The seed's latent from the model's own prior, as the plugins draw it."""
    return seeded_latent(load_vae(root / f"{PREFIX}{name}"), seed, temperature)


@pytest.mark.parametrize("mode", ["slerp", "lerp"])
@pytest.mark.parametrize("name", ["fashion", "emoji"])
def test_first_and_last_frames_decode_the_seed_latents_exactly(tiny_vae, name, mode):
    params = InterpolateParams(model=name, seed=5, end_seed=9, frames=5, mode=mode, temperature=0.8, upscale=2)
    result, frames = run(VAEInterpolate(), params, seed=5)
    assert [(s, t) for _, s, t in frames] == [(i, 5) for i in range(1, 6)]
    np.testing.assert_array_equal(frames[0][0], decoded(tiny_vae, name, prior_latent(tiny_vae, name, 5, 0.8), 2))
    np.testing.assert_array_equal(frames[-1][0], decoded(tiny_vae, name, prior_latent(tiny_vae, name, 9, 0.8), 2))
    assert frames[0][0].shape == (32, 32, 3)  # 16 px model, upscale 2
    sheet_frames = frames_of_result(result, params.model_dump(mode="json"))
    assert len(sheet_frames) == 5
    for (streamed, _, _), cut in zip(frames, sheet_frames, strict=False):
        np.testing.assert_array_equal(streamed, cut)  # the result holds exactly the streamed frames


def test_canvas_start_is_the_vae_reconstruction_of_the_canvas(tiny_vae):
    params = InterpolateParams(model="emoji", start="canvas", end_seed=3, frames=3, upscale=1)
    _, frames = run(VAEInterpolate(), params)
    model = load_vae(tiny_vae / f"{PREFIX}emoji")
    pixels = torch.from_numpy(canvas_to_model(canvas(), 16, 3, invert=False)).float() / 127.5 - 1
    with torch.no_grad():
        reconstruction = frames_to_rgb(model.reconstruct(pixels[None]), 1)[0]
    np.testing.assert_array_equal(frames[0][0], reconstruction)
    np.testing.assert_array_equal(frames[-1][0], decoded(tiny_vae, "emoji", prior_latent(tiny_vae, "emoji", 3), 1))


def test_canvas_to_model_crops_the_centre_square_greys_and_inverts():
    image = np.zeros((10, 20, 3), np.uint8)
    image[:, 5:15] = 200  # the centre square is uniformly 200
    pixels = canvas_to_model(image, 4, 1, invert=True)
    assert pixels.shape == (1, 4, 4) and (pixels == 55).all()


def test_missing_weights_name_the_training_command(tiny_vae, monkeypatch, tmp_path):
    import gencanvas.plugins.vae_support as support

    monkeypatch.setattr(support, "weights_root", lambda: tmp_path)
    with pytest.raises(PluginError, match=re.escape("python -m gencanvas.models.train vae")):
        run(VAEInterpolate(), InterpolateParams(model="fashion"))


def test_absurd_parameters_are_rejected():
    with pytest.raises(ValueError):
        InterpolateParams(frames=1)
    with pytest.raises(ValueError):
        InterpolateParams(mode="cubic")


def test_latent_grid_grows_row_by_row_and_centres_on_the_origin(tiny_vae):
    params = LatentGridParams(model="fashion", side=3, span=1.0, upscale=1)
    result, frames = run(VAELatentGrid(), params)
    assert len(frames) == 3 and result.shape == (48, 48, 3)
    np.testing.assert_array_equal(frames[-1][0], result)
    middle = split(result, 9)[4]
    np.testing.assert_array_equal(middle, decoded(tiny_vae, "fashion", torch.zeros(4), 1))


def test_cli_writes_the_walk_as_an_animated_gif_and_a_png_strip(tiny_vae, tmp_path, capsys):
    from PIL import Image

    from gencanvas.cli import main

    Image.fromarray(canvas()).save(tmp_path / "photo.png")
    common = [
        "generate",
        "--plugin",
        "vae-interpolate",
        "--image",
        str(tmp_path / "photo.png"),
        "-q",
        "--param",
        "model=fashion",
        "--param",
        "frames=4",
        "--param",
        "upscale=1",
        "--param",
        "seed=2",
    ]
    assert main([*common, "-o", str(tmp_path / "walk.gif")]) == 0
    with Image.open(tmp_path / "walk.gif") as image:
        assert image.n_frames == 4 and image.size == (16, 16)
    assert main([*common, "--animate", "-o", str(tmp_path / "walk.png")]) == 0
    with Image.open(tmp_path / "walk.png") as image:
        assert image.size == (64, 16)
    assert '"plugin": "vae-interpolate"' in capsys.readouterr().out
