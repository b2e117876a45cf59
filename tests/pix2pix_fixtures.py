"""Tiny random pix2pix generators saved where the sketch-to-photo plugin looks for bundled weights."""

from __future__ import annotations

from pathlib import Path

import pytest


def save_tiny_generator(folder: Path, size: int = 16, seed: int = 0) -> Path:
    import torch

    from gencanvas.models.pix2pix import Pix2PixConfig, UNetGenerator, save_generator

    torch.manual_seed(seed)
    save_generator(UNetGenerator(Pix2PixConfig.from_preset("tiny", image_size=size)).eval(), folder)
    return folder


@pytest.fixture(scope="session")
def tiny_pix2pix_root(tmp_path_factory) -> Path:
    from gencanvas.plugins.pix2pix_sketch import available_models

    root = tmp_path_factory.mktemp("pix2pix-weights")
    for name in available_models():
        save_tiny_generator(root / name)
    return root


@pytest.fixture
def tiny_pix2pix(monkeypatch, tiny_pix2pix_root) -> Path:
    """Point the sketch-to-photo plugin at tiny random generators (fast, no shipped weights needed)."""
    import gencanvas.plugins.pix2pix_sketch as plugin

    monkeypatch.setattr(plugin, "weights_root", lambda: tiny_pix2pix_root)
    return tiny_pix2pix_root
