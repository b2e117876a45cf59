"""The evaluation's sanity rows: blurred and patch-shuffled real images must score far from real."""

from __future__ import annotations

import json

import pytest
import torch

from gencanvas.models.data import DEFAULT_FASHION_ROOT, ImageCaptionDataset
from gencanvas.models.evaluation import extract_features, train_classifier
from gencanvas.models.evaluation.sanity import (
    BLURRED,
    SHUFFLED,
    blur_sigma,
    gaussian_blur,
    sanity_sets,
    shuffle_patches,
)
from gencanvas.models.evaluation.table import CEILING, FLOOR, floor_ratios, markdown_table, reference_rows


def shapes(n: int, seed: int) -> ImageCaptionDataset:
    """32-px crisp outlines of three kinds (square, plus, diagonal) at random places: edges and layout matter."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 3, (n,), generator=g)
    images = torch.zeros(n, 1, 32, 32, dtype=torch.uint8)
    for i, (kind, (y, x)) in enumerate(
        zip(labels.tolist(), torch.randint(6, 12, (n, 2), generator=g).tolist(), strict=True)
    ):
        if kind == 0:
            images[i, 0, y : y + 14, x : x + 14] = 255
            images[i, 0, y + 2 : y + 12, x + 2 : x + 12] = 0
        elif kind == 1:
            images[i, 0, y + 6 : y + 8, x : x + 14] = 255
            images[i, 0, y : y + 14, x + 6 : x + 8] = 255
        else:
            for k in range(14):
                images[i, 0, y + k, x + k : x + k + 2] = 255
    names = ["square", "plus", "diagonal"]
    return ImageCaptionDataset(images, [names[k] for k in labels.tolist()], labels, names)


def test_blur_sigma_scales_with_the_side_and_blur_keeps_the_mean() -> None:
    assert blur_sigma(64) == 2.0 and blur_sigma(32) == 1.0
    images = shapes(8, seed=0).images
    blurred = gaussian_blur(images, 2.0)
    assert blurred.dtype == torch.uint8 and blurred.shape == images.shape
    assert abs(blurred.float().mean() - images.float().mean()) < 1.0
    assert (blurred.float().diff(dim=-1).abs().max()) < (images.float().diff(dim=-1).abs().max())  # edges softened


def test_shuffle_patches_moves_whole_patches() -> None:
    images = torch.arange(16 * 16).reshape(1, 1, 16, 16).repeat(2, 3, 1, 1).to(torch.int32)
    shuffled = shuffle_patches(images, grid=8, seed=0)

    def patches(x: torch.Tensor) -> set[bytes]:
        return {x[0, :, r : r + 2, c : c + 2].numpy().tobytes() for r in range(0, 16, 2) for c in range(0, 16, 2)}

    assert patches(shuffled) == patches(images)  # the same 64 patches, intact
    assert not torch.equal(shuffled, images)  # in another order
    assert not torch.equal(shuffled[0], shuffled[1])  # each image its own order
    assert list(sanity_sets(images.to(torch.uint8))) == [BLURRED, SHUFFLED]


def test_blurred_and_shuffled_real_images_score_above_real_on_a_tiny_classifier() -> None:
    torch.manual_seed(0)
    train, test = shapes(300, seed=1), shapes(150, seed=2)
    classifier, accuracy = train_classifier(train, test, epochs=2, batch_size=32, lr=3e-3, seed=0)
    assert accuracy > 0.8
    real = extract_features(classifier, test.images)
    rows = reference_rows(classifier, real, shapes(150, seed=3).images, None, seed=0)
    assert [r["config"] for r in rows] == [FLOOR, BLURRED, SHUFFLED, CEILING]
    fd = {r["config"]: r["fd"] for r in rows}
    assert fd[BLURRED] > fd[FLOOR] and fd[SHUFFLED] > fd[FLOOR]
    ratios = floor_ratios(rows)
    assert ratios[FLOOR] == 1.0 and ratios[BLURRED] >= 5 and ratios[SHUFFLED] >= 5  # the bar
    assert "× floor" in markdown_table(rows)


def evaluate_tiny_vae(tmp_path, limit: int, n: int) -> int:
    """``evaluate samples`` on an untrained tiny VAE and classifier, Fashion-MNIST cut to ``limit`` per split."""
    from gencanvas.models.evaluate import main
    from gencanvas.models.evaluation import ClassifierConfig, DomainClassifier, save_classifier
    from gencanvas.models.vae.config import VAEConfig
    from gencanvas.models.vae.files import save_vae
    from gencanvas.models.vae.network import ConvVAE

    torch.manual_seed(0)
    save_vae(ConvVAE(VAEConfig.from_preset("tiny", image_size=32, channels=1)), tmp_path / "vae")
    save_classifier(DomainClassifier(ClassifierConfig(in_channels=1, image_size=32)).eval(), tmp_path / "clf")
    args = ["samples", "--model", str(tmp_path / "vae"), "--classifier", str(tmp_path / "clf"), "--data"]
    args += ["fashion-mnist", "--limit", str(limit), "--n", str(n), "--batch-size", "8", "--out", str(tmp_path / "e")]
    return main(args)


@pytest.mark.skipif(not DEFAULT_FASHION_ROOT.exists(), reason="needs the dataset-fashion-mnist Debian package")
def test_evaluate_samples_cli_scores_a_vae_with_every_reference_row(tmp_path) -> None:
    assert evaluate_tiny_vae(tmp_path, limit=24, n=16) == 0
    rows = json.loads((tmp_path / "e" / "results.json").read_text())["rows"]
    assert [r["config"] for r in rows] == ["VAE prior samples", FLOOR, BLURRED, SHUFFLED, CEILING]
    assert all(r["n"] == 16 and r["fd"] >= 0 for r in rows) and rows[0]["seconds_per_image"] > 0
    assert "| VAE prior samples |" in (tmp_path / "e" / "results.md").read_text()
    info = json.loads((tmp_path / "e" / "results.json").read_text())
    assert rows[0]["nearest_training_image"] > 0 and info["held_out_nearest_training_image"] > 0
    assert "Copying check" in (tmp_path / "e" / "results.md").read_text()


@pytest.mark.skipif(not DEFAULT_FASHION_ROOT.exists(), reason="needs the dataset-fashion-mnist Debian package")
def test_evaluate_samples_generates_n_even_when_the_real_sets_are_smaller(tmp_path) -> None:
    """Small domains (23 held-out emoji faces) still get n generated images, compared at the floor's n."""
    assert evaluate_tiny_vae(tmp_path, limit=12, n=36) == 0
    info = json.loads((tmp_path / "e" / "results.json").read_text())
    samples, floor = info["rows"][0], info["rows"][1]
    assert (info["n"], info["n_real"], samples["n"], floor["n"]) == (36, 12, 36, 12)
    assert samples["fd_at_floor_n"] != samples["fd"]  # the mean over three chunks of 12, not all 36 at once
    assert floor_ratios(info["rows"])["VAE prior samples"] == pytest.approx(samples["fd_at_floor_n"] / floor["fd"])
    text = (tmp_path / "e" / "results.md").read_text()
    assert "FD at the floor's n" in text and "3 disjoint chunks of 12" in text
