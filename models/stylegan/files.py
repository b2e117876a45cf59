"""StyleGAN weights on disk: config.json + model.safetensors (EMA generator) + directions.safetensors."""

from __future__ import annotations

from pathlib import Path

import torch

from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.network import Generator
from gencanvas.models.weight_files import load_model, save_model


def save_generator(generator: Generator, folder: Path) -> None:
    save_model(generator, folder)


def load_generator(folder: Path, device: torch.device | str = "cpu") -> Generator:
    return load_model(Generator, StyleGANConfig, folder, "StyleGAN model", device).requires_grad_(False)
