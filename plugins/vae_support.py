"""What the VAE plugins share: finding bundled VAEs, loading them once, latents, frames.

Bundled VAEs live in ``resources/weights/vae-<name>``; the panel offers them by ``<name>``.
Torch is imported inside functions so reading the parameter schemas stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gencanvas.core.resources import resource_path
from gencanvas.models.json_config import model_folders  # plain json: no torch import
from gencanvas.plugin_api import PluginError, RunContext

if TYPE_CHECKING:  # pragma: no cover
    import torch

PREFIX = "vae-"
TRAIN_HINT = "python -m gencanvas.models.train vae --data fashion-mnist --out resources/weights/vae-fashion"


def weights_root() -> Path:
    return resource_path("weights")


def available_models() -> tuple[str, ...]:
    """Names of bundled VAEs (folder name without the prefix), e.g. ('emoji', 'fashion')."""
    root = weights_root()
    found = [f.name[len(PREFIX) :] for f in model_folders(root, "vae") if f.name.startswith(PREFIX)]
    return tuple(found) or ("emoji", "fashion")  # the bundled names: a missing one then says how to train it


def summary(name: str) -> str | None:
    """What the bundled VAE ``name`` knows, for the panel (config.json only: instant, no torch)."""
    from gencanvas.models.domain import model_summary

    return model_summary(weights_root() / f"{PREFIX}{name}")


def warn_if_canvas_off_domain(ctx: RunContext, name: str, image: np.ndarray, invert: bool) -> None:
    """Notify when the canvas, as the VAE ``name`` will see it, is far from the images it was trained on."""
    from gencanvas.plugins.diffusion_support import warn_if_off_domain

    config_size, channels = _size_and_channels(name)
    if config_size:
        pixels = canvas_to_model(image, config_size, channels, invert).transpose(1, 2, 0)
        warn_if_off_domain(ctx, weights_root() / f"{PREFIX}{name}", pixels)


def _size_and_channels(name: str) -> tuple[int, int]:
    import json

    try:
        config = json.loads((weights_root() / f"{PREFIX}{name}" / "config.json").read_text(encoding="utf-8"))
        return int(config["image_size"]), int(config["channels"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0


def load_vae_model(ctx: RunContext, name: str) -> Any:
    """The VAE ``name`` on the job's device, from the worker's cache after the first load."""
    from gencanvas.models.vae.files import load_vae

    folder = weights_root() / f"{PREFIX}{name}"
    if not (folder / "model.safetensors").exists():
        raise PluginError(f"The VAE '{name}' is not installed (looked in {folder}). Train it with: {TRAIN_HINT}")
    return ctx.models.get(("vae", name, str(ctx.device)), lambda: load_vae(folder, ctx.device))


def seeded_latent(model: Any, seed: int, temperature: float = 1.0) -> torch.Tensor:
    """A latent from the model's prior (N(0, I) or its fitted mixture) drawn from ``seed`` on the CPU.

    The same seed gives the same latent on every device; for an N(0, I) model it is
    ``randn(latent_dim) * temperature``, so seeds chosen before priors were fitted still work.
    """
    import torch

    return model.prior.sample(1, torch.Generator().manual_seed(seed), temperature)[0]


def seeded_direction(latent_dim: int, seed: int) -> torch.Tensor:
    """A random direction in latent space from ``seed`` (N(0, I), whatever the prior): an axis for the grid."""
    import torch

    return torch.randn(latent_dim, generator=torch.Generator().manual_seed(seed))


def canvas_to_model(image: np.ndarray, size: int, channels: int, invert: bool) -> np.ndarray:
    """RGB canvas → centre square → ``size``² pixels with the model's channels, uint8 (C, H, W)."""
    import cv2

    if image.ndim != 3 or image.shape[2] < 3 or not image.size:
        raise PluginError("The canvas image is empty: open or paste a picture first, or start from a seed.")
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = np.ascontiguousarray(image[top : top + side, left : left + side, :3])
    pixels = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    if channels == 1:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)[..., None]
    if invert:
        pixels = 255 - pixels
    return pixels.transpose(2, 0, 1)


def encode_canvas(model: Any, image: np.ndarray, invert: bool) -> torch.Tensor:
    """The posterior mean of the canvas image: decoding it gives the VAE's reconstruction."""
    import torch

    config = model.config
    pixels = canvas_to_model(image, config.image_size, config.channels, invert)
    device = next(model.parameters()).device
    x = torch.from_numpy(pixels).float().div(127.5).sub(1).unsqueeze(0).to(device)
    mean: torch.Tensor = model.posterior_mean(x)[0].cpu()
    return mean


def frames_to_rgb(images: torch.Tensor, upscale: int) -> list[np.ndarray]:
    """(N, C, H, W) in [-1, 1] → N RGB uint8 frames, each enlarged ``upscale`` times (nearest: crisp pixels)."""
    pixels = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    frames = []
    for frame in pixels.transpose(0, 2, 3, 1):
        frame = np.repeat(frame, 3, axis=2) if frame.shape[2] == 1 else frame
        frames.append(np.ascontiguousarray(frame.repeat(upscale, axis=0).repeat(upscale, axis=1)))
    return frames
