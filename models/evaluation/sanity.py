"""Degraded real images every evaluation table scores beside the model: proof the metric can tell.

A feature space in which blurred or scrambled real images sit as close to the test set as
other real images would call any blob "close to real". Two fixed degradations of the real
training images therefore get their own rows: a Gaussian blur (σ = 2 px at 64 px, scaled
with the side) keeps colours and layout but loses every edge; shuffling an 8×8 grid of
patches keeps every local texture but loses the shape. A usable metric puts both far
above the real-vs-real floor.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

BLUR_SIGMA_AT_64 = 2.0
PATCH_GRID = 8
BLURRED, SHUFFLED = "sanity: real blurred (σ = 2 px at 64 px)", "sanity: real, 8×8 patches shuffled"


def blur_sigma(size: int) -> float:
    """The blur's σ in pixels for ``size``-px images: 2 px at 64 px, 1 px at 32 px."""
    return BLUR_SIGMA_AT_64 * size / 64


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """uint8 (N, C, H, W) blurred with a separable Gaussian (reflected edges), as uint8."""
    radius = max(1, math.ceil(3 * sigma))
    taps = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / sigma) ** 2)
    taps = taps / taps.sum()
    n, c, h, w = images.shape
    x = images.float().reshape(n * c, 1, h, w)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"), taps.view(1, 1, 1, -1))
    x = F.conv2d(F.pad(x, (0, 0, radius, radius), mode="reflect"), taps.view(1, 1, -1, 1))
    return x.reshape(n, c, h, w).round().clamp(0, 255).to(torch.uint8)


def shuffle_patches(images: torch.Tensor, grid: int = PATCH_GRID, seed: int = 0) -> torch.Tensor:
    """Each image cut into ``grid`` × ``grid`` patches laid out in its own random order (sides divisible by grid)."""
    n, c, h, w = images.shape
    if h % grid or w % grid:
        raise ValueError(f"a {h}x{w} image does not split into a {grid}x{grid} grid of patches")
    ph, pw = h // grid, w // grid
    patches = images.reshape(n, c, grid, ph, grid, pw).permute(0, 2, 4, 1, 3, 5).reshape(n, grid * grid, c, ph, pw)
    generator = torch.Generator().manual_seed(seed)
    order = torch.stack([torch.randperm(grid * grid, generator=generator) for _ in range(n)])
    patches = patches[torch.arange(n)[:, None], order]
    return patches.reshape(n, grid, grid, c, ph, pw).permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w).contiguous()


def sanity_sets(real: torch.Tensor, seed: int = 0) -> dict[str, torch.Tensor]:
    """Row name → degraded copy of the uint8 ``real`` images (the training images the floor row uses)."""
    return {BLURRED: gaussian_blur(real, blur_sigma(real.shape[-1])), SHUFFLED: shuffle_patches(real, seed=seed)}
