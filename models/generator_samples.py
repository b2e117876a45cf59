"""Samples of a shipped unconditional generator (VAE prior, StyleGAN), chosen by its config's ``kind``.

The evaluation scores what the app shows: VAE decodes of z ~ N(0, I); StyleGAN images with
constant noise, untruncated and at the model's default truncation ψ, and at that ψ with the
noise off (the edit plugin's other setting).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F


def _resized(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 images at the classifier's side (area average down, bilinear up)."""
    if images.shape[-1] == size:
        return images
    mode = "area" if images.shape[-1] > size else "bilinear"
    return F.interpolate(images.float(), size=(size, size), mode=mode).round().clamp(0, 255).to(torch.uint8)


def _synthesis_uint8(G, w: torch.Tensor, psi: float, noise_mode: str) -> torch.Tensor:
    ws = G.truncate(w, psi)[:, None].repeat(1, G.num_ws, 1)
    return ((G.synthesis(ws, noise_mode=noise_mode).clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()


@torch.no_grad()
def generate(
    folder: Path, n: int, size: int, seed: int = 0, device: torch.device | str = "cpu"
) -> Iterator[tuple[str, torch.Tensor, float]]:
    """(row name, uint8 (n, C, size, size) images, seconds spent generating) per setting of the model in ``folder``."""
    kind = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8")).get("kind")
    if kind == "vae":
        from gencanvas.models.vae.files import load_vae
        from gencanvas.models.vae.metrics import prior_samples

        began = time.perf_counter()
        images = prior_samples(load_vae(folder, device), n, seed)
        yield "VAE prior samples", _resized(images, size), time.perf_counter() - began
    elif kind == "stylegan":
        from gencanvas.models.stylegan.directions import generate_uint8, sample_w
        from gencanvas.models.stylegan.files import load_generator

        G = load_generator(folder, device)
        w = sample_w(G, n, seed=seed)
        for psi in dict.fromkeys((1.0, G.config.default_truncation)):
            began = time.perf_counter()
            images = generate_uint8(G, w, psi)
            yield f"StyleGAN ψ = {psi}", _resized(images.cpu(), size), time.perf_counter() - began
        # The edit plugin's other noise setting: which one the model looks best with sets its default.
        psi = G.config.default_truncation
        began = time.perf_counter()
        images = torch.cat([_synthesis_uint8(G, chunk, psi, "none") for chunk in w.split(250)])
        yield f"StyleGAN ψ = {psi}, noise off", _resized(images, size), time.perf_counter() - began
    else:
        raise SystemExit(f"{folder} holds a {kind!r} model; `samples` evaluates vae and stylegan models")
