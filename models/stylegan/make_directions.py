"""Compute and ship edit directions (and the FD) for a trained StyleGAN folder.

    python -m gencanvas.models.stylegan.make_directions --model resources/weights/stylegan-fashion --labels fashion
    python -m gencanvas.models.stylegan.make_directions --model DIR --labels fashion \\
        --classifier resources/weights/fashion-classifier

Writes ``directions.safetensors`` + ``directions.json`` and (re)writes the card's "Directions",
"Evaluation" and "Edit check" sections, keeping every other section as it was.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from gencanvas.atomic import write_text_atomically
from gencanvas.models.data import load_dataset
from gencanvas.models.evaluation import extract_features, frechet_distance
from gencanvas.models.stylegan.config import EDIT_RANGE
from gencanvas.models.stylegan.directions import (
    LABEL_METHODS,
    LABEL_SHARES,
    Directions,
    combine,
    generate_uint8,
    labelled_directions,
    pca_directions,
    sample_w,
)
from gencanvas.models.stylegan.edit_check import DEFAULT_VALUES, choose_directions, edit_responses, markdown_table
from gencanvas.models.stylegan.files import load_generator
from gencanvas.models.stylegan.labels import (
    CLASSIFIER_SIZE,
    EMOJI_GROUPS,
    emoji_group_classifier,
    fashion_classifier,
)

EMOJI_WANTED = ["flag", "face", "person"]
FASHION_WANTED = ["trouser", "sneaker", "bag", "dress"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gencanvas.models.stylegan.make_directions", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--labels", choices=["emoji", "fashion", "none"], default="none")
    parser.add_argument("--classifier", type=Path, default=Path("resources/weights/fashion-classifier"))
    parser.add_argument("--pcs", type=int, default=5, help="principal components to ship")
    parser.add_argument("--samples", type=int, default=3000, help="generated samples for the labelled directions")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.monotonic()
    torch.manual_seed(args.seed)
    G = load_generator(args.model)
    w_all = sample_w(G, 20_000, seed=args.seed)
    parts = [pca_directions(w_all, args.pcs)]
    evaluation = ""
    if args.labels != "none":
        if args.labels == "emoji":
            real = load_dataset("emoji", size=CLASSIFIER_SIZE)
            classifier, accuracy = emoji_group_classifier(real, seed=args.seed)
            names, wanted, source = (
                list(EMOJI_GROUPS),
                EMOJI_WANTED,
                f"emoji-group classifier trained here (held-out accuracy {accuracy:.3f})",
            )
        else:
            real = load_dataset("fashion-mnist", split="test", size=G.config.image_size)
            classifier = fashion_classifier(args.classifier)
            if classifier.config.class_names is None:
                raise SystemExit(f"{args.classifier} has no class names, which the labelled directions need")
            names, wanted, source = (
                classifier.config.class_names,
                FASHION_WANTED,
                f"shipped classifier {args.classifier.name}",
            )
        w = w_all[: args.samples]
        images = generate_uint8(G, w, size=real.size)
        features, logits = extract_features(classifier, images)
        log_probs = torch.from_numpy(logits).float().log_softmax(1)
        labels = log_probs.argmax(1)
        candidates = [
            labelled_directions(w, log_probs, names, wanted, share=share, method=method)
            for method in LABEL_METHODS
            for share in LABEL_SHARES
        ]
        parts.append(choose_directions(G, classifier, candidates, names, seed=args.seed + 1))
        evaluation = _evaluation(G, classifier, real, features, labels, names, source, args.seed)
    directions = combine(*parts)
    if args.labels != "none":
        evaluation += _edit_check(G, classifier, directions, names, source, args.seed)
    directions.save(args.model)
    _append_card(
        args.model,
        directions,
        evaluation,
        " ".join(["python -m gencanvas.models.stylegan.make_directions", *(argv or sys.argv[1:])]),
        time.monotonic() - started,
    )
    print(json.dumps({"names": directions.names, "notes": directions.notes}, indent=2))
    return 0


def _evaluation(
    G, classifier, real, features: np.ndarray, labels: torch.Tensor, names: list[str], source: str, seed: int
) -> str:
    """FD of untruncated and truncated samples against real images, with a real-vs-real floor beside it."""
    n = min(len(real), len(features))
    real_feats, _ = extract_features(classifier, real.subset(n, seed=seed).images)
    half = n // 2
    floor = frechet_distance(real_feats[:half], real_feats[half : 2 * half])
    w = sample_w(G, n, seed=seed + 1)
    truncated, _ = extract_features(classifier, generate_uint8(G, w, G.config.default_truncation, real.size))
    shares = ", ".join(f"{name} {float((labels == i).float().mean()):.0%}" for i, name in enumerate(names))
    return f"""
