"""Held-out quality of a sketch-to-photo model: L1 / PSNR to the true image and edge adherence.

Edge adherence asks whether the picture follows the lines that were drawn: edges are
re-extracted from the output (colour Canny, fixed thresholds) and matched against the
sketch's strokes thinned to centre lines, within a tolerance of ``TOLERANCE`` pixels
(strokes are up to three pixels wide and an object's border can sit on either side of its
line). Precision: share of output edges near a stroke; recall: share of stroke centre lines
near an output edge; F1 their harmonic mean. The same score for the true image is the
reference a perfect model would get, since synthetic sketches are not perfect edge maps.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.pix2pix.network import UNetGenerator
from gencanvas.models.pix2pix.pairs import SketchPairs

TOLERANCE = 2
EDGE_THRESHOLDS = (60, 150)


def centre_lines(ink: np.ndarray) -> np.ndarray:
    """Morphological skeleton (Lantuéjoul) of a binary stroke mask: thick strokes and filled areas become lines."""
    mask: np.ndarray = ink.astype(np.uint8)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    skeleton = np.zeros_like(mask)
    while mask.any():
        eroded = cv2.erode(mask, cross)
        skeleton |= mask & (cv2.dilate(eroded, cross) == 0)  # what opening the mask would remove
        mask = eroded
    return skeleton.astype(bool)


def image_edges(image: np.ndarray) -> np.ndarray:
    """Edges of an RGB uint8 image, as the metric sees them."""
    return cv2.Canny(cv2.GaussianBlur(np.ascontiguousarray(image), (3, 3), 0), *EDGE_THRESHOLDS) > 0


def edge_scores(image: np.ndarray, sketch: np.ndarray) -> tuple[float, float, float]:
    """(precision, recall, F1) of ``image``'s edges against the strokes of ``sketch`` (both RGB uint8)."""
    strokes = sketch.min(axis=2) < 128
    lines, edges = centre_lines(strokes), image_edges(image)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * TOLERANCE + 1, 2 * TOLERANCE + 1))
    near_lines = cv2.dilate(lines.astype(np.uint8), disc).astype(bool)
    near_edges = cv2.dilate(edges.astype(np.uint8), disc).astype(bool)
    precision = float(near_lines[edges].mean()) if edges.any() else 0.0
    recall = float(near_edges[lines].mean()) if lines.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 images (peak 255); identical images are capped at 100 dB."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


@torch.no_grad()
def translate(generator: UNetGenerator, sketches: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """uint8 sketches (N, S, S, 3) → uint8 outputs (N, S, S, 3)."""
    device = next(generator.parameters()).device
    outputs = []
    for start in range(0, len(sketches), batch_size):
        x = torch.from_numpy(sketches[start : start + batch_size]).permute(0, 3, 1, 2).float().div(127.5).sub(1)
        y = generator.eval()(x.to(device)).clamp(-1, 1).add(1).mul(127.5).round().byte()
        outputs.append(y.permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(outputs)


def held_out_pairs(dataset: ImageCaptionDataset, config, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The fixed (sketches, truths) uint8 arrays the metrics use: same sketches every evaluation."""
    pairs = SketchPairs(dataset, styles=config.sketch_styles, hint_probability=config.hint_probability, fixed_seed=seed)
    sketches, truths = zip(*(pairs.pair(i) for i in range(len(pairs))), strict=False)
    return np.stack(sketches), np.stack(truths)


def evaluate_pairs(generator: UNetGenerator, dataset: ImageCaptionDataset, seed: int = 0) -> dict:
    """L1 (on [0, 1]), PSNR, edge precision/recall/F1 of the outputs, and edge F1 of the true images."""
    sketches, truths = held_out_pairs(dataset, generator.config, seed)
    outputs = translate(generator, sketches)
    edges = np.array([edge_scores(o, s) for o, s in zip(outputs, sketches, strict=False)])
    truth_f1 = np.array([edge_scores(t, s)[2] for t, s in zip(truths, sketches, strict=False)])
    return {
        "n": len(dataset),
        "l1": float(np.abs(outputs.astype(np.float64) - truths).mean() / 255.0),
        "psnr": float(np.mean([psnr(o, t) for o, t in zip(outputs, truths, strict=False)])),
        "edge_precision": float(edges[:, 0].mean()),
        "edge_recall": float(edges[:, 1].mean()),
        "edge_f1": float(edges[:, 2].mean()),
        "edge_f1_truth": float(truth_f1.mean()),
        "sketch_seed": seed,
    }
