"""The one in-memory dataset type every loader returns, and the error for absent sources.

Keeping all sources (Fashion-MNIST, emoji glyphs, user folders) in a single uint8 tensor
type means the training code never cares where images came from, and uint8 keeps even
the 60k-image Fashion-MNIST train split at ~60 MB instead of ~240 MB as float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.data import Dataset


class DataSourceMissing(FileNotFoundError):
    """A dataset's files are not on this machine; the message names the install command.

    A subclass of FileNotFoundError so callers that already handle missing files keep
    working, while the UI and CLI can show the message to the user verbatim.
    """


@dataclass(eq=False, repr=False)
class ImageCaptionDataset(Dataset):
    """Square images with one caption each (and optional class labels), held in memory.

    ``images`` stays uint8 (N, C, H, W) for compactness; items are converted to float in
    [-1, 1] only when read, which is the range the generators train in.
    """

    images: torch.Tensor
    captions: list[str]
    labels: torch.Tensor | None = None
    class_names: list[str] | None = None
    name: str = "dataset"

    def __post_init__(self) -> None:
        """Reject inconsistent data here, not as a shape error deep inside a training step."""
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise ValueError(f"images must be uint8 (N, C, H, W), got {self.images.dtype} {tuple(self.images.shape)}")
        if self.images.shape[2] != self.images.shape[3]:
            raise ValueError(f"images must be square, got {tuple(self.images.shape[2:])}")
        if len(self.captions) != len(self.images):
            raise ValueError(f"{len(self.captions)} captions for {len(self.images)} images")
        if self.labels is not None and (self.labels.dtype != torch.int64 or self.labels.shape != (len(self.images),)):
            raise ValueError(f"labels must be int64 (N,), got {self.labels.dtype} {tuple(self.labels.shape)}")

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor | str | int]:
        """One sample as ``pixel_values`` (float32 in [-1, 1]), ``caption`` and ``label`` (-1: none)."""
        pixels = self.images[index].to(torch.float32) / 127.5 - 1.0
        label = int(self.labels[index]) if self.labels is not None else -1
        return {"pixel_values": pixels, "caption": self.captions[index], "label": label}

    def __repr__(self) -> str:
        return f"ImageCaptionDataset({self.name!r}, n={len(self)}, channels={self.channels}, size={self.size})"

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def size(self) -> int:
        """Side length in pixels (images are square)."""
        return int(self.images.shape[-1])

    def select(self, indices: list[int] | torch.Tensor, name: str | None = None) -> ImageCaptionDataset:
        """The images at ``indices``, in that order, with their captions and labels (splits, subsets, filters)."""
        index = torch.as_tensor(indices, dtype=torch.int64)
        return ImageCaptionDataset(
            images=self.images[index],
            captions=[self.captions[i] for i in index.tolist()],
            labels=self.labels[index] if self.labels is not None else None,
            class_names=self.class_names,
            name=self.name if name is None else name,
        )

    def subset(self, n: int, seed: int = 0) -> ImageCaptionDataset:
        """A random ``n``-image subset, the same for the same seed (quick runs, held-out sets).

        ``n`` larger than the dataset returns every image, so "at most n" callers need no
        length check. The picked images keep their source order.
        """
        if n < 0:
            raise ValueError(f"subset size must be >= 0, got {n}")
        generator = torch.Generator().manual_seed(seed)
        picked = torch.randperm(len(self), generator=generator)[:n].sort().values
        return self.select(picked, f"{self.name}[{min(n, len(self))}@{seed}]")
