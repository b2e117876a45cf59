"""Sampling time per image for each sampler and step count, and the cost of streaming x0 frames.

    .venv/bin/python benchmarks/diffusion_sampling.py --model resources/weights/fashion|emoji [--device cuda]

Streaming overhead compares the same seeded run with and without a per-step frame (x0
estimate → RGB uint8 → a copy, as the GUI worker does before it builds a QImage). The two runs
alternate and the overhead is the median of the per-pair ratios, so a machine that speeds up or
slows down during the measurement (another process, clock changes) affects both sides alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
from _report import report

from gencanvas.models.diffusion.files import load_model
from gencanvas.models.diffusion.sampling import sample
from gencanvas.models.diffusion.text import TextEncoder
from gencanvas.plugins.diffusion_support import to_rgb_uint8

CONFIGS = (("ddpm", 1000), ("ddim", 50), ("ddim", 20), ("dpm++", 20), ("dpm++", 10), ("euler-a", 30))


def timed(fn, repeats: int, device: torch.device) -> float:
    samples = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=Path("resources/weights/fashion"))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=15, help="alternating runs with and without frames")
    parser.add_argument("--streaming-only", action="store_true", help="skip the per-sampler table")
    args = parser.parse_args()
    device = torch.device(args.device)
    model = load_model(args.model, device)
    text = TextEncoder(device).encode([model.config.captions[0]] * args.batch)
    rows = []
    frames: list[np.ndarray] = []

    def run(sampler: str = "dpm++", steps: int = 20, stream: bool = False) -> None:
        """One seeded sampling run; with ``stream`` each step's x0 becomes an RGB frame, as in the GUI."""
        on_step = (lambda i, n, x0: frames.append(to_rgb_uint8(x0).copy())) if stream else None
        generator = torch.Generator(device).manual_seed(0)
        sample(model, text, sampler=sampler, steps=steps, generator=generator, on_step=on_step)

    for sampler, steps in () if args.streaming_only else CONFIGS:
        seconds = timed(partial(run, sampler, steps), 1 if steps >= 500 else args.repeats, device)
        rows.append([sampler, steps, args.batch, f"{seconds / args.batch * 1000:.0f}"])

    plain, streamed = run, partial(run, stream=True)
    timed(plain, 2, device)  # warm-up: allocator, scheduler tables
    pairs = [(timed(plain, 1, device), timed(streamed, 1, device)) for _ in range(args.pairs)]
    ratios = sorted(with_s / without_s - 1 for without_s, with_s in pairs)
    overhead = statistics.median(ratios) * 100
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    without = statistics.median(p[0] for p in pairs)
    with_frames = statistics.median(p[1] for p in pairs)
    report(
        f"diffusion_sampling_{args.model.name}_{device.type}",
        ["sampler", "steps", "batch", "ms per image"],
        rows,
        {
            "streaming": {
                "without_s": without,
                "with_s": with_frames,
                "overhead_percent": overhead,
                "overhead_quartiles_percent": [q * 100 for q in quartiles],
                "pairs": args.pairs,
            }
        },
    )
    print(
        f"\nstreaming x0 frames, dpm++ 20 steps: {without * 1000:.0f} ms without, {with_frames * 1000:.0f} ms with "
        f"→ overhead {overhead:+.1f} % (median of {args.pairs} alternating pairs, quartiles "
        f"{quartiles[0] * 100:+.1f} / {quartiles[2] * 100:+.1f} %, device {device})"
    )


if __name__ == "__main__":
    main()
