"""VAE weights on disk: ``config.json`` + ``model.safetensors``, never pickles."""

from __future__ import annotations

from pathlib import Path

import torch

from models.vae.config import VAEConfig
from models.vae.network import ConvVAE
from models.weight_files import load_state, save_state


def save_vae(model: ConvVAE, folder: Path) -> None:
    folder = Path(folder)
    save_state(model, folder)
    model.config.save(folder)


def load_vae(folder: Path, device: torch.device | str = "cpu") -> ConvVAE:
    folder = Path(folder)
    state = load_state(folder, "VAE")
    model = ConvVAE(VAEConfig.load(folder))
    model.load_state_dict(state)
    return model.to(device).eval()


def is_vae_folder(folder: Path) -> bool:
    """True for a weights folder whose config.json was written by :class:`VAEConfig`."""
    config = Path(folder) / "config.json"
    return config.is_file() and '"kind": "vae"' in config.read_text(encoding="utf-8")
