"""Compute and ship edit directions (and the FD) for a trained StyleGAN folder.

    python -m gencanvas.models.stylegan.make_directions --model resources/weights/stylegan-emoji --labels emoji
    python -m gencanvas.models.stylegan.make_directions --model DIR --labels fashion \\
        --classifier resources/weights/fashion-classifier

Writes ``directions.safetensors`` + ``directions.json`` and appends "Directions" and
"Evaluation" sections to the model card.
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

from gencanvas.models.data import load_dataset
from gencanvas.models.evaluation import extract_features, frechet_distance
from gencanvas.models.stylegan.directions import (
    Directions,
    combine,
    generate_uint8,
    labelled_directions,
    pca_directions,
    sample_w,
)
from gencanvas.models.stylegan.edit_check import DEFAULT_VALUES, edit_responses, markdown_table
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
        parts.append(labelled_directions(w, log_probs, names, wanted))
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


def _append_card(folder: Path, directions: Directions, evaluation: str, command: str, seconds: float) -> None:
    card = folder / "MODEL_CARD.md"
    text = card.read_text(encoding="utf-8") if card.exists() else f"# {folder.name}\n"
    text = text.split("\n## Directions")[0].rstrip() + "\n"
    rows = "\n".join(
        f"| {name} | {kind} | {float(scale):.3f} | {json.dumps(directions.notes.get(name, {}))} |"
        for name, kind, scale in zip(directions.names, directions.kinds, directions.scales, strict=False)
    )
    text += f"""
## Directions

`directions.safetensors` + `directions.json`, made by `{command}` in {seconds:.0f} s. Slider units are standard
deviations of w along each direction. PCA (GANSpace) on 20,000 w; labelled directions (InterFaceGAN) are the
normals of logistic regressions in w separating the quarter of 3,000 generated samples the classifier scores
highest for a class from the quarter it scores lowest.

| name | kind | std of w | notes |
| --- | --- | ---: | --- |
{rows}
{evaluation}"""
    card.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
