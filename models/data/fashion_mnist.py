"""Fashion-MNIST from the Debian package's IDX files, parsed with numpy (no torchvision).

Padding the 28x28 images to 32x32 with background gives a power-of-two size that
U-Nets and VAEs downsample cleanly, without blurring the garments by resampling.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from PIL import Image

from gencanvas.models.data.dataset import DataSourceMissing, ImageCaptionDataset

DEFAULT_FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")
FASHION_INSTALL = "sudo apt-get install dataset-fashion-mnist"
FASHION_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
NATIVE_SIZE = 28
PADDED_SIZE = 32
_FILE_PREFIX = {"train": "train", "test": "t10k"}
_IDX_UBYTE = 0x08


def read_idx(path: Path, limit: int | None = None) -> np.ndarray:
    """Read a gzipped IDX file of unsigned bytes; with ``limit`` only the first N records.

    Reading the header first lets ``limit`` stop decompressing early, so a 100-image
    smoke test does not inflate the whole 26 MB train file.
    """
    with gzip.open(path, "rb") as stream:
        header = stream.read(4)
        if len(header) != 4 or header[:2] != b"\0\0" or header[2] != _IDX_UBYTE:
            raise ValueError(f"{path} is not an unsigned-byte IDX file (header {header!r})")
        ndim = header[3]
        shape = [int(d) for d in np.frombuffer(stream.read(4 * ndim), dtype=">u4")]
        if limit is not None:
            shape[0] = min(shape[0], limit)
        count = int(np.prod(shape))
        data = stream.read(count)
    if len(data) != count:
        raise ValueError(f"{path} is truncated: expected {count} bytes, got {len(data)}")
    return np.frombuffer(bytearray(data), dtype=np.uint8).reshape(shape)  # writable, so torch can share it


def _fit(images: np.ndarray, size: int) -> np.ndarray:
    """Bring (N, 28, 28) images to ``size``: pad with background for 32, else bilinear resize."""
    if size == NATIVE_SIZE:
        return images
    if size == PADDED_SIZE:
        pad = (PADDED_SIZE - NATIVE_SIZE) // 2
        return np.pad(images, ((0, 0), (pad, pad), (pad, pad)), constant_values=0)
    resample = Image.Resampling.BILINEAR
    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), resample)) for im in images])


def load_fashion_mnist(
    split: Literal["train", "test"] = "train",
    *,
    size: int = PADDED_SIZE,
    limit: int | None = None,
    root: Path = DEFAULT_FASHION_ROOT,
) -> ImageCaptionDataset:
    """Fashion-MNIST ``split`` as 1-channel ``size`` images captioned with their class name.

    ``limit`` keeps the first N images (in file order), which is fast because only they
    are decompressed.
    """
    if split not in _FILE_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if size < 1 or (limit is not None and limit < 0):
        raise ValueError(f"size must be >= 1 and limit >= 0, got size={size}, limit={limit}")
    root = Path(root)
    prefix = _FILE_PREFIX[split]
    image_file = root / f"{prefix}-images-idx3-ubyte.gz"
    label_file = root / f"{prefix}-labels-idx1-ubyte.gz"
    missing = [f.name for f in (image_file, label_file) if not f.is_file()]
    if missing:
        raise DataSourceMissing(
            f"Fashion-MNIST not found in {root} (missing {', '.join(missing)}). Install it with: {FASHION_INSTALL}"
        )
    images = read_idx(image_file, limit)
    labels = read_idx(label_file, limit)
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (NATIVE_SIZE, NATIVE_SIZE):
        raise ValueError(f"Fashion-MNIST files in {root} disagree: images {images.shape}, labels {labels.shape}")
    pixels = torch.from_numpy(_fit(images, size)).unsqueeze(1)
    return ImageCaptionDataset(
        images=pixels,
        captions=[FASHION_CLASSES[label] for label in labels.tolist()],
        labels=torch.from_numpy(labels.astype(np.int64)),
        class_names=list(FASHION_CLASSES),
        name=f"fashion-mnist-{split}",
    )
