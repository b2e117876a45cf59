"""The one on-disk format for every model the project trains: config.json + model.safetensors.

Safetensors only: a weights file must be safe to open, so nothing here can unpickle.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WEIGHT_FILES = ("config.json", "model.safetensors")


def save_state(module: torch.nn.Module, folder: Path, filename: str = "model.safetensors") -> None:
    """Write ``module``'s weights as ``folder/filename`` (the caller writes config.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}
    save_file(state, folder / filename, metadata={"format": "pt"})


def load_state(folder: Path, kind: str) -> dict[str, torch.Tensor]:
    """The weights in ``folder``, or a FileNotFoundError saying which files are missing."""
    missing = [name for name in WEIGHT_FILES if not (folder / name).exists()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}: not a GenCanvas {kind} folder")
    return load_file(folder / "model.safetensors")
