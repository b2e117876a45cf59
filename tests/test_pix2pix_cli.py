"""The pix2pix command lines on a folder of photos (at 128 px).

`python -m gencanvas.models.train pix2pix` and `python -m gencanvas.models.evaluate pix2pix`.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory) -> Path:
    """Ten 'photos' of discs in different colours and places, larger than the model size."""
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for i in range(10):
        photo = np.full((150, 200, 3), 240, np.uint8)
        centre = (int(rng.integers(60, 140)), int(rng.integers(50, 100)))
        cv2.circle(photo, centre, 40, tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
        cv2.imwrite(str(folder / f"disc_{i}.png"), photo)
    return folder


def test_training_on_your_own_photos_at_128_px_then_evaluation_updates_the_card(photo_folder, tmp_path):
    from gencanvas.models.evaluate import main as evaluate_main
    from gencanvas.models.evaluation import ClassifierConfig, DomainClassifier, save_classifier
    from gencanvas.models.pix2pix.files import load_generator
    from gencanvas.models.train import main as train_main

    out = tmp_path / "p2p"
    argv = [
        "pix2pix",
        "--data",
        str(photo_folder),
        "--size",
        "128",
        "--preset",
        "tiny",
        "--batch-size",
        "2",
        "--max-steps",
        "2",
        "--sample-every",
        "0",
        "--eval-n",
        "2",
        "--out",
        str(out),
        "--run-dir",
        str(tmp_path / "run"),
    ]
    assert train_main(argv) == 0
    assert load_generator(out).config.image_size == 128
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "8 training images" in card and "edge F1" in card and "CPU-sized" in card and "your own images" in card

    import torch

    torch.manual_seed(0)
    save_classifier(DomainClassifier(ClassifierConfig(in_channels=3, image_size=128, num_classes=3)), tmp_path / "clf")
    assert (
        evaluate_main(
            [
                "pix2pix",
                "--model",
                str(out),
                "--data",
                str(photo_folder),
                "--classifier",
                str(tmp_path / "clf"),
                "--n",
                "2",
                "--out",
                str(tmp_path / "eval"),
                "--update-card",
            ]
        )
        == 0
    )
    results = json.loads((tmp_path / "eval" / "results.json").read_text(encoding="utf-8"))
    assert results["n"] == 2 and results["fd"][0]["config"] == "model outputs"
    assert "FD ↓" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")


def test_a_classifier_from_another_domain_is_refused_with_a_reason(photo_folder, tmp_path):
    import torch

    from gencanvas.models.data import load_dataset
    from gencanvas.models.evaluation import ClassifierConfig, DomainClassifier
    from gencanvas.models.pix2pix import Pix2PixConfig, UNetGenerator
    from gencanvas.models.pix2pix.evaluation import evaluate

    torch.manual_seed(0)
    generator = UNetGenerator(Pix2PixConfig.from_preset("tiny", image_size=32))
    fashion = DomainClassifier(ClassifierConfig(in_channels=1, image_size=32))
    data = load_dataset(str(photo_folder), size=32)
    metrics, fd, note = evaluate(generator, data, data.subset(3), fashion)
    assert fd is None and "another domain" in note and metrics["n"] == 3


def test_a_size_the_unet_cannot_halve_stops_before_loading_data(tmp_path):
    from gencanvas.models.train import main as train_main

    with pytest.raises(SystemExit, match="halve evenly"):
        train_main(["pix2pix", "--data", str(tmp_path / "absent"), "--size", "36", "--out", str(tmp_path / "o")])
