"""Tiny random VAEs saved where the VAE plugins look for bundled weights."""

from __future__ import annotations

from pathlib import Path

import pytest


def save_tiny_vae(folder: Path, channels: int = 1, size: int = 16, seed: int = 0) -> Path:
    import torch

    from gencanvas.models.vae.config import VAEConfig
    from gencanvas.models.vae.files import save_vae
    from gencanvas.models.vae.network import ConvVAE

    torch.manual_seed(seed)
    save_vae(ConvVAE(VAEConfig.from_preset("tiny", image_size=size, channels=channels)), folder)
    return folder


@pytest.fixture(scope="session")
def tiny_vae_root(tmp_path_factory) -> Path:
    from gencanvas.plugins.vae_support import PREFIX, available_models

    root = tmp_path_factory.mktemp("vae-weights")
    for name in {*available_models(), "fashion", "emoji"}:
        save_tiny_vae(root / f"{PREFIX}{name}", channels=1 if name == "fashion" else 3)
    return root


@pytest.fixture
def tiny_vae(monkeypatch, tiny_vae_root) -> Path:
    """Point the VAE plugins at tiny random models (fast, no shipped weights needed)."""
    import gencanvas.plugins.vae_support as support

    monkeypatch.setattr(support, "weights_root", lambda: tiny_vae_root)
    return tiny_vae_root
