"""Synthetic sketches from images: the training inputs pix2pix learns to turn back into pictures.

Two styles so the model does not overfit one edge detector: Canny (clean, thin contours) and
XDoG (Winnemöller et al., 2012: a thresholded difference of Gaussians that looks like pencil
lines and also marks dark areas). Strokes get a random thickness, because a hand drawing
scaled down to the model's size has lines anywhere from one to a few pixels wide, and are
sometimes drawn in the picture's own colours, which teaches the model to read brush colour
as a colour hint. Everything is numpy + OpenCV and works on uint8 (H, W, 3) images.
"""

from __future__ import annotations

import cv2
import numpy as np

STYLES = ("canny", "xdog")


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 and image.shape[2] == 3 else image.squeeze()


def canny_ink(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Canny contours as ink in [0, 1] (1 = stroke); random thresholds vary how much detail is drawn."""
    low = float(rng.uniform(40, 110))
    blurred = cv2.GaussianBlur(np.ascontiguousarray(image), (3, 3), 0)  # colour Canny: yellow on white is an edge too
    return (cv2.Canny(blurred, low, low * 2.5) > 0).astype(np.float32)


def xdog_ink(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """XDoG pencil lines as ink in [0, 1]: soft-thresholded difference of two Gaussians of the luminance."""
    gray = _gray(image).astype(np.float32) / 255.0
    sigma = float(rng.uniform(0.5, 1.0)) * max(1.0, image.shape[0] / 64)
    tau, eps, phi = 0.98, float(rng.uniform(-0.05, 0.02)), 150.0
    dog = cv2.GaussianBlur(gray, (0, 0), sigma) - tau * cv2.GaussianBlur(gray, (0, 0), sigma * 1.6)
    light = np.where(dog >= eps, 1.0, 1.0 + np.tanh(phi * (dog - eps)))
    return np.clip(1.0 - light, 0.0, 1.0).astype(np.float32)


def thicken(ink: np.ndarray, width: int) -> np.ndarray:
    """Grow strokes to about ``width`` pixels (grey-level dilation with a disc); width 1 leaves them as they are."""
    if width <= 1:
        return ink
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width))
    return cv2.dilate(ink, kernel)


def render(ink: np.ndarray, colour: np.ndarray | None = None) -> np.ndarray:
    """Ink on white paper as RGB uint8; ``colour`` (H, W, 3) uint8 colours the strokes, default black."""
    ink = ink[..., None]
    pen = np.zeros((*ink.shape[:2], 3), np.float32) if colour is None else colour.astype(np.float32)
    return np.round(255.0 * (1.0 - ink) + pen * ink).astype(np.uint8)


def synthesize(
    image: np.ndarray, rng: np.random.Generator, *, styles: tuple[str, ...] = STYLES, hint_probability: float = 0.3
) -> np.ndarray:
    """One random training sketch of ``image`` (uint8 (H, W, 3)): style, thickness and colour drawn from ``rng``."""
    style = styles[int(rng.integers(len(styles)))]
    ink = canny_ink(image, rng) if style == "canny" else xdog_ink(image, rng)
    scale = max(1, image.shape[0] // 64)
    ink = thicken(ink, int(rng.integers(1, 4)) * scale)
    colour = None
    if rng.random() < hint_probability:
        colour = cv2.medianBlur(np.ascontiguousarray(image), 5)  # the region's colour, not the outline's
    return render(ink, colour)


def layer_to_sketch(sketch: np.ndarray, size: int) -> np.ndarray:
    """Composite an RGBA sketch layer on white and shrink it to ``size``² without losing thin lines.

    Plain area-averaging would turn a 3-pixel stroke on a 512-pixel canvas into a faint grey
    smudge at 64 pixels. Growing every stroke to at least ``2·scale - 1`` canvas pixels first
    guarantees that it fully covers one model pixel wherever it lies, so lines arrive one to two
    model pixels wide and dark, which is what the training sketches look like.
    """
    layer = np.ascontiguousarray(sketch)  # "over white" with OpenCV's SIMD ops: numpy on strided channels is 10x slower
    alpha = cv2.cvtColor(cv2.extractChannel(layer, 3), cv2.COLOR_GRAY2RGB)
    paper = cv2.bitwise_not(
        cv2.multiply(cv2.bitwise_not(cv2.cvtColor(layer, cv2.COLOR_RGBA2RGB)), alpha, scale=1 / 255)
    )
    side = max(sketch.shape[:2])
    top, left = (side - sketch.shape[0]) // 2, (side - sketch.shape[1]) // 2  # pad to a square: aspect survives
    canvas = cv2.copyMakeBorder(
        paper,
        top,
        side - sketch.shape[0] - top,
        left,
        side - sketch.shape[1] - left,
        cv2.BORDER_CONSTANT,
        value=(255, 255, 255),
    )
    scale = side / size
    if scale > 1.5:
        k = int(np.ceil(2 * scale)) - 1
        canvas = cv2.erode(canvas, np.ones((k, k), np.uint8))  # darker wins: strokes grow on white paper
    interpolation = cv2.INTER_AREA if scale > 1 else cv2.INTER_LINEAR
    return cv2.resize(canvas, (size, size), interpolation=interpolation)
