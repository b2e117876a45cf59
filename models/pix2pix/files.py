"""Generator weights on disk: ``config.json`` + ``model.safetensors`` (the critic is not shipped)."""

from __future__ import annotations

from pathlib import Path

import torch

from gencanvas.models.pix2pix.config import Pix2PixConfig
from gencanvas.models.pix2pix.network import UNetGenerator
from gencanvas.models.weight_files import load_model, save_model


def save_generator(model: UNetGenerator, folder: Path) -> None:
    save_model(model, folder)


def load_generator(folder: Path, device: torch.device | str = "cpu") -> UNetGenerator:
    return load_model(UNetGenerator, Pix2PixConfig, folder, "pix2pix model", device)
