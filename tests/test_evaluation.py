"""gencanvas.models.evaluation: FD / KID / class agreement, the domain classifier, and the evaluate CLI."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import torch

from gencanvas.models.data import DEFAULT_FASHION_ROOT, FASHION_CLASSES, ImageCaptionDataset
from gencanvas.models.evaluation import (
    ClassifierConfig,
    DomainClassifier,
    chunked_frechet_distance,
    class_agreement,
    extract_features,
    frechet_distance,
    frechet_distance_from_moments,
    kernel_inception_distance,
    kmeans,
    load_classifier,
    pseudo_labels,
    save_classifier,
    train_classifier,
)
from gencanvas.models.evaluation.sanity import BLURRED, SHUFFLED
from gencanvas.models.evaluation.table import CEILING, FLOOR

needs_fashion = pytest.mark.skipif(
    not DEFAULT_FASHION_ROOT.exists(), reason="needs the dataset-fashion-mnist Debian package"
)


def gaussian(n: int, mean, std, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, len(mean))) * np.asarray(std) + np.asarray(mean)


def test_fd_of_identical_sets_is_zero() -> None:
    a = gaussian(500, [0.0] * 8, [1.0] * 8, seed=0)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_fd_grows_with_mean_shift() -> None:
    a = gaussian(2000, [0.0] * 4, [1.0] * 4, seed=0)
    distances = [frechet_distance(a, a + shift) for shift in (0.5, 1.0, 2.0)]
    assert distances == sorted(distances)
    # A pure shift leaves the covariances equal, so FD is exactly |shift|^2 * d.
    assert distances[1] == pytest.approx(4.0, rel=1e-6)


def test_fd_from_moments_matches_closed_form_for_diagonal_gaussians() -> None:
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    var1, var2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = ((mu1 - mu2) ** 2).sum() + (var1 + var2 - 2 * np.sqrt(var1 * var2)).sum()
    assert expected == pytest.approx(1 + 0 + 6.25 + 4 + 1 + 0)
    assert frechet_distance_from_moments(mu1, np.diag(var1), mu2, np.diag(var2)) == pytest.approx(expected, rel=1e-10)


def test_fd_from_moments_handles_non_commuting_covariances() -> None:
    """A rotated covariance: FD equals the 2-Wasserstein formula computed by another route."""
    sigma1 = np.diag([4.0, 1.0])
    angle = 0.7
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    sigma2 = rotation @ np.diag([2.0, 0.5]) @ rotation.T
    # For 2x2 SPD matrices tr(sqrt(M)) = sqrt(tr M + 2 sqrt(det M)) with M = S1 S2 (its eigenvalues are real).
    m = sigma1 @ sigma2
    trace_sqrt = math.sqrt(np.trace(m) + 2 * math.sqrt(np.linalg.det(m)))
    expected = np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt
    assert frechet_distance_from_moments(np.zeros(2), sigma1, np.zeros(2), sigma2) == pytest.approx(expected, rel=1e-10)


def test_fd_from_samples_approaches_the_analytic_value() -> None:
    mean_a, std_a, mean_b, std_b = [0.0, 0.0, 0.0], [1.0, 2.0, 0.5], [1.0, -1.0, 0.0], [2.0, 2.0, 1.0]
    analytic = frechet_distance_from_moments(
        np.array(mean_a), np.diag(np.square(std_a)), np.array(mean_b), np.diag(np.square(std_b))
    )
    sampled = frechet_distance(gaussian(40_000, mean_a, std_a, 1), gaussian(40_000, mean_b, std_b, 2))
    assert analytic == pytest.approx(3.25)
    assert sampled == pytest.approx(analytic, rel=0.05)


def test_fd_rejects_single_samples() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))


def test_chunked_fd_scores_a_large_set_at_the_small_sets_size() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 4)), rng.normal(size=(50, 4))
    chunks = [frechet_distance(a[i : i + 50], b) for i in range(0, 300, 50)]
    assert chunked_frechet_distance(a, b, 50) == pytest.approx(np.mean(chunks))
    assert chunked_frechet_distance(a, b, 500) == pytest.approx(frechet_distance(a[:500], b))  # one chunk: all
    # Same distribution: the small chunks carry the small-n bias the full set does not, as a same-n floor would.
    assert chunked_frechet_distance(a, b, 50) > frechet_distance(a, b)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_a_shift() -> None:
    a, b = gaussian(600, [0.0] * 16, [1.0] * 16, 0), gaussian(600, [0.0] * 16, [1.0] * 16, 1)
    same_mean, same_std = kernel_inception_distance(a, b, subsets=10, subset_size=300)
    shifted_mean, shifted_std = kernel_inception_distance(a, b + 1.0, subsets=10, subset_size=300)
    assert abs(same_mean) < 3 * same_std + 1e-3  # unbiased: zero within its own noise
    assert shifted_mean > 10 * max(shifted_std, abs(same_mean))
    assert kernel_inception_distance(a, b + 1.0, subsets=10, subset_size=300) == (shifted_mean, shifted_std)  # seeded


def test_kid_shrinks_subsets_to_small_sets() -> None:
    mean, std = kernel_inception_distance(gaussian(20, [0.0] * 4, [1.0] * 4, 0), gaussian(16, [3.0] * 4, [1.0] * 4, 1))
    assert mean > 0 and np.isfinite(std)


def test_class_agreement() -> None:
    logits = np.array([[5.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 5.0], [5.0, 0.0, 0.0]])
    assert class_agreement(logits, np.array([0, 1, 2, 2])) == pytest.approx(0.75)
    assert class_agreement(torch.tensor(logits), torch.tensor([1, 0, 0, 1])) == 0.0
    with pytest.raises(ValueError):
        class_agreement(logits, np.array([0, 1]))


def test_classifier_features_shape_and_save_load_round_trip(tmp_path) -> None:
    torch.manual_seed(0)
    model = DomainClassifier(
        ClassifierConfig(in_channels=3, image_size=16, num_classes=5, class_names=list("abcde"))
    ).eval()
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    assert model.features(x).shape == (4, 128)
    assert model(x).shape == (4, 5)
    save_classifier(model, tmp_path / "clf")
    assert sorted(p.name for p in (tmp_path / "clf").iterdir()) == ["config.json", "model.safetensors"]
    loaded = load_classifier(tmp_path / "clf")
    assert loaded.config == model.config
    assert torch.equal(loaded(x), model(x))
    images = torch.randint(0, 256, (6, 3, 16, 16), dtype=torch.uint8)
    feats, logits = extract_features(loaded, images, batch_size=4)
    assert feats.shape == (6, 128) and logits.shape == (6, 5)
    np.testing.assert_allclose(feats, loaded.features(images.float() / 127.5 - 1).double().detach().numpy(), atol=1e-6)


def test_load_classifier_names_missing_files(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=re.escape("model.safetensors")):
        load_classifier(tmp_path)


def bars(n: int, size: int = 16) -> ImageCaptionDataset:
    """Class 0: a horizontal bar, class 1: a vertical bar, at random places."""
    g = torch.Generator().manual_seed(n)
    images = torch.zeros(n, 1, size, size, dtype=torch.uint8)
    labels = torch.arange(n) % 2
    for i, where in enumerate(torch.randint(2, size - 4, (n,), generator=g).tolist()):
        if labels[i] == 0:
            images[i, 0, where : where + 2, 2:-2] = 255
        else:
            images[i, 0, 2:-2, where : where + 2] = 255
    return ImageCaptionDataset(
        images, [["horizontal", "vertical"][k] for k in labels], labels, ["horizontal", "vertical"]
    )


def test_train_classifier_learns_an_easy_task() -> None:
    model, accuracy = train_classifier(bars(256), bars(64), epochs=3, batch_size=32, lr=3e-3, seed=0)
    assert accuracy >= 0.9
    assert model.config.class_names == ["horizontal", "vertical"] and model.config.test_accuracy == accuracy
    assert not model.training


def test_kmeans_is_deterministic_and_finds_separated_clusters() -> None:
    points = torch.cat([torch.randn(30, 4) * 0.1 + c for c in (0.0, 5.0, -5.0)])
    labels, centroids = kmeans(points, 3, seed=1)
    assert torch.equal(labels, kmeans(points, 3, seed=1)[0])
    assert [len(set(labels[i : i + 30].tolist())) for i in (0, 30, 60)] == [1, 1, 1]
    assert len(set(labels.tolist())) == 3 and centroids.shape == (3, 4)
    assert kmeans(points[:2], 5)[0].max() <= 1  # k never exceeds the number of points


def test_pseudo_labels_are_deterministic_and_group_similar_captions() -> None:
    captions = ["red apple", "green apple", "apple", "flag Japan", "flag France", "flag Italy"]
    labels = pseudo_labels(captions, k=2, seed=0)
    assert labels.dtype == torch.int64 and labels.shape == (6,)
    assert torch.equal(labels, pseudo_labels(captions, k=2, seed=0))
    assert len(set(labels[:3].tolist())) == 1 and len(set(labels[3:].tolist())) == 1 and labels[0] != labels[3]


@needs_fashion
def test_evaluate_diffusion_cli_end_to_end(tmp_path, capsys) -> None:
    from gencanvas.models.diffusion.config import DiffusionConfig
    from gencanvas.models.diffusion.files import save_model
    from gencanvas.models.diffusion.network import TextConditionedUNet
    from gencanvas.models.evaluate import main

    torch.manual_seed(0)
    save_model(TextConditionedUNet(DiffusionConfig.from_preset("tiny", image_size=16, channels=1)), tmp_path / "unet")
    config = ClassifierConfig(in_channels=1, image_size=16, num_classes=10, class_names=list(FASHION_CLASSES))
    save_classifier(DomainClassifier(config).eval(), tmp_path / "clf")
    out = tmp_path / "eval"
    code = main(
        [
            "diffusion",
            "--model",
            str(tmp_path / "unet"),
            "--classifier",
            str(tmp_path / "clf"),
            "--data",
            "fashion-mnist",
            "--limit",
            "40",
            "--n",
            "16",
            "--samplers",
            "ddim:2,dpm++:2",
            "--batch-size",
            "8",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    configs = [row["config"] for row in results["rows"]]
    assert configs == ["ddim:2", "dpm++:2", FLOOR, BLURRED, SHUFFLED, CEILING]
    assert results["n"] == 16 and results["data"] == "fashion-mnist"
    for row in results["rows"]:
        assert row["fd"] >= 0 and math.isfinite(row["kid_mean"]) and 0 <= row["class_agreement"] <= 1
    assert all(row["seconds_per_image"] > 0 for row in results["rows"][:2])
    assert results["rows"][2]["seconds_per_image"] is None
    floor, ceiling = results["rows"][2], results["rows"][5]
    assert ceiling["fd"] > floor["fd"]  # even random features tell noise from garments better than train from test
    markdown = (out / "results.md").read_text()
    assert "| floor (train vs test) | " in markdown and "| ceiling (uniform noise) |" in markdown
    assert f"| {BLURRED} |" in markdown and f"| {SHUFFLED} |" in markdown
    assert "| ddim:2 |" in markdown and "| dpm++:2 |" in markdown
    assert "| dpm++:2 |" in capsys.readouterr().out


def test_evaluate_diffusion_scores_caption_cluster_agreement_on_unlabelled_folders(tmp_path) -> None:
    """Emoji and users' folders have no classes: agreement is with the prompt's caption cluster."""
    from PIL import Image

    from gencanvas.models.diffusion.config import DiffusionConfig
    from gencanvas.models.diffusion.files import save_model
    from gencanvas.models.diffusion.network import TextConditionedUNet
    from gencanvas.models.evaluate import main, split_data
    from gencanvas.models.evaluation import labels_for

    folder = tmp_path / "photos"
    folder.mkdir()
    captions = ["red apple", "green apple", "ripe apple", "flag Japan", "flag France", "flag Italy"] * 4
    for i, caption in enumerate(captions):
        Image.new("RGB", (16, 16), (40 * (i % 6), 20, 200)).save(folder / f"{i:02d}.png")
        (folder / f"{i:02d}.txt").write_text(caption)
    train, test, _ = split_data(str(folder), size=16, limit=None)
    *_, names = labels_for(train, test, 2, seed=0)
    torch.manual_seed(0)
    save_model(TextConditionedUNet(DiffusionConfig.from_preset("tiny", image_size=16, channels=3)), tmp_path / "unet")
    common = [
        "diffusion",
        "--model",
        str(tmp_path / "unet"),
        "--data",
        str(folder),
        "--n",
        "12",  # more than the held-out images: the floor and ceiling get as many training images, prompts any
        "--samplers",
        "dpm++:2",
        "--batch-size",
        "4",
    ]
    for clf_names, out in ((names, tmp_path / "eval"), (["cluster 0: x", "cluster 1: y"], tmp_path / "eval-other")):
        save_classifier(
            DomainClassifier(
                ClassifierConfig(in_channels=3, image_size=16, num_classes=2, class_names=clf_names)
            ).eval(),
            tmp_path / "clf",
        )
        assert main([*common, "--classifier", str(tmp_path / "clf"), "--out", str(out)]) == 0
    info = json.loads((tmp_path / "eval" / "results.json").read_text())
    rows = info["rows"]
    assert all(0 <= row["class_agreement"] <= 1 for row in rows), "generated, floor and ceiling rows are all scored"
    assert info["n"] == rows[0]["n"] == 12 and info["n_real"] == len(test) < 12
    assert all(row["n"] == min(12, len(train)) for row in rows[1:])
    assert "class of its prompt's caption" in (tmp_path / "eval" / "results.md").read_text()
    other = json.loads((tmp_path / "eval-other" / "results.json").read_text())["rows"]
    assert all(row["class_agreement"] is None for row in other), "clusters that do not match are not scored"


def test_median_nearest_distance_finds_each_querys_closest_reference() -> None:
    from gencanvas.models.evaluation import median_nearest_distance

    references = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert median_nearest_distance(references, references) == 0.0  # a copy sits on its original
    queries = np.array([[1.0, 0.0], [10.0, 2.0], [0.0, 3.0]])  # nearest distances 1, 2, 3
    assert median_nearest_distance(queries, references) == 2.0
