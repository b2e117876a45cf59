"""gencanvas.models.data: Fashion-MNIST, emoji glyphs and image folders load as captioned uint8 tensors."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from gencanvas.models.data import (
    DEFAULT_EMOJI_FONT,
    DEFAULT_FASHION_ROOT,
    FASHION_CLASSES,
    DataSourceMissing,
    ImageCaptionDataset,
    emoji_glyphs,
    load_dataset,
    load_emoji,
    load_fashion_mnist,
    load_image_folder,
)
from gencanvas.models.data.fashion_mnist import read_idx

needs_fashion = pytest.mark.skipif(
    not DEFAULT_FASHION_ROOT.exists(), reason="needs the dataset-fashion-mnist Debian package"
)
needs_emoji_font = pytest.mark.skipif(
    not DEFAULT_EMOJI_FONT.exists(), reason="needs the fonts-noto-color-emoji Debian package"
)


def tiny_dataset(n: int = 10) -> ImageCaptionDataset:
    images = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 3, 4, 4).contiguous()
    return ImageCaptionDataset(images, [f"image {i}" for i in range(n)], torch.arange(n), None, "tiny")


# --- ImageCaptionDataset ---------------------------------------------------------------------


def test_items_are_float_in_minus_one_to_one_with_caption_and_label():
    data = ImageCaptionDataset(torch.tensor([[[[0, 255]] * 2]], dtype=torch.uint8), ["a"], name="x")
    item = data[0]
    assert item["pixel_values"].dtype == torch.float32
    assert item["pixel_values"].tolist() == [[[-1.0, 1.0], [-1.0, 1.0]]]
    assert (item["caption"], item["label"]) == ("a", -1)
    assert (len(data), data.channels, data.size) == (1, 1, 2)


def test_inconsistent_data_is_rejected_up_front():
    with pytest.raises(ValueError, match="uint8"):
        ImageCaptionDataset(torch.zeros(2, 3, 4, 4), ["a", "b"])
    with pytest.raises(ValueError, match="captions"):
        ImageCaptionDataset(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), ["a"])
    with pytest.raises(ValueError, match="square"):
        ImageCaptionDataset(torch.zeros(1, 3, 4, 5, dtype=torch.uint8), ["a"])


def test_subset_is_reproducible_and_keeps_captions_with_their_images():
    data = tiny_dataset(50)
    first, again, other = data.subset(8, seed=3), data.subset(8, seed=3), data.subset(8, seed=4)
    assert torch.equal(first.images, again.images) and first.captions == again.captions
    assert first.captions != other.captions
    for i in range(len(first)):
        value = int(first.images[i, 0, 0, 0])
        assert first.captions[i] == f"image {value}" and int(first.labels[i]) == value
    assert len(data.subset(500)) == 50


def test_default_collate_batches_items_for_training():
    batch = next(iter(DataLoader(tiny_dataset(6), batch_size=4)))
    assert batch["pixel_values"].shape == (4, 3, 4, 4)
    assert batch["caption"] == ["image 0", "image 1", "image 2", "image 3"]
    assert batch["label"].tolist() == [0, 1, 2, 3]


# --- Fashion-MNIST ---------------------------------------------------------------------------


@needs_fashion
def test_fashion_train_limit_shapes_labels_and_captions():
    data = load_fashion_mnist("train", limit=200)
    assert data.images.shape == (200, 1, 32, 32) and data.images.dtype == torch.uint8
    assert data.labels.dtype == torch.int64 and set(data.labels.tolist()) == set(range(10))
    assert data.captions == [FASHION_CLASSES[label] for label in data.labels.tolist()]
    assert data.class_names == FASHION_CLASSES
    pixels = torch.stack([data[i]["pixel_values"] for i in range(20)])
    assert pixels.dtype == torch.float32 and pixels.min() == -1.0 and pixels.max() <= 1.0 and pixels.max() > 0.9
    assert data[0]["label"] == int(data.labels[0])


@needs_fashion
def test_fashion_test_split_is_the_balanced_10k():
    data = load_fashion_mnist("test")
    assert data.images.shape == (10_000, 1, 32, 32) and data.name == "fashion-mnist-test"
    assert torch.bincount(data.labels).tolist() == [1000] * 10


@needs_fashion
def test_fashion_padding_keeps_the_28px_image_centred_on_background():
    raw = read_idx(DEFAULT_FASHION_ROOT / "t10k-images-idx3-ubyte.gz", limit=16)
    padded = load_fashion_mnist("test", limit=16).images[:, 0].numpy()
    assert np.array_equal(padded[:, 2:30, 2:30], raw)
    border = padded.copy()
    border[:, 2:30, 2:30] = 0
    assert not border.any()


@needs_fashion
def test_fashion_limit_is_a_prefix_and_other_sizes_resize():
    small, larger = load_fashion_mnist(limit=5), load_fashion_mnist(limit=40)
    assert torch.equal(small.images, larger.images[:5]) and small.captions == larger.captions[:5]
    resized = load_fashion_mnist(limit=5, size=64)
    assert resized.images.shape == (5, 1, 64, 64) and resized.labels.tolist() == small.labels.tolist()
    assert load_fashion_mnist(limit=3, size=28).images.shape == (3, 1, 28, 28)


def test_missing_fashion_root_names_the_apt_package(tmp_path):
    with pytest.raises(DataSourceMissing, match="apt-get install dataset-fashion-mnist") as info:
        load_fashion_mnist(root=tmp_path / "nowhere")
    assert isinstance(info.value, FileNotFoundError) and "nowhere" in str(info.value)


# --- emoji -----------------------------------------------------------------------------------


def test_emoji_captions_are_readable_names():
    assert emoji_glyphs.caption_for("\U0001f603") == "grinning face with big eyes"
    assert emoji_glyphs.caption_for("\U0001f1ef\U0001f1f5") == "flag Japan"
    candidates = emoji_glyphs.emoji_candidates()
    assert 1400 < len(candidates) < 2100
    assert not any(0x1F3FB <= ord(c) <= 0x1F3FF for e in candidates for c in e)


@needs_emoji_font
def test_emoji_limit_renders_rgb_glyphs_and_caches_them(tmp_path, monkeypatch):
    data = load_emoji(limit=24, cache_dir=tmp_path)
    assert data.images.shape == (24, 3, 64, 64) and data.images.dtype == torch.uint8
    assert data.labels is None and data[0]["label"] == -1
    corners = data.images[:, :, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners == 255).all(), "glyphs sit centred on white"
    assert (data.images < 200).flatten(1).any(1).all(), "every glyph has ink"
    assert all(c and ":" not in c and "_" not in c for c in data.captions)
    assert (tmp_path / "emoji-64.npz").is_file()

    def no_rendering(*_args, **_kwargs):
        raise AssertionError("rasterised again instead of reading the cache")

    monkeypatch.setattr(emoji_glyphs, "rasterise_emoji", no_rendering)
    cached = load_emoji(limit=24, cache_dir=tmp_path)
    assert torch.equal(cached.images, data.images) and cached.captions == data.captions
    assert load_emoji(limit=5, cache_dir=tmp_path).captions == data.captions[:5]
    with pytest.raises(AssertionError, match="rasterised again"):
        load_emoji(limit=30, cache_dir=tmp_path)


@needs_emoji_font
def test_emoji_cache_is_invalidated_when_the_font_changes(tmp_path, monkeypatch):
    font = tmp_path / "font.ttf"
    shutil.copyfile(DEFAULT_EMOJI_FONT, font)
    load_emoji(size=32, limit=3, font_path=font, cache_dir=tmp_path)
    os.utime(font, ns=(0, 0))
    calls: list[int | None] = []
    real = emoji_glyphs.rasterise_emoji
    monkeypatch.setattr(emoji_glyphs, "rasterise_emoji", lambda *a: calls.append(a[2]) or real(*a))
    assert load_emoji(size=32, limit=3, font_path=font, cache_dir=tmp_path).images.shape == (3, 3, 32, 32)
    assert calls == [3]


@needs_emoji_font
def test_a_corrupt_emoji_cache_is_rebuilt(tmp_path, caplog):
    (tmp_path / "emoji-32.npz").write_bytes(b"PK\x03\x04 truncated")
    with caplog.at_level(logging.WARNING, logger="gencanvas.models.data.emoji_glyphs"):
        data = load_emoji(size=32, limit=2, cache_dir=tmp_path)
    assert "unreadable emoji cache" in caplog.text and len(data) == 2
    assert torch.equal(load_emoji(size=32, limit=2, cache_dir=tmp_path).images, data.images)


@needs_emoji_font
def test_glyphs_the_font_lacks_are_not_rendered():
    renderer = emoji_glyphs._GlyphRenderer(DEFAULT_EMOJI_FONT)
    assert renderer.render("\U0001f600") is not None
    assert renderer.render("\U0010fffd") is None, "private-use code point: tofu"
    assert renderer.render("\U0001f600\u200d\U0001f600") is None, "unligated sequence: two glyphs"


def test_missing_emoji_font_names_the_apt_package(tmp_path):
    with pytest.raises(DataSourceMissing, match="apt-get install fonts-noto-color-emoji"):
        load_emoji(font_path=tmp_path / "NoFont.ttf", cache_dir=tmp_path)


# --- image folders ---------------------------------------------------------------------------


def make_folder(root: Path) -> Path:
    """An RGBA icon, a palette PNG with a transparent index and a sidecar caption, a corrupt file, a nested JPEG."""
    rgba = Image.new("RGBA", (40, 20), (255, 0, 0, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 40, 10))  # top half fully transparent
    rgba.save(root / "red_icon-1.png")
    palette = Image.new("P", (30, 30), 1)
    palette.putpalette([255, 255, 0, 0, 0, 255])
    palette.paste(0, (0, 0, 30, 8))  # index 0 (yellow) is the transparent one: a white band on top
    palette.save(root / "blue.v2.png", transparency=0)
    (root / "blue.v2.txt").write_text("  a plain blue\nsquare \n", encoding="utf-8")
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "notes.txt").write_text("not an image", encoding="utf-8")
    (root / "sub").mkdir()
    Image.new("RGB", (100, 50), (0, 200, 0)).save(root / "sub" / "wide-green.JPG")
    return root


def test_image_folder_loads_converts_and_captions(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="gencanvas.models.data.folder"):
        data = load_image_folder(make_folder(tmp_path), size=16)
    assert "broken.jpg" in caplog.text
    assert data.captions == ["a plain blue square", "red icon 1", "wide green"]
    assert data.images.shape == (3, 3, 16, 16) and data.labels is None
    blue, icon, green = data.images.numpy()
    assert (blue[:, 1, 8] == [255, 255, 255]).all() and (blue[:, 12, 8] == [0, 0, 255]).all()
    assert (icon[:, 1, 8] == [255, 255, 255]).all(), "transparent pixels become white"
    assert (icon[:, 14, 8] == [255, 0, 0]).all()
    assert (green[1] >= 190).all() and (green[[0, 2]] <= 10).all()
    assert load_image_folder(tmp_path, size=16, limit=2).captions == data.captions[:2]


def test_image_folder_follows_exif_orientation(tmp_path):
    wide = Image.new("RGB", (40, 20), (255, 255, 255))
    wide.paste((0, 0, 0), (0, 0, 20, 20))  # left half black; turned clockwise it becomes the top
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    wide.save(tmp_path / "photo.png", exif=exif)
    image = load_image_folder(tmp_path, size=20).images[0, 0].numpy()
    assert image[2].max() < 50 and image[17].min() > 200, "upright: black above white, not side by side"


def test_empty_or_missing_folder_errors_are_clear(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here", encoding="utf-8")
    with pytest.raises(ValueError, match="No readable images"):
        load_image_folder(tmp_path)
    with pytest.raises(DataSourceMissing, match="not found"):
        load_image_folder(tmp_path / "absent")


# --- load_dataset ----------------------------------------------------------------------------


@needs_fashion
def test_load_dataset_fashion_defaults_to_32px():
    data = load_dataset("fashion-mnist", split="test", limit=4)
    assert data.name == "fashion-mnist-test" and data.images.shape == (4, 1, 32, 32)


@needs_emoji_font
def test_load_dataset_emoji_defaults_to_64px(tmp_path, monkeypatch):
    monkeypatch.setenv("GENCANVAS_HOME", str(tmp_path))
    data = load_dataset("emoji", limit=2)
    assert data.images.shape == (2, 3, 64, 64) and (tmp_path / "cache" / "emoji-64.npz").is_file()


def test_load_dataset_folder_path_and_unknown_source(tmp_path):
    Image.new("RGB", (8, 8), (9, 9, 9)).save(tmp_path / "dot.png")
    data = load_dataset(str(tmp_path))
    assert data.images.shape == (1, 3, 64, 64) and data.captions == ["dot"]
    assert load_dataset(str(tmp_path), size=8).size == 8
    with pytest.raises(DataSourceMissing, match="'fashion-mnist', 'emoji'"):
        load_dataset("fashion_mnist")
