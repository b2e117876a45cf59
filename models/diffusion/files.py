"""Weights on disk: ``config.json`` + ``model.safetensors`` (EMA weights), never pickles."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from models.diffusion.config import DiffusionConfig
from models.diffusion.network import TextConditionedUNet


def save_model(model: TextConditionedUNet, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save(folder)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})


def load_model(folder: Path, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> TextConditionedUNet:
    folder = Path(folder)
    missing = [name for name in ("config.json", "model.safetensors") if not (folder / name).exists()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}: not a GenCanvas diffusion model folder")
    model = TextConditionedUNet(DiffusionConfig.load(folder))
    model.load_state_dict(load_file(folder / "model.safetensors"))
    return model.to(device=device, dtype=dtype).eval()
