"""A tiny random StyleGAN (16 px) with directions, saved where the plugin looks for bundled weights."""

from __future__ import annotations

from pathlib import Path

import pytest


def save_tiny_stylegan(folder: Path, names: tuple[str, ...], size: int = 16, channels: int = 3) -> Path:
    """Seeded tiny generator plus directions: PCA for pc*, random unit vectors for the labelled names."""
    import torch

    from gencanvas.models.stylegan.config import StyleGANConfig
    from gencanvas.models.stylegan.directions import Directions, combine, pca_directions, sample_w
    from gencanvas.models.stylegan.files import save_generator
    from gencanvas.models.stylegan.network import Generator

    torch.manual_seed(0)
    G = Generator(StyleGANConfig.from_preset("tiny", image_size=size, channels_out=channels)).eval()
    with torch.no_grad():
        G.mapping.w_avg.copy_(sample_w(G, 500).mean(0))
        for conv in G.synthesis.convs:
            conv.noise_strength.fill_(0.1)
    save_generator(G, folder)
    pcs = [n for n in names if n.startswith("pc")]
    labelled = [n for n in names if not n.startswith("pc")]
    vectors = torch.nn.functional.normalize(torch.randn(len(labelled), G.config.w_dim), dim=1)
    combine(
        pca_directions(sample_w(G, 500), len(pcs)),
        Directions(labelled, vectors, torch.ones(len(labelled)), ["label"] * len(labelled)),
    ).save(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_stylegan_root(tmp_path_factory) -> Path:
    from gencanvas.plugins.stylegan_edit import DIRECTIONS
    from gencanvas.plugins.stylegan_support import available_models

    root = tmp_path_factory.mktemp("stylegan-weights")
    for name in available_models():
        save_tiny_stylegan(root / name, DIRECTIONS)
    return root


@pytest.fixture
def tiny_stylegan(monkeypatch, tiny_stylegan_root) -> Path:
    """Point the StyleGAN plugin at tiny random models (fast, no shipped weights needed)."""
    import gencanvas.plugins.stylegan_support as support

    monkeypatch.setattr(support, "weights_root", lambda: tiny_stylegan_root)
    return tiny_stylegan_root
