"""StyleGAN weights on disk: config.json + model.safetensors (EMA generator) + directions.safetensors."""

from __future__ import annotations

from pathlib import Path

import torch

from models.stylegan.config import StyleGANConfig
from models.stylegan.network import Generator
from models.weight_files import load_state, save_state


def save_generator(generator: Generator, folder: Path) -> None:
    folder = Path(folder)
    save_state(generator, folder)
    generator.config.save(folder)


def load_generator(folder: Path, device: torch.device | str = "cpu") -> Generator:
    folder = Path(folder)
    state = load_state(folder, "StyleGAN model")
    generator = Generator(StyleGANConfig.load(folder))
    generator.load_state_dict(state)
    return generator.to(device).eval().requires_grad_(False)
