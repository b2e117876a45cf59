"""The slider check: each labelled direction's class probability, swept the way the edit plugin draws."""

from __future__ import annotations

import json

import pytest
import torch

from gencanvas.models.evaluation import extract_features
from gencanvas.models.evaluation.classifier import ClassifierConfig, DomainClassifier, save_classifier
from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.directions import Directions, generate_uint8, labelled_directions, sample_w
from gencanvas.models.stylegan.edit_check import (
    DEFAULT_VALUES,
    EditResponse,
    choose_directions,
    edit_responses,
    main,
    markdown_table,
)
from gencanvas.models.stylegan.files import save_generator
from gencanvas.models.stylegan.network import Generator


def tiny_pair() -> tuple[Generator, DomainClassifier]:
    torch.manual_seed(0)
    G = Generator(StyleGANConfig.from_preset("tiny", image_size=32, channels_out=1)).eval().requires_grad_(False)
    G.mapping.w_avg.copy_(sample_w(G, 500).mean(0))
    classifier = DomainClassifier(ClassifierConfig(num_classes=2, class_names=["light", "dark"])).eval()
    return G, classifier


def fitted_directions(G: Generator, classifier: DomainClassifier):
    w = sample_w(G, 400, seed=1)
    _, logits = extract_features(classifier, generate_uint8(G, w))
    return labelled_directions(w, torch.from_numpy(logits).float().log_softmax(1), ["light", "dark"], ["dark"])


def test_monotone_means_never_falling():
    assert EditResponse("a", [0.1, 0.1, 0.3]).monotone
    assert not EditResponse("a", [0.1, 0.3, 0.2]).monotone
    table = markdown_table([EditResponse("bag", [0.1, 0.2]), EditResponse("dress", [0.3, 0.1])], (-3.0, 5.0))
    assert "| bag | 0.100 | 0.200 | yes |" in table and "| dress | 0.300 | 0.100 | no |" in table


def test_a_fitted_direction_raises_its_class_probability_and_others_are_skipped():
    G, classifier = tiny_pair()
    directions = fitted_directions(G, classifier)
    (response,) = edit_responses(G, classifier, directions, ["light", "dark"], (-3.0, 0.0, 3.0), seeds=50)
    assert response.name == "dark" and all(0.0 <= p <= 1.0 for p in response.probabilities)
    assert response.probabilities[2] > response.probabilities[0]
    assert edit_responses(G, classifier, directions, ["light"], (0.0,), seeds=5) == []  # no class of that name


def test_choosing_keeps_the_candidate_whose_slider_rises_on_its_own_seeds():
    G, classifier = tiny_pair()
    fitted = fitted_directions(G, classifier)
    backwards = Directions(["dark"], -fitted.vectors, fitted.scales, ["label"], {"dark": {"method": "backwards"}})
    for candidates in ([backwards, fitted], [fitted, backwards]):  # the order does not decide
        chosen = choose_directions(G, classifier, candidates, ["light", "dark"], seeds=30, seed=5)
        assert chosen.names == ["dark"]
        torch.testing.assert_close(chosen.vectors, fitted.vectors)
        sweep = chosen.notes["dark"]["validation_sweep"]
        assert len(sweep) == len(DEFAULT_VALUES) and sweep == sorted(sweep)
        assert chosen.notes["dark"]["validation_seed"] == 5
    with pytest.raises(ValueError, match="not a class"):
        choose_directions(G, classifier, [fitted], ["light"], seeds=5)


def test_command_prints_the_table_and_json(tmp_path, capsys):
    G, classifier = tiny_pair()
    save_generator(G, tmp_path / "gan")
    fitted_directions(G, classifier).save(tmp_path / "gan")
    save_classifier(classifier, tmp_path / "clf")
    args = ["--model", str(tmp_path / "gan"), "--classifier", str(tmp_path / "clf"), "--seeds", "20"]
    assert main([*args, "--values=-3,0,3", "--threads", "1"]) == 0
    table, data = capsys.readouterr().out.strip().rsplit("\n", 1)
    assert table.startswith("| direction | -3 | +0 | +3 | monotone |")
    assert set(json.loads(data)) == {"dark"} and len(json.loads(data)["dark"]["probabilities"]) == 3


def test_make_directions_writes_the_edit_check_into_the_card(tmp_path):
    from gencanvas.models.data import DEFAULT_FASHION_ROOT
    from gencanvas.models.stylegan.make_directions import FASHION_WANTED
    from gencanvas.models.stylegan.make_directions import main as make_directions

    if not DEFAULT_FASHION_ROOT.exists():
        pytest.skip("Fashion-MNIST is not installed")
    G, _ = tiny_pair()
    names = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
    torch.manual_seed(1)
    save_classifier(DomainClassifier(ClassifierConfig(num_classes=10, class_names=names)).eval(), tmp_path / "clf")
    save_generator(G, tmp_path / "gan")
    args = ["--model", str(tmp_path / "gan"), "--labels", "fashion", "--classifier", str(tmp_path / "clf")]
    (tmp_path / "gan" / "MODEL_CARD.md").write_text("# gan\n\nIntro.\n\n## History\n\nKept.\n", encoding="utf-8")
    assert make_directions([*args, "--samples", "200"]) == 0
    assert make_directions([*args, "--samples", "200"]) == 0  # a rerun rewrites its sections, not appends
    card = (tmp_path / "gan" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.startswith("# gan\n\nIntro.\n") and card.count("## History\n\nKept.") == 1
    assert card.count("## Directions") == card.count("## Edit check") == card.count("## Evaluation\n") == 1
    edit_section = card.split("## Edit check", 1)[1]
    assert edit_section.count("\n| ") == len(FASHION_WANTED) + 2  # header, rule, one row per labelled direction
    assert all(f"| {name} | " in edit_section for name in FASHION_WANTED)
