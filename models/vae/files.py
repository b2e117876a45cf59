"""VAE weights on disk: ``config.json`` + ``model.safetensors``, never pickles."""

from __future__ import annotations

from pathlib import Path

import torch

from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.network import ConvVAE
from gencanvas.models.weight_files import load_model, save_model


def save_vae(model: ConvVAE, folder: Path) -> None:
    save_model(model, folder)


def load_vae(folder: Path, device: torch.device | str = "cpu") -> ConvVAE:
    return load_model(ConvVAE, VAEConfig, folder, "VAE", device)
