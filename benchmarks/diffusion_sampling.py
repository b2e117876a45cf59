"""Sampling time per image for each sampler and step count, and the cost of streaming x0 frames.

    .venv/bin/python benchmarks/diffusion_sampling.py --model resources/weights/fashion|emoji [--device cuda]

Streaming overhead compares the same seeded run with and without a per-step frame (x0
estimate → RGB uint8 → a copy, as the GUI worker does before it builds a QImage).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from benchmarks._report import report  # noqa: E402
from models.diffusion.files import load_model  # noqa: E402
from models.diffusion.sampling import sample  # noqa: E402
from models.diffusion.text import TextEncoder  # noqa: E402
from plugins.diffusion_support import to_rgb_uint8  # noqa: E402

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
    args = parser.parse_args()
    device = torch.device(args.device)
    model = load_model(args.model, device)
    text = TextEncoder(device).encode([model.config.captions[0]] * args.batch)
    rows = []
    for sampler, steps in CONFIGS:
        run = lambda: sample(model, text, sampler=sampler, steps=steps, generator=torch.Generator(device).manual_seed(0))  # noqa: E731
        seconds = timed(run, 1 if steps >= 500 else args.repeats, device)
        rows.append([sampler, steps, args.batch, f"{seconds / args.batch * 1000:.0f}"])

    frames = []
    plain = lambda: sample(model, text, sampler="dpm++", steps=20, generator=torch.Generator(device).manual_seed(0))  # noqa: E731
    streamed = lambda: sample(model, text, sampler="dpm++", steps=20, generator=torch.Generator(device).manual_seed(0),  # noqa: E731
                              on_step=lambda i, n, x0: frames.append(to_rgb_uint8(x0).copy()))
    repeats = max(args.repeats, 5)
    without, with_frames = timed(plain, repeats, device), timed(streamed, repeats, device)
    overhead = (with_frames / without - 1) * 100
    report(f"diffusion_sampling_{args.model.name}_{device.type}", ["sampler", "steps", "batch", "ms per image"], rows,
           {"streaming": {"without_s": without, "with_s": with_frames, "overhead_percent": overhead}})
    print(f"\nstreaming x0 frames, dpm++ 20 steps: {without * 1000:.0f} ms without, {with_frames * 1000:.0f} ms with "
          f"→ overhead {overhead:+.1f} % (median of {repeats}, device {device})")


if __name__ == "__main__":
    main()