## Evaluation

Features of the {source} at {real.size} px; n = {n} generated vs {n} real images (CPU, {platform.machine()}).

| samples | FD ↓ |
| --- | ---: |
| ψ = 1.0 (untruncated) | {frechet_distance(features[:n], real_feats):.2f} |
| ψ = {G.config.default_truncation} | {frechet_distance(truncated, real_feats):.2f} |
| floor: real half vs real half (n = {half}) | {floor:.2f} |

Labels the classifier gives untruncated samples: {shares}.
"""


def _edit_check(
    G, classifier, directions: Directions, names: list[str], source: str, seed: int, seeds: int = 200
) -> str:
    """The card's slider table: does each labelled direction raise its class as the slider rises?"""
    responses = edit_responses(G, classifier, directions, names, DEFAULT_VALUES, seeds=seeds, seed=seed)
    return f"""
## Edit check

Mean probability the {source} gives each labelled direction's class, {seeds} seeds at
ψ = {G.config.default_truncation}, the fixed noise pattern, the edit on every style layer (slider values in standard
deviations; *monotone*: it never falls as the slider rises). `python -m gencanvas.models.stylegan.edit_check`
repeats it with a shipped classifier.

{markdown_table(responses, DEFAULT_VALUES)}
"""


OWN_SECTIONS = ("Directions", "Evaluation", "Edit check")  # what this command writes; the rest is kept


def _append_card(folder: Path, directions: Directions, evaluation: str, command: str, seconds: float) -> None:
    card = folder / "MODEL_CARD.md"
    text = card.read_text(encoding="utf-8") if card.exists() else f"# {folder.name}\n"
    head, *sections = text.split("\n## ")
    kept = [section for section in sections if section.split("\n", 1)[0].strip() not in OWN_SECTIONS]
    rows = "\n".join(
        f"| {name} | {kind} | {float(scale):.3f} | {json.dumps(directions.notes.get(name, {}))} |"
        for name, kind, scale in zip(directions.names, directions.kinds, directions.scales, strict=False)
    )
    own = f"""
## Directions

`directions.safetensors` + `directions.json`, made by `{command}` in {seconds:.0f} s. Slider units are standard
deviations of w along each direction (the sliders reach ±{EDIT_RANGE:g}). PCA (GANSpace) on 20,000 w. Labelled
directions (InterFaceGAN) come from the share (10 % or 25 %) of 3,000 generated samples the classifier scores
highest for a class and the share it scores lowest, by three methods: the normal of a logistic regression in w
between the two groups, the difference of their mean w, and the top group's mean w minus the mean of all w. Each
class keeps the candidate whose slider sweep ({", ".join(f"{v:+g}" for v in DEFAULT_VALUES)}) raises its
probability monotonically and most on 200 validation codes the edit check below does not use (`validation_sweep`).

| name | kind | std of w | notes |
| --- | --- | ---: | --- |
{rows}
{evaluation}"""
    text = head.rstrip() + "\n" + own.rstrip() + "\n" + "".join(f"\n## {section.rstrip()}\n" for section in kept)
    write_text_atomically(card, text)


if __name__ == "__main__":
    sys.exit(main())
