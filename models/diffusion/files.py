"""Weights on disk: ``config.json`` + ``model.safetensors`` (EMA weights), never pickles."""

from __future__ import annotations

from pathlib import Path

import torch

from gencanvas.models import weight_files
from gencanvas.models.diffusion.config import DiffusionConfig
from gencanvas.models.diffusion.network import TextConditionedUNet


def save_model(model: TextConditionedUNet, folder: Path) -> None:
    weight_files.save_model(model, folder)


def load_model(
    folder: Path, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32
) -> TextConditionedUNet:
    return weight_files.load_model(TextConditionedUNet, DiffusionConfig, folder, "diffusion model", device, dtype)
