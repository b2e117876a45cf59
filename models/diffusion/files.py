"""Weights on disk: ``config.json`` + ``model.safetensors`` (EMA weights), never pickles."""

from __future__ import annotations

from pathlib import Path

import torch

from models.diffusion.config import DiffusionConfig
from models.diffusion.network import TextConditionedUNet
from models.weight_files import load_state, save_state


def save_model(model: TextConditionedUNet, folder: Path) -> None:
    folder = Path(folder)
    save_state(model, folder)
    model.config.save(folder)


def load_model(folder: Path, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> TextConditionedUNet:
    folder = Path(folder)
    state = load_state(folder, "diffusion model")
    model = TextConditionedUNet(DiffusionConfig.load(folder))
    model.load_state_dict(state)
    return model.to(device=device, dtype=dtype).eval()
