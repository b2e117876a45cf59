"""``python -m gencanvas.models.evaluate pix2pix``: held-out L1/PSNR/edge F1 plus FD on a domain classifier.

FD compares the distribution of outputs with the true held-out images in the feature space
of a classifier trained on the same domain (``python -m gencanvas.models.evaluate classifier``), next
to two references: real training images (the floor a perfect model reaches at this n) and the
input sketches themselves (what "no translation at all" scores). A classifier made for
another domain (size or channels differ) is refused with a sentence saying so, and the rest
of the evaluation still runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.pix2pix.card import metrics_table
from gencanvas.models.pix2pix.metrics import TOLERANCE, evaluate_pairs, held_out_pairs, translate
from gencanvas.models.pix2pix.network import UNetGenerator
from gencanvas.models.pix2pix.pairs import to_rgb


def classifier_fit(classifier, generator: UNetGenerator) -> str | None:
    """None when the classifier takes the model's images; otherwise why it does not fit."""
    cc, mc = classifier.config, generator.config
    if (cc.in_channels, cc.image_size) != (mc.out_channels, mc.image_size):
        return (
            f"the classifier takes {cc.in_channels}×{cc.image_size}×{cc.image_size} images and this model makes "
            f"{mc.out_channels}×{mc.image_size}×{mc.image_size}: it was trained on another domain, so no FD"
        )
    return None


def frechet_rows(
    generator: UNetGenerator, classifier, train: ImageCaptionDataset, test: ImageCaptionDataset, seed: int = 0
) -> list[dict]:
    """FD of outputs, of real training images (floor) and of the raw sketches, each against the held-out truths."""
    from gencanvas.models.evaluation import extract_features, frechet_distance

    sketches, truths = held_out_pairs(test, generator.config, seed)
    outputs = translate(generator, sketches)

    def features(pixels_nhwc: np.ndarray) -> np.ndarray:
        return extract_features(classifier, torch.from_numpy(pixels_nhwc).permute(0, 3, 1, 2).contiguous())[0]

    real = features(truths)
    floor = to_rgb(train.subset(len(test), seed).images).permute(0, 2, 3, 1).numpy()
    return [
        {"config": "model outputs", "fd": frechet_distance(features(outputs), real)},
        {"config": "floor: real training images", "fd": frechet_distance(features(floor), real)},
        {"config": "input sketches, untranslated", "fd": frechet_distance(features(sketches), real)},
    ]


def fd_table(rows: list[dict]) -> str:
    lines = ["| images vs held-out truths | FD ↓ |", "| --- | ---: |"]
    return "\n".join(lines + [f"| {r['config']} | {r['fd']:.4g} |" for r in rows])


def results_markdown(metrics: dict, note: str, fd: list[dict] | None, fd_note: str, command: str) -> str:
    fd_text = fd_table(fd) if fd else f"No Fréchet distance: {fd_note}."
    return (
        f"{metrics['n']} held-out images ({note}), one synthetic sketch each (fixed seed {metrics['sketch_seed']}, "
        "same styles and colour-hint share as training). Edge scores: edges re-extracted from the output with colour "
        f"Canny, matched to the sketch's centre lines within {TOLERANCE} px; "
        "the true images' score is the reference.\n\n"
        f"Command: `{command}`\n\n{metrics_table(metrics)}\n\n{fd_note if fd else ''}\n\n{fd_text}\n"
    )


def update_card(folder: Path, section: str) -> None:
    """Replace the card's ``## Evaluation`` section (everything after its heading) with ``section``."""
    card = folder / "MODEL_CARD.md"
    if card.exists():
        text = re.sub(
            r"## Evaluation\n.*",
            lambda _: f"## Evaluation\n\n{section}",
            card.read_text(encoding="utf-8"),
            flags=re.DOTALL,
        )
        card.write_text(text, encoding="utf-8")


def evaluate(
    generator: UNetGenerator, train: ImageCaptionDataset, test: ImageCaptionDataset, classifier, seed: int = 0
) -> tuple[dict, list[dict] | None, str]:
    """(pair metrics, FD rows or None, a sentence on which features FD used or why there is none)."""
    metrics = evaluate_pairs(generator, test, seed)
    if classifier is None:
        return metrics, None, "no domain classifier given (--classifier)"
    if reason := classifier_fit(classifier, generator):
        return metrics, None, reason
    accuracy = classifier.config.test_accuracy
    trained = (
        f" (test accuracy {accuracy:.1%} on {classifier.config.num_classes} classes)" if accuracy is not None else ""
    )
    note = (
        f"FD on the 128-d features of the domain classifier{trained}; n = {len(test)} per set, so compare rows with "
        "each other rather than with FID values from the literature."
    )
    return metrics, frechet_rows(generator, classifier, train, test, seed), note
