"""Distribution metrics on domain-classifier features: Fréchet distance, KID, class agreement.

Written with numpy/torch only (no scipy): the one hard step, a matrix square root, is
done by symmetric eigendecomposition, which is exact for covariance matrices and stable
when they are rank-deficient (fewer images than feature dimensions).
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from gencanvas.models.evaluation.classifier import FEATURE_DIM, DomainClassifier


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix; tiny negative eigenvalues (round-off) become 0."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance_from_moments(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Fréchet (2-Wasserstein) distance² between N(mu1, sigma1) and N(mu2, sigma2).

    ``|mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr((sqrt(S1) S2 sqrt(S1))^½)``; the symmetric form
    of the cross term has real, non-negative eigenvalues, unlike the ``S1 S2`` product
    FID code usually feeds to ``scipy.linalg.sqrtm``.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    root1 = _sqrt_psd(sigma1)
    cross = root1 @ sigma2 @ root1
    cross_eigenvalues = np.linalg.eigvalsh((cross + cross.T) / 2)
    trace_cross = float(np.sqrt(np.clip(cross_eigenvalues, 0.0, None)).sum())
    value = float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_cross)
    return max(value, 0.0)  # round-off can give -1e-12 for identical sets


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FD between two feature sets (N, D), each summarised by its mean and covariance (float64)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"need at least 2 feature vectors per set, got {len(a)} and {len(b)}")
    return frechet_distance_from_moments(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def chunked_frechet_distance(a: np.ndarray, b: np.ndarray, size: int) -> float:
    """Mean FD of ``b`` against disjoint chunks of ``size`` rows of ``a`` (at least one chunk).

    FD is biased upward by small sets, so a figure from n generated images only compares with a
    floor from m < n real ones at the same size: this is the generator's FD at m, using every image.
    """
    chunks = max(1, len(a) // size)
    return float(np.mean([frechet_distance(a[i * size : (i + 1) * size], b) for i in range(chunks)]))


def _polynomial_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² with k(x, y) = (x·y / d + 1)³: diagonal terms left out of the within-set means."""
    m, d = len(x), x.shape[1]
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.mean())


def kernel_inception_distance(
    a: np.ndarray, b: np.ndarray, *, subsets: int = 10, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """KID (Bińkowski et al., 2018) as (mean, std) over random subsets.

    Unlike FD it is unbiased, so small CPU-sized runs (n = 200) are comparable with large
    ones; the std over subsets says how much of a difference is noise. Subsets shrink to
    the smaller set when it has fewer than ``subset_size`` rows.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    size = min(subset_size, len(a), len(b))
    if size < 2:
        raise ValueError(f"need at least 2 feature vectors per set, got {len(a)} and {len(b)}")
    rng = np.random.default_rng(seed)
    values = [
        _polynomial_mmd2(a[rng.choice(len(a), size, replace=False)], b[rng.choice(len(b), size, replace=False)])
        for _ in range(subsets)
    ]
    return float(np.mean(values)), float(np.std(values))


def median_nearest_distance(queries: np.ndarray, references: np.ndarray) -> float:
    """Median over ``queries`` (N, D) of the Euclidean distance to the nearest of ``references`` (M, D).

    The copying check for small training sets: a generator that reproduces its training images puts
    its samples far nearer to them than held-out real images are, which FD alone cannot see.
    """
    distances = torch.cdist(
        torch.as_tensor(queries, dtype=torch.float64), torch.as_tensor(references, dtype=torch.float64)
    )
    return float(distances.min(dim=1).values.median())


def class_agreement(logits: np.ndarray | torch.Tensor, wanted_labels: np.ndarray | torch.Tensor) -> float:
    """Share of images the domain classifier assigns to the class their prompt asked for.

    A wanted label below 0 means "no class known" (an emoji Unicode does not list): left out.
    """
    predicted = np.asarray(torch.as_tensor(logits).argmax(dim=1))
    wanted = np.asarray(torch.as_tensor(wanted_labels))
    if predicted.shape != wanted.shape:
        raise ValueError(f"{len(predicted)} predictions for {len(wanted)} wanted labels")
    known = wanted >= 0
    return float((predicted[known] == wanted[known]).mean()) if known.any() else float("nan")


@torch.no_grad()
def extract_features(
    classifier: DomainClassifier, images: torch.Tensor | np.ndarray, batch_size: int = 500, *, progress: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(features (N, 128), logits (N, K)) as float64 numpy for uint8 images or float images in [-1, 1].

    Passing generated images as uint8 (quantised like the real ones) keeps the comparison
    fair: otherwise FD would partly measure the absence of 8-bit rounding.
    """
    images = torch.as_tensor(images)
    classifier.eval()
    device = next(classifier.parameters()).device
    features, logits = [], []
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc="features", unit="batch", disable=not progress, leave=False):
        batch = images[start : start + batch_size].to(device)
        batch = batch.float() / 127.5 - 1.0 if batch.dtype == torch.uint8 else batch.float()
        feats = classifier.features(batch)
        features.append(feats.cpu().double())
        logits.append(classifier.head(feats).cpu().double())
    if not features:
        return np.zeros((0, FEATURE_DIM)), np.zeros((0, classifier.config.num_classes))
    return torch.cat(features).numpy(), torch.cat(logits).numpy()
