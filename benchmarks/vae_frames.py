"""Latent interpolation speed: milliseconds per frame on the shipped VAEs, and what training cost.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/vae_frames.py [--frames 32] [--repeats 5] [--device cpu]

"decode" is the network alone (one latent → one image); "encode" one canvas image's posterior
mean, with the model's refinement steps (what "start from the canvas" waits for); "plugin" is the whole
``vae-interpolate`` run through the job runner divided by its frame count: slerp path,
decode, upscale ×4, streaming each frame and tiling the result sheet, as the GUI and CLI
run it. Training minutes and steps come from each model's training.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from functools import partial

import numpy as np
import torch
from _report import report

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.models.vae.files import load_vae
from gencanvas.plugins.vae_interpolate import InterpolateParams, VAEInterpolate
from gencanvas.plugins.vae_support import PREFIX, available_models, weights_root


def copy_frame(frame: np.ndarray, step: int, total: int) -> None:
    """The GUI copies each streamed frame before it builds an image; the benchmark pays the same."""
    frame.copy()


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up: first-call allocations and lazy initialisation
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    runner = JobRunner(device=args.device)
    rows = []
    for name in available_models():
        folder = weights_root() / f"{PREFIX}{name}"
        if not (folder / "model.safetensors").exists():
            print(f"skipping {name}: no weights in {folder}")
            continue
        model = load_vae(folder, args.device)
        latent = torch.randn(1, model.config.latent_dim, device=args.device)
        with torch.no_grad():
            decode = median_seconds(partial(model.decode, latent), args.repeats * 10)
        c = model.config
        canvas = torch.zeros(1, c.channels, c.image_size, c.image_size, device=args.device)
        encode = median_seconds(partial(model.posterior_mean, canvas), args.repeats)
        params = InterpolateParams(model=name, frames=args.frames, seed=1, end_seed=2)
        inputs = PluginInputs(64, 64, image=torch.zeros(64, 64, 3, dtype=torch.uint8).numpy())
        job = Job(VAEInterpolate(), params, inputs, seed=1)
        plugin = median_seconds(partial(runner.run, job, copy_frame), args.repeats) / args.frames
        training = json.loads((folder / "training.json").read_text(encoding="utf-8"))
        rows.append(
            [
                name,
                f"{c.image_size}×{c.image_size}×{c.channels}",
                c.latent_dim,
                f"{decode * 1000:.2f}",
                f"{encode * 1000:.1f} ({c.refine_steps} steps)",
                f"{plugin * 1000:.2f}",
                training["steps"],
                f"{training['train_seconds'] / 60:.1f}",
            ]
        )
    report(
        f"vae_frames_{args.device}",
        [
            "model",
            "image",
            "latent",
            "decode ms/frame",
            "encode ms (refinement)",
            "plugin ms/frame",
            "training steps",
            "training min",
        ],
        rows,
        {"frames": args.frames, "repeats": args.repeats, "torch_threads": torch.get_num_threads()},
    )
    print(
        f"\nmedian of {args.repeats} runs of {args.frames} frames (decode: of {args.repeats * 10}), "
        f"device {args.device}, {torch.get_num_threads()} torch thread(s)"
    )


if __name__ == "__main__":
    main()
