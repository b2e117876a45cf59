"""image_io: odd files load or fail with a sentence; saves are atomic and carry metadata."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from gencanvas.core import image_io
from gencanvas.core.image_io import (
    EXIF_IMAGE_DESCRIPTION,
    EXIF_SUB_IFD,
    EXIF_USER_COMMENT,
    OPEN_FILTER,
    SUPPORTED_SAVE_SUFFIXES,
    ImageLoadError,
    LoadedImage,
    load_image,
    read_metadata,
    save_image,
)
from gencanvas.core.metadata import GenerationMetadata, decode_user_comment

RED, BLUE = (255, 0, 0), (0, 0, 255)


def noise(height: int = 64, width: int = 64, channels: int = 3) -> np.ndarray:
    return np.random.default_rng(height).integers(0, 256, (height, width, channels), dtype=np.uint8)


def sample_metadata(prompt: str = "a lighthouse at dusk, oil painting") -> GenerationMetadata:
    return GenerationMetadata.create("builtin.txt2img", {"prompt": prompt, "steps": 12, "seed": 7})


def assert_close(actual: np.ndarray, expected: tuple[int, ...], tolerance: int = 12) -> None:
    assert np.abs(actual.astype(int) - np.array(expected)).max() <= tolerance, (actual, expected)


def pillow_info(path: Path) -> tuple[str | None, dict[str, Any], Image.Exif]:
    """What a plain Pillow reader sees, with the file closed again."""
    with Image.open(path) as image:
        return image.format, dict(image.info), image.getexif()


# --- loading odd files -------------------------------------------------------------------


def test_rgba_png_loads_exactly_with_straight_alpha(tmp_path: Path) -> None:
    pixels = noise(channels=4)
    Image.fromarray(pixels, "RGBA").save(tmp_path / "a.png")

    loaded = load_image(tmp_path / "a.png")

    np.testing.assert_array_equal(loaded.rgba, pixels)
    assert loaded.has_alpha and loaded.metadata is None
    assert loaded.source == str(tmp_path / "a.png")


def test_rgb_composites_transparency_over_white() -> None:
    rgba = np.array([[[0, 0, 0, 0], [255, 0, 0, 128], [10, 20, 30, 255]]], dtype=np.uint8)

    rgb = LoadedImage(rgba=rgba, has_alpha=True, metadata=None, source="test").rgb

    assert rgb.dtype == np.uint8 and rgb.tolist() == [[[255, 255, 255], [255, 127, 127], [10, 20, 30]]]


def test_cmyk_jpeg_becomes_rgb_colours(tmp_path: Path) -> None:
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "print.jpg", quality=95)

    loaded = load_image(tmp_path / "print.jpg")

    assert loaded.rgba.shape == (16, 16, 4) and not loaded.has_alpha
    assert_close(loaded.rgba[8, 8], (*RED, 255))


@pytest.mark.parametrize(("mode", "dtype", "suffix"), [("I;16", "<u2", ".png"), ("I;16B", ">u2", ".tif")])
def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path, mode: str, dtype: str, suffix: str) -> None:
    gradient = np.linspace(0, 65535, 256).round().astype(dtype).reshape(1, 256).repeat(4, axis=0)
    Image.frombytes(mode, (256, 4), gradient.tobytes()).save(tmp_path / f"scan{suffix}")

    grey = load_image(tmp_path / f"scan{suffix}").rgba[0, :, 0]

    np.testing.assert_array_equal(grey, np.round(gradient[0] / 257).astype(np.uint8))
    assert (grey[0], grey[128], grey[-1]) == (0, 128, 255)


@pytest.mark.parametrize(
    "values",
    [
        np.array([[-1000, 1000, 3000]], np.int32),
        np.array([[0.0, 0.5, 1.0]], np.float32),
        np.array([[10, 15, 20]], np.float32),
    ],
    ids=["I stretched over its range", "F already 0..1", "F stretched over its range"],
)
def test_32_bit_grey_is_scaled_to_8_bit(tmp_path: Path, values: np.ndarray) -> None:
    Image.fromarray(values).save(tmp_path / "depth.tif")

    loaded = load_image(tmp_path / "depth.tif")

    assert loaded.rgba[0].tolist() == [[0, 0, 0, 255], [128, 128, 128, 255], [255, 255, 255, 255]]


def test_palette_transparency_becomes_alpha(tmp_path: Path) -> None:
    indices = np.zeros((8, 8), dtype=np.uint8)
    indices[:, 4:] = 1
    image = Image.fromarray(indices, "L").convert("P")
    image.putpalette([0, 0, 0, *RED] + [0] * 762)
    image.save(tmp_path / "sprite.png", transparency=0)

    loaded = load_image(tmp_path / "sprite.png")

    assert loaded.has_alpha and (loaded.rgba[:, :4, 3] == 0).all()
    assert loaded.rgba[:, 4:].reshape(-1, 4).tolist() == [[*RED, 255]] * 32


@pytest.mark.parametrize(
    ("mode", "colour", "expected"),
    [("L", 100, (100, 100, 100, 255)), ("LA", (100, 60), (100, 100, 100, 60)), ("1", 1, (255, 255, 255, 255))],
)
def test_grey_modes_expand_to_rgba(tmp_path: Path, mode: str, colour: Any, expected: tuple[int, ...]) -> None:
    Image.new(mode, (4, 4), colour).save(tmp_path / "g.png")

    loaded = load_image(tmp_path / "g.png")

    assert loaded.rgba[2, 2].tolist() == list(expected)
    assert loaded.has_alpha is (expected[3] < 255)


def test_exif_orientation_turns_the_photo_upright(tmp_path: Path) -> None:
    stored = np.zeros((20, 40, 3), dtype=np.uint8)  # landscape as the camera stored it
    stored[:10, :20] = RED  # red top-left quadrant
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    Image.fromarray(stored).save(tmp_path / "phone.jpg", exif=exif, quality=95)

    rgba = load_image(tmp_path / "phone.jpg").rgba

    assert rgba.shape == (40, 20, 4)
    assert_close(rgba[5, 15, :3], RED)  # top-left moved to top-right
    assert_close(rgba[5, 5, :3], (0, 0, 0))


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_animation_loads_its_first_frame(tmp_path: Path, suffix: str) -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in (RED, BLUE)]
    frames[0].save(tmp_path / f"anim{suffix}", save_all=True, append_images=frames[1:], duration=100, lossless=True)

    assert_close(load_image(tmp_path / f"anim{suffix}").rgba[4, 4], (*RED, 255))


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_file_is_reported_not_crashed(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"download{suffix}"
    Image.fromarray(noise(256, 256)).save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    with pytest.raises(ImageLoadError, match=f"“download{suffix}” is truncated or corrupt"):
        load_image(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "“bad.png” is empty"),
        (b"just some notes, not a picture\n", "“bad.png” is not an image GenCanvas can open"),
        (b"\x89PNG\r\n\x1a\n", "“bad.png” is not an image GenCanvas can open"),
    ],
    ids=["zero bytes", "text renamed .png", "PNG signature only"],
)
def test_non_images_are_reported(tmp_path: Path, content: bytes, expected: str) -> None:
    (tmp_path / "bad.png").write_bytes(content)

    with pytest.raises(ImageLoadError, match=expected):
        load_image(tmp_path / "bad.png")


def test_postscript_is_refused_rather_than_handed_to_ghostscript(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "art.eps")

    with pytest.raises(ImageLoadError, match=re.escape("“art.eps” is not an image GenCanvas can open")):
        load_image(tmp_path / "art.eps")


def test_missing_file_and_folder_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match=re.escape("“gone.png”: the file does not exist")):
        load_image(tmp_path / "gone.png")
    with pytest.raises(ImageLoadError, match="it is a folder, not an image"):
        load_image(tmp_path)


def test_image_over_max_pixels_is_refused_with_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_io, "MAX_PIXELS", 1000)
    Image.new("RGB", (40, 30)).save(tmp_path / "big.png")

    with pytest.raises(ImageLoadError) as caught:
        load_image(tmp_path / "big.png")
    assert str(caught.value) == "“big.png” is too large (40×30); the limit is 0.001 megapixels."


def test_pillow_decompression_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("RGB", (100, 100)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    with pytest.raises(ImageLoadError, match=r"“bomb.png” is too large \(0.01 megapixels\)"):
        load_image(tmp_path / "bomb.png")


# --- saving and metadata -----------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".jpeg", ".webp", ".PNG", ".JPG", ".WebP"])
def test_metadata_round_trips_through_every_save_format(tmp_path: Path, suffix: str) -> None:
    path, metadata = tmp_path / f"out{suffix}", sample_metadata()

    save_image(path, noise(), metadata)

    assert pillow_info(path)[0] == {".png": "PNG", ".webp": "WEBP"}.get(suffix.lower(), "JPEG")
    assert load_image(path).metadata == metadata
    assert read_metadata(path) == metadata


def test_png_parameters_chunk_is_readable_by_plain_pillow(tmp_path: Path) -> None:
    metadata = sample_metadata(prompt="狐 in the snow")
    save_image(tmp_path / "out.png", noise(), metadata)

    info = pillow_info(tmp_path / "out.png")[1]

    assert info["parameters"] == metadata.summary
    assert GenerationMetadata.from_json(info["gencanvas"]) == metadata


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_exif_carries_summary_and_json(tmp_path: Path, suffix: str) -> None:
    metadata = sample_metadata(prompt="狐 in the snow")
    save_image(tmp_path / f"out{suffix}", noise(), metadata)

    exif = pillow_info(tmp_path / f"out{suffix}")[2]

    assert decode_user_comment(exif.get_ifd(EXIF_SUB_IFD)[EXIF_USER_COMMENT]) == metadata.summary
    assert GenerationMetadata.from_json(exif[EXIF_IMAGE_DESCRIPTION]) == metadata


def test_malformed_or_foreign_metadata_is_ignored_not_fatal(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("gencanvas", '{"plugin_id": "x", "params": ')
    Image.fromarray(noise()).save(tmp_path / "odd.png", pnginfo=info)
    exif = Image.Exif()
    exif[EXIF_IMAGE_DESCRIPTION] = "OLYMPUS DIGITAL CAMERA"
    Image.fromarray(noise()).save(tmp_path / "camera.jpg", exif=exif)

    for name in ("odd.png", "camera.jpg"):
        loaded = load_image(tmp_path / name)
        assert loaded.metadata is None and loaded.rgba.shape == (64, 64, 4)
        assert read_metadata(tmp_path / name) is None


def test_save_without_metadata_writes_none(tmp_path: Path) -> None:
    save_image(tmp_path / "plain.png", noise())

    assert read_metadata(tmp_path / "plain.png") is None
    assert "parameters" not in pillow_info(tmp_path / "plain.png")[1]


def test_png_and_webp_keep_alpha_jpeg_flattens_on_white(tmp_path: Path) -> None:
    pixels = np.zeros((16, 16, 4), dtype=np.uint8)
    pixels[:, :8] = (*RED, 255)  # left half opaque red, right half fully transparent
    for suffix in (".png", ".webp", ".jpg"):
        save_image(tmp_path / f"a{suffix}", pixels, quality=100)

    np.testing.assert_array_equal(load_image(tmp_path / "a.png").rgba, pixels)
    assert (load_image(tmp_path / "a.webp").rgba[:, 8:, 3] == 0).all()
    jpeg = load_image(tmp_path / "a.jpg").rgba
    assert_close(jpeg[8, 12], (255, 255, 255, 255))
    assert_close(jpeg[8, 3], (*RED, 255))


def test_failed_save_keeps_the_existing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "work.png"
    save_image(path, noise())
    before = path.read_bytes()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(Image.Image, "save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_image(path, noise(32, 32))

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["work.png"]  # no temporary file left behind


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_respects_umask_and_keeps_permissions_of_the_replaced_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.png"
    save_image(path, noise())
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # like open(), not a private 0600 temp file
    path.chmod(0o640)

    save_image(path, noise())

    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("name", ["out.gif", "out.bmp", "out.tiff", "out"])
def test_unsupported_suffix_is_refused_before_writing(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"Unsupported format .*; use PNG, JPEG or WebP"):
        save_image(tmp_path / name, noise())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "pixels", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3), np.float32)]
)
def test_wrong_pixel_arrays_are_refused(tmp_path: Path, pixels: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8 pixels"):
        save_image(tmp_path / "out.png", pixels)


def test_open_filter_lists_every_save_suffix() -> None:
    assert all(f"*{suffix}" in OPEN_FILTER for suffix in SUPPORTED_SAVE_SUFFIXES)
    assert OPEN_FILTER.startswith("Images (") and OPEN_FILTER.endswith(")")
