"""pix2pix building blocks: sketch synthesis, networks, weights on disk, metrics, training/resume."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.pix2pix import (
    PatchDiscriminator,
    Pix2PixConfig,
    UNetGenerator,
    load_generator,
    save_generator,
)
from gencanvas.models.pix2pix.metrics import centre_lines, edge_scores, evaluate_pairs, psnr
from gencanvas.models.pix2pix.pairs import SketchPairs
from gencanvas.models.pix2pix.sketches import (
    canny_ink,
    layer_to_sketch,
    render,
    synthesize,
    thicken,
    xdog_ink,
)


def disc_image(size: int = 64) -> np.ndarray:
    """A red disc with a dark ring on white: an emoji-like test picture."""
    image = np.full((size, size, 3), 255, np.uint8)
    cv2.circle(image, (size // 2, size // 2), size // 3, (220, 40, 40), -1)
    cv2.circle(image, (size // 2, size // 2), size // 3, (30, 30, 30), 2)
    return image


def tiny_dataset(n: int = 8, size: int = 16) -> ImageCaptionDataset:
    images = torch.from_numpy(np.stack([disc_image(size)] * n)).permute(0, 3, 1, 2).contiguous()
    return ImageCaptionDataset(images, ["disc"] * n, name="discs")


def test_canny_and_xdog_find_the_outline_and_nothing_on_blank_paper():
    rng = np.random.default_rng(0)
    for extract in (canny_ink, xdog_ink):
        ink = extract(disc_image(), rng)
        assert ink.dtype == np.float32 and ink.min() >= 0 and ink.max() <= 1
        assert ink[32, 32 - 24 : 32 - 17].max() > 0.5, f"{extract.__name__} missed the disc's border"
        assert ink[:4, :4].max() == 0, f"{extract.__name__} drew on empty paper"
        assert extract(np.full((32, 32, 3), 255, np.uint8), rng).max() == 0


def test_thicker_strokes_cover_more_and_render_is_white_without_ink():
    ink = canny_ink(disc_image(), np.random.default_rng(0))
    assert thicken(ink, 3).sum() > 1.5 * ink.sum() and np.array_equal(thicken(ink, 1), ink)
    paper = render(np.zeros((8, 8), np.float32))
    assert paper.dtype == np.uint8 and (paper == 255).all()


def test_synthesis_is_seeded_and_colour_hints_colour_the_strokes():
    image = disc_image()
    a, b = synthesize(image, np.random.default_rng(5)), synthesize(image, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    hinted = synthesize(image, np.random.default_rng(0), styles=("canny",), hint_probability=1.0)
    strokes = hinted.min(axis=2) < 200
    assert (hinted[strokes, 0].astype(int) - hinted[strokes, 1]).mean() > 50, "strokes should take the disc's red"
    black = synthesize(image, np.random.default_rng(0), styles=("canny",), hint_probability=0.0)
    assert (black.max(axis=2) == black.min(axis=2)).all(), "without hints every stroke is grey/black"


def test_canvas_sketch_keeps_thin_lines_and_aspect_when_shrunk():
    layer = np.zeros((300, 600, 4), np.uint8)
    cv2.line(layer, (50, 150), (550, 150), (0, 0, 0, 255), 3)
    paper = layer_to_sketch(layer, 64)
    assert paper.shape == (64, 64, 3)
    assert paper.min() < 60, "a 3 px stroke on a 600 px canvas must stay dark at 64 px"
    assert (paper[:12] == 255).all() and (paper[-12:] == 255).all(), "the wide canvas is padded, not squashed"
    assert (layer_to_sketch(np.zeros((40, 40, 4), np.uint8), 16) == 255).all()


@pytest.mark.parametrize("size", [16, 64, 128])
def test_generator_and_critic_shapes(size):
    config = Pix2PixConfig.from_preset("tiny", image_size=size)
    x = torch.randn(2, 3, size, size)
    y = UNetGenerator(config)(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    scores = PatchDiscriminator(config)(x, y)
    assert scores.shape[:2] == (2, 1) and scores.shape[-1] > 1, "PatchGAN scores a grid of patches"


def test_size_the_unet_cannot_halve_is_refused():
    with pytest.raises(ValueError, match="halve evenly"):
        _ = Pix2PixConfig(image_size=36).depth  # 36 → 18 → 9, odd and still above the 4 px bottleneck


def test_weights_round_trip(tmp_path):
    torch.manual_seed(0)
    model = UNetGenerator(Pix2PixConfig.from_preset("tiny", image_size=32)).eval()
    save_generator(model, tmp_path)
    loaded = load_generator(tmp_path)
    x = torch.randn(1, 3, 32, 32)
    torch.testing.assert_close(loaded(x), model(x))
    assert loaded.config == model.config


def test_metrics_reward_following_the_sketch():
    image = disc_image()
    sketch = render(thicken(canny_ink(image, np.random.default_rng(0)), 3))
    assert edge_scores(image, sketch)[2] > 0.8
    assert edge_scores(np.full_like(image, 255), sketch)[2] == 0.0
    thick = np.zeros((20, 20), bool)
    thick[8:13, 2:18] = True
    assert centre_lines(thick).sum() < thick.sum() / 3
    assert psnr(image, image) == 100.0 and psnr(image, 255 - image) < 10


def test_fixed_pairs_repeat_and_evaluation_reports_every_number():
    data = tiny_dataset(4)
    pairs = SketchPairs(data, fixed_seed=0)
    np.testing.assert_array_equal(pairs.pair(1)[0], pairs.pair(1)[0])
    torch.manual_seed(0)
    metrics = evaluate_pairs(UNetGenerator(Pix2PixConfig.from_preset("tiny", image_size=16)), data)
    assert metrics["n"] == 4 and 0 <= metrics["l1"] <= 1 and metrics["psnr"] > 0
    assert 0 <= metrics["edge_f1"] <= 1 and metrics["edge_f1_truth"] > 0.5


def test_training_checkpoints_and_resumes(tmp_path):
    from gencanvas.models.pix2pix.training import Pix2PixTrainOptions, train_pix2pix

    data, config = tiny_dataset(8), Pix2PixConfig.from_preset("tiny", image_size=16)
    options = Pix2PixTrainOptions(
        run_dir=tmp_path / "run", out_dir=tmp_path / "out", batch_size=4, max_steps=2, sample_every=2
    )
    _, record = train_pix2pix(data, data, config, options)
    assert record["steps"] == 2 and (tmp_path / "run" / "samples-000002.png").exists()
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"config.json", "model.safetensors", "samples.png"}
    options.max_steps = 3
    _, record = train_pix2pix(data, data, config, options)
    assert record["steps"] == 3, "a rerun resumes from the checkpoint instead of starting over"
