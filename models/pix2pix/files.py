"""Generator weights on disk: ``config.json`` + ``model.safetensors`` (the critic is not shipped)."""

from __future__ import annotations

from pathlib import Path

import torch

from models.pix2pix.config import Pix2PixConfig
from models.pix2pix.network import UNetGenerator
from models.weight_files import load_state, save_state


def is_pix2pix_folder(folder: Path) -> bool:
    """True for a weights folder whose config.json describes a pix2pix generator."""
    config = Path(folder) / "config.json"
    return config.exists() and '"sketch_styles"' in config.read_text(encoding="utf-8")


def save_generator(model: UNetGenerator, folder: Path) -> None:
    folder = Path(folder)
    save_state(model, folder)
    model.config.save(folder)


def load_generator(folder: Path, device: torch.device | str = "cpu") -> UNetGenerator:
    folder = Path(folder)
    state = load_state(folder, "pix2pix model")
    model = UNetGenerator(Pix2PixConfig.load(folder))
    model.load_state_dict(state)
    return model.to(device).eval()

