"""Model output in [-1, 1] to uint8 pixels, tiled as a grid: shared by sample grids and the plugins."""

from __future__ import annotations

import math

import numpy as np
import torch


def image_grid(images: torch.Tensor, columns: int | None = None) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] → (rows·H, columns·W, C) uint8 on white; near-square when ``columns`` is None."""
    pixels = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    n, c, h, w = pixels.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * h, columns * w, c), 255, np.uint8)
    for i, image in enumerate(pixels.transpose(0, 2, 3, 1)):
        grid[(i // columns) * h : (i // columns + 1) * h, (i % columns) * w : (i % columns + 1) * w] = image
    return grid
