"""Frame sequences: sheets split back exactly, strips carry metadata, GIF/WebP animate."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from gencanvas.core.animation import export_sequence, frames_of_result, split, strip, tile, write_animation
from gencanvas.core.image_io import read_metadata
from gencanvas.core.metadata import GenerationMetadata


def frames(n: int = 5, side: int = 8) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (side, side, 3), dtype=np.uint8) for _ in range(n)]


@pytest.mark.parametrize("n", [1, 2, 5, 9, 10])
def test_tile_then_split_gives_back_every_frame(n):
    originals = frames(n)
    sheet = tile(originals)
    assert sheet.shape[0] <= sheet.shape[1] <= sheet.shape[0] + 8 * 2  # near-square
    for original, cut in zip(originals, split(sheet, n), strict=True):
        np.testing.assert_array_equal(original, cut)


def test_strip_is_one_row_and_frames_of_result_reads_the_frame_count():
    originals = frames(4)
    row = strip(originals)
    assert row.shape == (8, 32, 3)
    assert len(frames_of_result(row, None)) == 4  # a strip of squares explains itself
    sheet = tile(frames(7))
    assert len(frames_of_result(sheet, {"frames": 7})) == 7
    assert len(frames_of_result(sheet, {"batch": 1})) == 1  # one image: the whole picture
    with pytest.raises(ValueError):
        split(np.zeros((9, 10, 3), np.uint8), 4)


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_animations_hold_every_frame_loop_and_bounce(tmp_path, suffix):
    originals = frames(5)
    path = write_animation(tmp_path / f"walk{suffix}", originals, fps=10)
    with Image.open(path) as image:
        image.load()  # WebP reports a frame's duration once it is decoded
        assert image.n_frames == 5 and image.is_animated and image.info.get("loop") == 0
        assert image.info["duration"] == 100
        if suffix == ".webp":  # lossless: the last frame comes back bit for bit
            image.seek(4)
            np.testing.assert_array_equal(np.asarray(image.convert("RGB")), originals[4])
    bounced = write_animation(tmp_path / f"bounce{suffix}", originals, bounce=True)
    with Image.open(bounced) as image:
        assert image.n_frames == 8  # 0 1 2 3 4 3 2 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_png_export_is_a_strip_with_the_generation_metadata(tmp_path):
    metadata = GenerationMetadata("vae-interpolate", {"frames": 3}, "VAE walk", "0.1.0")
    path = export_sequence(tmp_path / "walk.png", frames(3), metadata=metadata)
    with Image.open(path) as image:
        assert image.size == (24, 8)
    assert read_metadata(path).params == {"frames": 3}


def test_unsupported_suffix_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=re.escape(".gif or .webp")):
        write_animation(tmp_path / "walk.mp4", frames(2))
