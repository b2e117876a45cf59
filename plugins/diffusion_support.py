"""What the two diffusion plugins share: finding bundled models, loading them once, pixels.

Torch is imported inside the functions that need it, so importing this module (which the
panel does to read the parameter schemas) stays instant.
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

TRAIN_HINT = "python -m gencanvas.models.train diffusion --data fashion-mnist --out resources/weights/fashion"


def weights_root() -> Path:
    return resource_path("weights")


def available_models() -> tuple[str, ...]:
    """Bundled diffusion models: folders under resources/weights whose config names a diffusion net."""
    root = weights_root()
    found = [folder.name for folder in model_folders(root, "diffusion")]
    return tuple(found) or ("fashion",)


def default_guidance(name: str) -> float:
    """The guidance a bundled model was evaluated at (its config.json), read without torch."""
    from gencanvas.models.diffusion.config import DiffusionConfig  # plain data: no torch import

    try:
        return DiffusionConfig.load(weights_root() / name).default_guidance
    except (OSError, ValueError, KeyError, TypeError):  # not installed or unreadable: the run itself says what to do
        return DiffusionConfig.default_guidance


def load_diffusion(ctx: RunContext, name: str) -> Any:
    """The model ``name`` on the job's device, from the worker's cache after the first load."""
    from gencanvas.models.diffusion.files import load_model

    folder = weights_root() / name
    if not (folder / "model.safetensors").exists():
        raise PluginError(
            f"The diffusion model '{name}' is not installed (looked in {folder}). Train it with: {TRAIN_HINT}"
        )
    return ctx.models.get(("diffusion", name, str(ctx.device)), lambda: load_model(folder, ctx.device))


def encode_prompts(ctx: RunContext, prompts: list[str]) -> torch.Tensor:
    """Sentence embeddings on the job's device; the encoder and its prompt cache live in the model cache."""
    from gencanvas.models.diffusion.text import TextEncoder

    encoder = ctx.models.get(("minilm", str(ctx.device)), lambda: TextEncoder(ctx.device))
    embeddings: torch.Tensor = encoder.encode(prompts)
    return embeddings


def to_rgb_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] → one RGB uint8 image, tiled in a near-square grid when N > 1."""
    from gencanvas.models.diffusion.images import image_grid

    grid = image_grid(images)
    return np.repeat(grid, 3, axis=2) if grid.shape[2] == 1 else grid
