"""A user's own folder of images (with optional sidecar captions) as a training set."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from gencanvas.models.data.dataset import DataSourceMissing, ImageCaptionDataset

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp"})


def image_files(folder: Path) -> list[Path]:
    """Image files under ``folder`` (recursive), sorted so the order is the same everywhere."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def caption_for(path: Path) -> str:
    """The sidecar ``name.txt`` text if there is one, else the stem: 'red_fox-01' -> 'red fox 01'."""
    sidecar = path.with_suffix(".txt")
    if sidecar.is_file():
        text = " ".join(sidecar.read_text(encoding="utf-8", errors="replace").split())
        if text:
            return text
    return " ".join(path.stem.replace("_", " ").replace("-", " ").split())


def to_square_rgb(image: Image.Image, size: int) -> Image.Image:
    """Upright (EXIF), RGB with transparency shown as white, centre-cropped to ``size``.

    White rather than black behind transparent pixels matches how icons and cut-outs
    look in viewers, and matches the emoji set's background.
    """
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image.alpha_composite(rgba)
    return ImageOps.fit(image.convert("RGB"), (size, size), Image.Resampling.LANCZOS)


def load_image_folder(folder: Path, *, size: int = 64, limit: int | None = None) -> ImageCaptionDataset:
    """Every readable image in ``folder`` as RGB ``size`` x ``size``; ``limit`` keeps the first N.

    Unreadable files are skipped with a warning, since one bad download should not stop a
    training run over thousands of good images.
    """
    if size < 1 or (limit is not None and limit < 0):
        raise ValueError(f"size must be >= 1 and limit >= 0, got size={size}, limit={limit}")
    folder = Path(folder)
    if not folder.is_dir():
        raise DataSourceMissing(f"Image folder not found: {folder}")
    images: list[np.ndarray] = []
    captions: list[str] = []
    for path in image_files(folder):
        if limit is not None and len(images) >= limit:
            break
        try:
            with Image.open(path) as opened:
                opened.load()
                square = to_square_rgb(opened, size)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            log.warning("Skipping unreadable image %s: %s", path, exc)
            continue
        images.append(np.asarray(square).transpose(2, 0, 1))
        captions.append(caption_for(path))
    if not images and limit != 0:
        suffixes = ", ".join(sorted(s.lstrip(".") for s in IMAGE_SUFFIXES))
        raise ValueError(f"No readable images ({suffixes}) found in {folder}")
    pixels = np.stack(images) if images else np.zeros((0, 3, size, size), dtype=np.uint8)
    return ImageCaptionDataset(images=torch.from_numpy(pixels), captions=captions, name=folder.name or str(folder))
