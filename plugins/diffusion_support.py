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
# MiniLM cosine below which a prompt is outside a model's vocabulary: 1 % of the held-out emoji
# captions (unseen, in-domain prompts) score below it against the training captions; "a red sports
# car" scores 0.27 against the fashion classes (benchmarks/prompt_vocabulary.py).
VOCABULARY_THRESHOLD = 0.38


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


def summary(name: str) -> str | None:
    """What the bundled model ``name`` knows, for the panel (config.json only: instant, no torch)."""
    from gencanvas.models.domain import model_summary

    return model_summary(weights_root() / name)


def known_captions(name: str) -> list[str]:
    """The prompts the bundled model ``name`` was trained on ([] when unknown)."""
    from gencanvas.models.domain import known_captions as captions_of

    return captions_of(weights_root() / name)


def nearest_known_prompts(ctx: RunContext, name: str, prompt: str, k: int = 3) -> tuple[float, list[str]]:
    """(best MiniLM cosine of ``prompt`` to the model's known captions, the ``k`` nearest); (1, []) if none known."""
    import torch

    known = known_captions(name)
    if not known:
        return 1.0, []

    from gencanvas.models.diffusion.text import TextEncoder

    encoder = ctx.models.get(("minilm", str(ctx.device)), lambda: TextEncoder(ctx.device))

    def normalised(prompts: list[str]) -> torch.Tensor:  # no ctx.models inside: its lock is not re-entrant
        return torch.nn.functional.normalize(encoder.encode(prompts).float().cpu(), dim=1)

    table = ctx.models.get(("caption-embeddings", name, str(ctx.device)), lambda: normalised(known))
    cosines = table @ normalised([prompt])[0]
    best = cosines.topk(min(k, len(known)))
    return float(best.values[0]), [known[i] for i in best.indices.tolist()]


def warn_if_off_vocabulary(ctx: RunContext, name: str, prompt: str) -> None:
    """Notify (the job still runs) when ``prompt`` is far from every caption the model ``name`` knows."""
    if not prompt.strip():
        return
    best, nearest = nearest_known_prompts(ctx, name, prompt)
    if nearest and best < VOCABULARY_THRESHOLD:
        ctx.notify(
            f"“{prompt}” is far from everything the {name} model was trained on; nearest known prompts: "
            + ", ".join(f"“{p}”" for p in nearest)
            + ". Drawing anyway."
        )


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


def warn_if_off_domain(ctx: RunContext, folder: Path, pixels: np.ndarray, where: str = "The canvas") -> None:
    """Notify (the job still runs) when ``pixels`` (uint8 H, W, C) are far from the images the model in
    ``folder`` was trained on. Shared by every own-model plugin that reads the canvas; plain numpy, silent
    when the model's domain has no statistics."""
    from gencanvas.models.domain import off_domain_message

    message = off_domain_message(folder, pixels, where)
    if message:
        ctx.notify(message)
