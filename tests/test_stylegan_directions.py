"""Edit directions: PCA (GANSpace), labelled (InterFaceGAN), files, projection into w."""

from __future__ import annotations

import pytest
import torch

from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.directions import (
    Directions,
    apply_edit,
    combine,
    labelled_directions,
    logistic_direction,
    pca_directions,
    sample_w,
)
from gencanvas.models.stylegan.network import Generator


def tiny() -> Generator:
    torch.manual_seed(0)
    G = Generator(StyleGANConfig.from_preset("tiny", image_size=16)).eval().requires_grad_(False)
    G.mapping.w_avg.copy_(sample_w(G, 500).mean(0))
    return G


def test_pca_directions_are_orthonormal_and_scaled_by_the_spread_of_w():
    torch.manual_seed(0)
    w = torch.randn(4000, 6) * torch.tensor([5.0, 3.0, 1.0, 0.5, 0.2, 0.1])
    directions = pca_directions(w, 3)
    assert directions.names == ["pc1", "pc2", "pc3"]
    torch.testing.assert_close(directions.vectors @ directions.vectors.T, torch.eye(3), atol=1e-5, rtol=0)
    assert abs(float(directions.vectors[0, 0])) > 0.99  # the widest axis comes first
    torch.testing.assert_close(directions.scales, torch.tensor([5.0, 3.0, 1.0]), rtol=0.05, atol=0)


def test_logistic_direction_recovers_a_known_boundary():
    torch.manual_seed(0)
    w = torch.randn(2000, 16)
    truth = torch.nn.functional.normalize(torch.randn(16), dim=0)
    vector, accuracy = logistic_direction(w, (w @ truth) > 0.3)
    assert float(vector @ truth) > 0.9 and accuracy > 0.9


def test_labelled_directions_rank_samples_by_classifier_score():
    torch.manual_seed(0)
    w = torch.randn(800, 8)
    scores = torch.stack([-w[:, 0], w[:, 0] + 0.3 * torch.randn(800), torch.zeros(800) - 5], dim=1).log_softmax(1)
    directions = labelled_directions(w, scores, ["a", "b", "rare"], ["b"])
    assert directions.names == ["b"] and directions.kinds == ["label"]
    assert float(directions.vectors[0, 0]) > 0.9 and directions.notes["b"]["balanced_accuracy"] > 0.9
    assert directions.notes["b"]["mean_probability_top"] > directions.notes["b"]["mean_probability_bottom"]


def test_mean_difference_points_from_the_low_scorers_to_the_high_ones():
    torch.manual_seed(0)
    w = torch.randn(800, 8)
    scores = torch.stack([-w[:, 0], w[:, 0] + 0.3 * torch.randn(800)], dim=1).log_softmax(1)
    directions = labelled_directions(w, scores, ["a", "b"], ["b"], method="mean difference")
    assert float(directions.vectors[0, 0]) > 0.9 and directions.notes["b"]["method"] == "mean difference"
    assert float(directions.vectors[0].norm()) == pytest.approx(1.0)
    towards = labelled_directions(w, scores, ["a", "b"], ["b"], share=0.1, method="centroid")
    assert float(towards.vectors[0, 0]) > 0.9 and towards.notes["b"]["share"] == 0.1
    with pytest.raises(ValueError, match="unknown method"):
        labelled_directions(w, scores, ["a", "b"], ["b"], method="vibes")


def test_directions_round_trip_through_files_and_edit_only_the_layer_range(tmp_path):
    torch.manual_seed(0)
    w = torch.randn(300, 8)
    directions = combine(pca_directions(w, 2), Directions(["x"], torch.eye(8)[:1], torch.tensor([2.0]), ["label"]))
    directions.save(tmp_path)
    loaded = Directions.load(tmp_path)
    assert loaded.names == ["pc1", "pc2", "x"] and loaded.kinds == ["pca", "pca", "label"]
    torch.testing.assert_close(loaded.vectors, directions.vectors)
    offset = loaded.offset({"x": 1.5})
    torch.testing.assert_close(offset, torch.eye(8)[0] * 3.0)
    ws = torch.zeros(1, 6, 8)
    edited = apply_edit(ws, offset, 2, 3)
    assert edited[0, 2:4].abs().sum() > 0 and edited[0, :2].abs().sum() == 0 and edited[0, 4:].abs().sum() == 0
    with pytest.raises(KeyError, match="unknown directions"):
        loaded.offset({"nope": 1.0})


def test_projection_reproduces_a_generated_image_better_than_the_average():
    from gencanvas.models.stylegan.projection import project, projection_loss

    G = tiny()
    with torch.no_grad():
        target = G.synthesis(
            G.ws_from_z(torch.randn(1, G.config.z_dim, generator=torch.Generator().manual_seed(5))), "const"
        )
        start = projection_loss(G.synthesis(G.mapping.w_avg[None, None].expand(1, G.num_ws, -1), "const"), target)
    frames = []
    ws = project(G, target, steps=40, on_step=lambda step, total, image: frames.append((step, total, image.shape)))
    with torch.no_grad():
        end = projection_loss(G.synthesis(ws, "const"), target)
    assert ws.shape == (1, G.num_ws, G.config.w_dim)
    assert float(end) < 0.5 * float(start)
    assert [f[0] for f in frames] == list(range(5, 41, 5)) and frames[0][2] == target.shape


@pytest.mark.real_weights
@pytest.mark.parametrize("name", ["trouser", "sneaker", "bag", "dress"])
def test_shipped_fashion_direction_raises_the_classifier_probability_of_its_class(name):
    """On the shipped weights: the directions the card calls monotone make their class more likely as they rise."""
    from gencanvas.core.resources import resource_path
    from gencanvas.models.evaluation import load_classifier
    from gencanvas.models.stylegan.edit_check import edit_responses
    from gencanvas.models.stylegan.files import load_generator

    folder, classifier_folder = (
        resource_path("weights", "stylegan-fashion"),
        resource_path("weights", "fashion-classifier"),
    )
    if not (folder / "directions.json").exists() or not (classifier_folder / "model.safetensors").exists():
        pytest.skip("shipped StyleGAN fashion weights or classifier absent")
    G, classifier = load_generator(folder), load_classifier(classifier_folder)
    directions = Directions.load(folder)
    responses = edit_responses(G, classifier, directions, classifier.config.class_names)  # the card's Edit check
    (response,) = [r for r in responses if r.name == name]
    probabilities = response.probabilities
    assert response.monotone and probabilities[-1] - probabilities[0] > 0.025, probabilities
