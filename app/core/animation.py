"""Frame sequences as pictures: contact sheets, strips and animated GIF/WebP files.

A plugin that makes a sequence (the VAE interpolation) returns it as a near-square
contact sheet, because the canvas stretches a result over the whole document and a long
strip would be squashed. Exporting cuts the sheet back into frames and writes them as a
horizontal PNG strip, an animated GIF or an animated WebP. Qt-free: the GUI action, the
CLI and the tests share it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from gencanvas.atomic import write_atomically
from gencanvas.core.image_io import save_image
from gencanvas.core.metadata import GenerationMetadata

ANIMATION_SUFFIXES = {".gif": "GIF", ".webp": "WEBP"}
EXPORT_SUFFIXES = (".gif", ".webp", ".png")
EXPORT_FILTER = "Animated GIF (*.gif);;Animated WebP (*.webp);;PNG strip (*.png)"
FRAME_COUNT_PARAMS = ("frames", "batch")  # parameters that say how many frames a result holds


def sheet_columns(count: int) -> int:
    """Columns of the near-square sheet for ``count`` frames (the layout diffusion grids use too)."""
    return max(1, math.ceil(math.sqrt(count)))


def tile(frames: Sequence[np.ndarray], columns: int | None = None) -> np.ndarray:
    """Equal-sized (H, W, 3) frames → one sheet in reading order, white where the last row is short."""
    if not frames:
        raise ValueError("no frames to tile")
    height, width = frames[0].shape[:2]
    if any(f.shape != frames[0].shape for f in frames):
        raise ValueError("all frames must have the same shape")
    columns = columns or sheet_columns(len(frames))
    rows = math.ceil(len(frames) / columns)
    sheet = np.full((rows * height, columns * width, frames[0].shape[2]), 255, np.uint8)
    for i, frame in enumerate(frames):
        r, c = divmod(i, columns)
        sheet[r * height : (r + 1) * height, c * width : (c + 1) * width] = frame
    return sheet


def split(sheet: np.ndarray, count: int, columns: int | None = None) -> list[np.ndarray]:
    """Cut a sheet made by :func:`tile` back into its ``count`` frames (a strip is one row: columns=count)."""
    columns = columns or sheet_columns(count)
    rows = math.ceil(count / columns)
    if count < 1 or sheet.shape[1] % columns or sheet.shape[0] % rows:
        raise ValueError(
            f"a {sheet.shape[1]}×{sheet.shape[0]} image does not split into {count} frames of {columns} columns"
        )
    height, width = sheet.shape[0] // rows, sheet.shape[1] // columns
    return [
        np.ascontiguousarray(
            sheet[
                (i // columns) * height : (i // columns + 1) * height, (i % columns) * width : (i % columns + 1) * width
            ]
        )
        for i in range(count)
    ]


def frames_of_result(pixels: np.ndarray, params: dict[str, Any] | None) -> list[np.ndarray]:
    """The frames a result holds: a sheet of ``frames``/``batch`` images per its parameters, else a strip of
    square frames when the image is a multiple of its height wide, else the image as one frame."""
    for name in FRAME_COUNT_PARAMS:
        count = (params or {}).get(name)
        if isinstance(count, int) and count > 1:
            try:
                return split(pixels, count)
            except ValueError:
                break
    height, width = pixels.shape[:2]
    if width > height and width % height == 0:
        return split(pixels, width // height, columns=width // height)
    return [pixels]


def strip(frames: Sequence[np.ndarray]) -> np.ndarray:
    """Frames side by side in one row."""
    return tile(frames, columns=len(frames))


def write_animation(
    path: str | os.PathLike[str], frames: Sequence[np.ndarray], *, fps: float = 8.0, bounce: bool = False, loop: int = 0
) -> Path:
    """An animated GIF or WebP (by suffix), looping forever by default; ``bounce`` plays back and forth.

    WebP is lossless; GIF gets one adaptive palette per frame, which keeps smooth VAE
    gradients closer than a fixed web palette would.
    """
    target = Path(path)
    image_format = ANIMATION_SUFFIXES.get(target.suffix.lower())
    if image_format is None:
        raise ValueError(f"Unsupported animation format {target.suffix or '(no suffix)'!r}; use .gif or .webp")
    if not frames:
        raise ValueError("no frames to animate")
    sequence = list(frames) + (list(frames[-2:0:-1]) if bounce else [])
    images = [Image.fromarray(np.ascontiguousarray(f[..., :3])) for f in sequence]
    duration = max(20, round(1000 / fps))
    options: dict[str, Any] = {"save_all": True, "append_images": images[1:], "duration": duration, "loop": loop}
    if image_format == "WEBP":
        options |= {"lossless": True, "quality": 100, "method": 4}
    else:
        options |= {"disposal": 1, "optimize": False}
    # Atomic like every other save: a full disk leaves neither a half-written animation
    # under the real name nor a temporary file beside it.
    return write_atomically(target, lambda file: images[0].save(file, format=image_format, **options))


def export_sequence(
    path: str | os.PathLike[str],
    frames: Sequence[np.ndarray],
    *,
    fps: float = 8.0,
    bounce: bool = False,
    metadata: GenerationMetadata | None = None,
) -> Path:
    """Write frames by suffix: .gif/.webp animate, .png is a strip carrying the generation metadata."""
    target = Path(path)
    if target.suffix.lower() == ".png":
        save_image(target, strip(frames), metadata)
        return target
    return write_animation(target, frames, fps=fps, bounce=bounce)
