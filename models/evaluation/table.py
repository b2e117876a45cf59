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
    class_agreement,
    extract_features,
    frechet_distance,
    kernel_inception_distance,
)
from gencanvas.models.evaluation.sanity import sanity_sets

Features = tuple[np.ndarray, np.ndarray]
FLOOR, CEILING = "floor (train vs test)", "ceiling (uniform noise)"


def row(name: str, real: Features, fake: Features, wanted, seconds: float | None, n: int, **extra) -> dict:
    """FD, KID (mean ± std over subsets of half the set, at most 1000) and class agreement of ``fake`` vs ``real``."""
    kid_mean, kid_std = kernel_inception_distance(fake[0], real[0], subset_size=min(1000, max(2, n // 2)))
    agreement = class_agreement(fake[1], wanted) if wanted is not None else None
    return {
        "config": name,
        **extra,
        "n": n,
        "fd": frechet_distance(fake[0], real[0]),
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "class_agreement": agreement,
        "seconds_per_image": seconds,
    }


def reference_rows(
    classifier: DomainClassifier,
    real: Features,
    train_images: torch.Tensor,
    test_shape: tuple[int, ...],
    train_wanted: torch.Tensor | None,
    batch_size: int = 250,
    seed: int = 0,
) -> list[dict]:
    """Floor (real training images), blurred and patch-shuffled copies of them, and uniform noise, each vs ``real``.

    The sanity rows use the same training images as the floor, so the only difference from it
    is the degradation; a metric that can tell puts them far above the floor.
    """
    n = len(train_images)
    rows = [row(FLOOR, real, extract_features(classifier, train_images, batch_size), train_wanted, None, n)]
    for name, images in sanity_sets(train_images, seed).items():
        rows.append(row(name, real, extract_features(classifier, images, batch_size), train_wanted, None, n))
    noise = torch.randint(0, 256, test_shape, generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)
    rows.append(row(CEILING, real, extract_features(classifier, noise, batch_size), train_wanted, None, n))
    return rows


def floor_ratios(rows: list[dict]) -> dict[str, float]:
    """Each row's FD divided by the floor's: the figure the targets ("≤ 3× floor", "≥ 5× floor") are stated in."""
    floor = next(r["fd"] for r in rows if r["config"] == FLOOR)
    return {r["config"]: r["fd"] / floor if floor > 0 else float("inf") for r in rows}


def markdown_table(rows: list[dict]) -> str:
    """One line per row: config, FD, FD / floor, KID mean ± std, class agreement, seconds per image."""
    ratios = floor_ratios(rows) if any(r["config"] == FLOOR for r in rows) else {}
    lines = [
        "| config | FD ↓ | × floor | KID ↓ | class agreement ↑ | s / image |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        agree = "—" if r["class_agreement"] is None else f"{r['class_agreement']:.1%}"
        secs = "—" if r["seconds_per_image"] is None else f"{r['seconds_per_image']:.4f}"
        ratio = f"{ratios[r['config']]:.1f}" if r["config"] in ratios else "—"
        lines.append(
            f"| {r['config']} | {r['fd']:.4g} | {ratio} | {r['kid_mean']:.3g} ± {r['kid_std']:.2g} | {agree} | {secs} |"
        )
    return "\n".join(lines)
