"""Milliseconds per re-rendered frame while a StyleGAN slider is dragged (goal: ≥ 20 frames/s on the CPU).

    .venv/bin/python benchmarks/stylegan_frames.py [--model stylegan-emoji-faces] [--threads 2] [--frames 200]

Each frame is one full plugin job as the GUI worker runs it (validated parameters →
seed → w → edit on the layer range → synthesis → RGB uint8), with the slider value
changing every frame; the model is cached after the first job, as in the app. A second
row times the synthesis network alone, and the model's recorded training time is shown.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch
from _report import report

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.plugins.stylegan_edit import StyleGANEdit
from gencanvas.plugins.stylegan_support import weights_root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="stylegan-emoji-faces")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runner, plugin = JobRunner(device="cpu"), StyleGANEdit()
    inputs = PluginInputs(64, 64, image=np.zeros((64, 64, 3), np.uint8))
    schema = StyleGANEdit.params_for({"model": args.model})  # the model's own direction sliders
    direction = next(name for name in schema.model_fields if name.startswith("pc"))

    def sink(frame: np.ndarray, step: int, total: int) -> None:
        pass  # only the job time is measured

    runner.run(Job(plugin, schema(model=args.model), inputs, seed=1), sink)  # load + warm up

    samples = []
    for value in np.linspace(-3, 3, args.frames):
        params = schema(model=args.model, **{direction: float(value)})
        started = time.perf_counter()
        runner.run(Job(plugin, params, inputs, seed=1), sink)
        samples.append(time.perf_counter() - started)
    job_ms = statistics.median(samples) * 1000

    G = runner.models.get(("stylegan", args.model, "cpu"), lambda: None).generator
    ws = G.ws_from_z(torch.randn(1, G.config.z_dim))
    synth = []
    with torch.no_grad():
        for _ in range(args.frames):
            started = time.perf_counter()
            G.synthesis(ws, noise_mode="const")
            synth.append(time.perf_counter() - started)
    synth_ms = statistics.median(synth) * 1000

    record = json.loads((weights_root() / args.model / "training.json").read_text(encoding="utf-8"))
    size = G.config.image_size
    rows = [
        [f"slider edit, full plugin job ({size}×{size})", args.threads, f"{job_ms:.1f}", f"{1000 / job_ms:.0f}"],
        [f"synthesis network only ({size}×{size})", args.threads, f"{synth_ms:.1f}", f"{1000 / synth_ms:.0f}"],
    ]
    training = {
        "steps": record["steps"],
        "images_seen": record.get("images_seen"),
        "train_minutes": round(record["train_seconds"] / 60, 1),
        "device": record["device"],
    }
    report(
        f"stylegan_frames_{args.model}",
        ["what", "threads", "ms / frame (median)", "frames / s"],
        rows,
        {"frames": args.frames, "training": training},
    )
    print(
        f"\ngoal ≥ 20 frames/s: {'met' if job_ms <= 50 else 'NOT met'} ({1000 / job_ms:.0f} frames/s, median of "
        f"{args.frames}); training: {training}"
    )


if __name__ == "__main__":
    main()
