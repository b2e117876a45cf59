"""A soft round brush's coverage: how much of the brush colour each pixel gets from a stroke.

Qt-free so the falloff can be tested and benchmarked alone. The coverage of a segment is a
radial falloff of each pixel's distance to the segment -- the union of infinitely many dabs
along it, without the ridges of spaced dabs. The stroke keeps the maximum over its segments,
so a stroke going back over itself never builds up into a hard disc (as Krita's and
Photoshop's brushes behave within one stroke).
"""

from __future__ import annotations

import numpy as np


def falloff(distance: np.ndarray, radius: float, hardness: float) -> np.ndarray:
    """Coverage in [0, 1] at ``distance`` from the brush centre line.

    Full coverage up to ``hardness * radius``, then a cosine ease to 0 at ``radius``; with
    hardness 1 it is the hard disc (a pixel inside the radius is covered, outside it is not).
    """
    inner = hardness * radius
    if radius - inner < 1e-6:
        return (distance <= radius).astype(np.float32)
    t = np.clip((distance - inner) / (radius - inner), 0.0, 1.0)
    return (0.5 + 0.5 * np.cos(np.pi * t)).astype(np.float32)


def segment_coverage(
    left: int,
    top: int,
    width: int,
    height: int,
    start: tuple[float, float],
    end: tuple[float, float],
    radius: float,
    hardness: float,
) -> np.ndarray:
    """Coverage (float32, ``height`` x ``width``) of the pixels of that rectangle by one brush segment.

    Pixels are sampled at their centres; ``start == end`` is a single dab (a click).
    """
    xs = np.arange(left, left + width, dtype=np.float32) + 0.5
    ys = np.arange(top, top + height, dtype=np.float32) + 0.5
    px, py = xs[None, :] - start[0], ys[:, None] - start[1]
    dx, dy = end[0] - start[0], end[1] - start[1]
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0)
        px, py = px - t * dx, py - t * dy
    return falloff(np.sqrt(px * px + py * py), radius, hardness)
