"""The one on-disk format for every model the project trains: config.json + model.safetensors.

Safetensors only: a weights file must be safe to open, so nothing here can unpickle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import torch
from safetensors.torch import load_file, save

from gencanvas.atomic import write_atomically
from gencanvas.models.json_config import JsonConfig

WEIGHT_FILES = ("config.json", "model.safetensors")
M = TypeVar("M", bound=torch.nn.Module)


def save_state(module: torch.nn.Module, folder: Path, filename: str = "model.safetensors") -> None:
    """Write ``module``'s weights as ``folder/filename`` (the caller writes config.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}
    save_tensors(state, folder / filename)


def save_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """A safetensors file written atomically: a crash mid-save leaves the previous file whole."""
    data = save(tensors, metadata={"format": "pt"})
    write_atomically(path, lambda file: file.write(data))


def load_state(folder: Path, kind: str) -> dict[str, torch.Tensor]:
    """The weights in ``folder``, or a FileNotFoundError saying which files are missing."""
    missing = [name for name in WEIGHT_FILES if not (folder / name).exists()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}: not a GenCanvas {kind} folder")
    return load_file(folder / "model.safetensors")


def save_model(model: torch.nn.Module, folder: Path) -> None:
    """``config.json`` (from ``model.config``) + ``model.safetensors``: how every trained model ships."""
    folder = Path(folder)
    save_state(model, folder)
    cast(JsonConfig, model.config).save(folder)


def load_model(
    network: Callable[[Any], M],
    config_type: Any,
    folder: Path,
    kind: str,
    device: torch.device | str = "cpu",
    dtype: torch.dtype | None = None,
) -> M:
    """``network(config_type.load(folder))`` with the folder's weights, in eval mode on ``device``."""
    folder = Path(folder)
    state = load_state(folder, kind)
    model = network(config_type.load(folder))
    model.load_state_dict(state)
    return model.to(device=device, dtype=dtype).eval()
