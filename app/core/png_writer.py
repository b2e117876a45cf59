"""A small PNG encoder that lets the GUI thread run while a project is written.

Pillow's PNG encoder holds the GIL for each of its chunks; written from the autosave
thread, that held the GUI thread up for up to ~20 ms per layer (more on a busy machine).
Here the only work done with the GIL held is slicing: the Sub filter is one numpy
subtraction per band of rows, and ``zlib`` compresses and checksums with the GIL
released. The output is a standard 8-bit RGB/RGBA PNG that every reader opens.
"""

from __future__ import annotations

import struct
import zlib
from typing import IO

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPES = {3: 2, 4: 6}  # RGB, RGBA
_SUB = 1  # filter: each byte minus the same channel of the pixel to its left


def write_png(stream: IO[bytes], pixels: np.ndarray, *, level: int = 3, band: int = 64) -> None:
    """Write (H, W, 3|4) uint8 ``pixels`` as a PNG to ``stream``, ``band`` rows at a time."""
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in _COLOUR_TYPES:
        raise ValueError(f"Expected (H, W, 3) or (H, W, 4) uint8 pixels, got {pixels.shape} {pixels.dtype}.")
    pixels = np.ascontiguousarray(pixels)
    height, width, channels = pixels.shape
    stride = width * channels
    stream.write(SIGNATURE)
    _chunk(stream, b"IHDR", struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[channels], 0, 0, 0))
    compressor = zlib.compressobj(level)
    for top in range(0, height, band):
        rows = pixels[top : top + band].reshape(-1, stride)
        filtered = np.empty((rows.shape[0], stride + 1), np.uint8)
        filtered[:, 0] = _SUB
        filtered[:, 1 : 1 + channels] = rows[:, :channels]
        np.subtract(rows[:, channels:], rows[:, :-channels], out=filtered[:, 1 + channels :])  # wraps mod 256
        data = compressor.compress(filtered.data)
        if data:
            _chunk(stream, b"IDAT", data)
    _chunk(stream, b"IDAT", compressor.flush())
    _chunk(stream, b"IEND", b"")


def _chunk(stream: IO[bytes], kind: bytes, data: bytes) -> None:
    stream.write(struct.pack(">I", len(data)) + kind)
    stream.write(data)
    stream.write(struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF))
