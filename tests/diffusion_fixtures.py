"""A tiny random diffusion model saved where the plugins look for bundled weights."""

from __future__ import annotations

from pathlib import Path

import pytest


def save_tiny_model(folder: Path, channels: int = 1, size: int = 16) -> Path:
    import torch

    from gencanvas.models.diffusion.config import DiffusionConfig
    from gencanvas.models.diffusion.files import save_model
    from gencanvas.models.diffusion.network import TextConditionedUNet

    torch.manual_seed(0)
    save_model(TextConditionedUNet(DiffusionConfig.from_preset("tiny", image_size=size, channels=channels)), folder)
    return folder


@pytest.fixture(scope="session")
def tiny_weights_root(tmp_path_factory) -> Path:
    from gencanvas.plugins.diffusion_support import available_models

    root = tmp_path_factory.mktemp("weights")
    for name in {*available_models(), "fashion"}:
        save_tiny_model(root / name)
    return root


@pytest.fixture
def tiny_diffusion(monkeypatch, tiny_weights_root) -> Path:
    """Point the diffusion plugins at tiny random models (fast, no shipped weights needed)."""
    import gencanvas.plugins.diffusion_support as support

    monkeypatch.setattr(support, "weights_root", lambda: tiny_weights_root)
    return tiny_weights_root
