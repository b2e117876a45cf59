"""The rows every evaluation table has: the model's, then floor, sanity checks and ceiling.

One place builds them so diffusion, VAE and StyleGAN tables read the same way: FD / KID on
the domain classifier's features, class agreement where classes are known, and reference
rows that say how far "real", "degraded real" and "noise" sit on the same scale.
"""

from __future__ import annotations

import numpy as np
import torch

from gencanvas.models.evaluation.classifier import DomainClassifier
from gencanvas.models.evaluation.metrics import (
    chunked_frechet_distance,
    class_agreement,
    extract_features,
    frechet_distance,
    kernel_inception_distance,
)
from gencanvas.models.evaluation.sanity import sanity_sets

Features = tuple[np.ndarray, np.ndarray]
FLOOR, CEILING = "floor (train vs test)", "ceiling (uniform noise)"


def row(name: str, real: Features, fake: Features, wanted, seconds: float | None, floor_n: int = 0, **extra) -> dict:
    """FD, KID (mean ± std over subsets of half the smaller set, at most 1000) and class agreement of ``fake`` vs
    ``real``; with more fake images than the floor's ``floor_n``, also FD at the floor's n (``fd_at_floor_n``)."""
    n = len(fake[0])
    kid_mean, kid_std = kernel_inception_distance(
        fake[0], real[0], subset_size=min(1000, max(2, min(n, len(real[0])) // 2))
    )
    agreement = class_agreement(fake[1], wanted) if wanted is not None else None
    fd = frechet_distance(fake[0], real[0])
    return {
        "config": name,
        **extra,
        "n": n,
        "fd": fd,
        "fd_at_floor_n": chunked_frechet_distance(fake[0], real[0], floor_n) if 0 < floor_n < n else fd,
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "class_agreement": agreement,
        "seconds_per_image": seconds,
    }


def reference_rows(
    classifier: DomainClassifier,
    real: Features,
    train_images: torch.Tensor,
    train_wanted: torch.Tensor | None,
    batch_size: int = 250,
    seed: int = 0,
) -> list[dict]:
    """Floor (real training images), blurred and patch-shuffled copies of them, and uniform noise, each vs ``real``.

    The sanity rows use the same training images as the floor, so the only difference from it
    is the degradation; a metric that can tell puts them far above the floor. The noise has as
    many images too, so every reference row is at the floor's n.
    """
    rows = [row(FLOOR, real, extract_features(classifier, train_images, batch_size), train_wanted, None)]
    for name, images in sanity_sets(train_images, seed).items():
        rows.append(row(name, real, extract_features(classifier, images, batch_size), train_wanted, None))
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randint(0, 256, tuple(train_images.shape), generator=generator, dtype=torch.uint8)
    rows.append(row(CEILING, real, extract_features(classifier, noise, batch_size), train_wanted, None))
    return rows


def floor_ratios(rows: list[dict]) -> dict[str, float]:
    """Each row's FD at the floor's n divided by the floor's: the figure the targets ("≤ 3× floor", "≥ 5× floor")
    are stated in."""
    floor = next(r["fd"] for r in rows if r["config"] == FLOOR)
    return {r["config"]: r["fd_at_floor_n"] / floor if floor > 0 else float("inf") for r in rows}


def markdown_table(rows: list[dict]) -> str:
    """One line per row: config, n, FD (and FD at the floor's n where n differs), × floor, KID, class agreement,
    seconds per image."""
    ratios = floor_ratios(rows) if any(r["config"] == FLOOR for r in rows) else {}
    matched = any(r["fd_at_floor_n"] != r["fd"] for r in rows)
    head = "| config | n | FD ↓ |" + (" FD at the floor's n ↓ |" if matched else "")
    lines = [
        head + " × floor | KID ↓ | class agreement ↑ | s / image |",
        "| --- | ---: | ---: |" + (" ---: |" if matched else "") + " ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        agree = "—" if r["class_agreement"] is None else f"{r['class_agreement']:.1%}"
        secs = "—" if r["seconds_per_image"] is None else f"{r['seconds_per_image']:.4f}"
        ratio = f"{ratios[r['config']]:.1f}" if r["config"] in ratios else "—"
        at_floor = f" {r['fd_at_floor_n']:.4g} |" if matched else ""
        lines.append(
            f"| {r['config']} | {r['n']} | {r['fd']:.4g} |{at_floor} {ratio} "
            f"| {r['kid_mean']:.3g} ± {r['kid_std']:.2g} | {agree} | {secs} |"
        )
    return "\n".join(lines)
