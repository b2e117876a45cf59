"""What the StyleGAN plugin needs around the model: finding bundled folders, their direction
names (read from json, so building the slider form never imports torch), loading once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gencanvas.core.resources import resource_path
from gencanvas.models.json_config import model_folders  # plain json: no torch import
from gencanvas.plugin_api import PluginError, RunContext

if TYPE_CHECKING:  # pragma: no cover
    import torch

TRAIN_HINT = (
    "python -m gencanvas.models.train stylegan --data emoji-faces --channels 64,64,32,16,8 "
    "--out resources/weights/stylegan-emoji-faces, then "
    "python -m gencanvas.models.stylegan.make_directions --model resources/weights/stylegan-emoji-faces"
)
DEFAULT_DIRECTIONS = ("pc1", "pc2", "pc3", "pc4", "pc5")


def weights_root() -> Path:
    return resource_path("weights")


def available_models() -> tuple[str, ...]:
    """Bundled StyleGAN models: folders under resources/weights whose config says so."""
    found = [folder.name for folder in model_folders(weights_root(), "stylegan")]
    return tuple(found) or ("stylegan-emoji-faces",)


def direction_owners(models: tuple[str, ...]) -> dict[str, list[str]]:
    """Each direction name (principal components first) → the models that ship it; one slider per name."""
    owners: dict[str, list[str]] = {}
    for model in models:
        path = weights_root() / model / "directions.json"
        if path.exists():
            for name in json.loads(path.read_text("utf-8"))["names"]:
                owners.setdefault(name, []).append(model)
    if not owners:
        owners = {name: list(models) for name in DEFAULT_DIRECTIONS}
    order = list(owners)
    return dict(sorted(owners.items(), key=lambda item: (not item[0].startswith("pc"), order.index(item[0]))))


def model_directions(model: str) -> tuple[str, ...]:
    """The direction names ``model`` ships (principal components first), or the default PCs when unreadable.

    Asked on every form edit, so the file is read again only when it changes.
    """
    path = weights_root() / model / "directions.json"
    try:
        return _direction_names(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_DIRECTIONS


@lru_cache(maxsize=32)
def _direction_names(path: str, _mtime_ns: int) -> tuple[str, ...]:
    names = [str(name) for name in json.loads(Path(path).read_text("utf-8"))["names"]]
    return tuple(sorted(names, key=lambda name: (not name.startswith("pc"), names.index(name))))


def max_layers(models: tuple[str, ...]) -> int:
    """Style inputs of the deepest bundled model (the layer-range sliders' upper bound)."""
    counts = []
    for model in models:
        path = weights_root() / model / "config.json"
        if path.exists():
            counts.append(2 * len(json.loads(path.read_text("utf-8"))["channels"]))
    return max(counts, default=10)


@dataclass
class LoadedStyleGAN:
    generator: Any  # gencanvas.models.stylegan.network.Generator
    directions: Any  # gencanvas.models.stylegan.directions.Directions


def load_stylegan(ctx: RunContext, name: str) -> LoadedStyleGAN:
    """Generator and directions on the job's device, from the worker's cache after the first load."""
    folder = weights_root() / name
    if not (folder / "model.safetensors").exists():
        raise PluginError(
            f"The StyleGAN model '{name}' is not installed (looked in {folder}). Train it with: {TRAIN_HINT}"
        )

    def load() -> LoadedStyleGAN:
        from gencanvas.models.stylegan.directions import Directions
        from gencanvas.models.stylegan.files import load_generator

        generator = load_generator(folder, ctx.device)
        if not (folder / "directions.json").exists():
            raise PluginError(f"{folder} has no directions; compute them with: {TRAIN_HINT.split(', then ')[1]}")
        return LoadedStyleGAN(generator, Directions.load(folder).to(ctx.device))

    loaded: LoadedStyleGAN = ctx.models.get(("stylegan", name, str(ctx.device)), load)
    return loaded


def to_rgb_uint8(images: torch.Tensor) -> np.ndarray:
    """(1, C, H, W) in [-1, 1] → (H, W, 3) uint8; grey models are repeated to RGB."""
    pixels: np.ndarray = (
        ((images[0].detach().float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    )
    return pixels.repeat(3, axis=2) if pixels.shape[2] == 1 else pixels
