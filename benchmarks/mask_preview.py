"""Soft masks: what the feather preview costs, and what one soft-brush mouse move costs.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mask_preview.py [--repeats 5]

The preview (``gencanvas.qt.mask_preview.preview_rgba``: ``soft_mask`` plus the overlay) is
timed for a hard and a soft-brush mask covering about a quarter of a 512², 1024² and 2048²
canvas, grown 4 px and feathered 16 px: more than a frame at the larger sizes is why it runs
off the GUI thread. The soft brush row times one mouse move of a 256 px brush (the new
segment's coverage over its rectangle), which runs on the GUI thread during a stroke.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from _report import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gencanvas.core.brush import segment_coverage
from gencanvas.qt.mask_preview import preview_rgba


def median_ms(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def masks(side: int) -> dict[str, np.ndarray]:
    radius = side / 4
    hard = segment_coverage(0, 0, side, side, (side / 4, side / 2), (3 * side / 4, side / 2), radius / 2, 1.0)
    soft = segment_coverage(0, 0, side, side, (side / 4, side / 2), (3 * side / 4, side / 2), radius / 2, 0.3)
    return {"hard": hard, "soft brush (hardness 30 %)": soft}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows: list[list[object]] = []
    for side in (512, 1024, 2048):
        for name, coverage in masks(side).items():
            ms = median_ms(lambda c=coverage: preview_rgba(c, 4, 16), args.repeats)
            rows.append([f"feather preview, {name} mask", f"{side}²", ms])
    move = median_ms(lambda: segment_coverage(900, 900, 276, 276, (1030.0, 1030.0), (1046.0, 1038.0), 128, 0.3), 20)
    rows.append(["soft brush, one mouse move (256 px brush)", "any", move])
    report("mask_preview", ["what", "canvas", "ms (median)"], rows)


if __name__ == "__main__":
    main()
