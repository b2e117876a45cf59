"""(sketch, image) training pairs built on the fly from any :class:`ImageCaptionDataset`.

A fresh sketch per visit (new style, thresholds, thickness, colour) is the augmentation that
matters here: the model never sees the same sketch twice, so it learns to read lines rather
than memorise one detector's output. ``fixed_seed`` makes the pairs repeatable for held-out
evaluation.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.pix2pix.sketches import STYLES, synthesize


def to_rgb(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W) with C = 1 or 3 → (N, 3, H, W): greyscale sets become grey photos."""
    return images.expand(-1, 3, -1, -1).contiguous() if images.shape[1] == 1 else images


def to_unit(pixels: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) → float (3, H, W) in [-1, 1], the range both networks work in."""
    return torch.from_numpy(pixels).permute(2, 0, 1).float().div(127.5).sub(1.0)


class SketchPairs(Dataset):
    """Item i: ``(sketch, image)`` float tensors in [-1, 1]; random flips and sketches unless ``fixed_seed``."""

    def __init__(
        self,
        dataset: ImageCaptionDataset,
        *,
        styles: tuple[str, ...] = STYLES,
        hint_probability: float = 0.3,
        fixed_seed: int | None = None,
        seed: int = 0,
    ) -> None:
        self.images = to_rgb(dataset.images).permute(0, 2, 3, 1).numpy()  # (N, H, W, 3) uint8, a view
        self.styles, self.hint_probability, self.fixed_seed = styles, hint_probability, fixed_seed
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.images)

    def pair(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The uint8 (sketch, image) for ``index``: the same every call when ``fixed_seed`` is set."""
        rng = self.rng if self.fixed_seed is None else np.random.default_rng((self.fixed_seed, index))
        image = np.ascontiguousarray(self.images[index])
        if self.fixed_seed is None and rng.random() < 0.5:
            image = np.ascontiguousarray(image[:, ::-1])
        return synthesize(image, rng, styles=self.styles, hint_probability=self.hint_probability), image

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        sketch, image = self.pair(index)
        return to_unit(sketch), to_unit(image)
