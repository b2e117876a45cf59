"""Sketch-to-photo speed: ms per live frame on CPU, generator time per size, and training time per step.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/pix2pix_frames.py [--model resources/weights/pix2pix-emoji]

"Frame" is what the artist waits for after a stroke: the whole plugin run through the job
runner on a 512×512 canvas (composite, shrink, one generator pass, upscale). Training time
per step is one L1 + LSGAN step (generator and critic) at batch 8 with the "small" preset,
and the shipped model's own training record is quoted next to it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from _report import report
from torch.nn import functional as F

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.models.pix2pix import PatchDiscriminator, Pix2PixConfig, UNetGenerator


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up: first call loads weights and allocates
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def canvas_sketch(side: int = 512) -> np.ndarray:
    layer = np.zeros((side, side, 4), np.uint8)
    cv2.circle(layer, (side // 2, side // 2), side // 3, (0, 0, 0, 255), 4)
    cv2.line(layer, (side // 4, side // 3), (3 * side // 4, side // 3), (200, 30, 30, 255), 4)
    return layer


def train_step_ms(config: Pix2PixConfig, batch: int, repeats: int) -> float:
    generator, critic = UNetGenerator(config), PatchDiscriminator(config)
    opt_g, opt_d = torch.optim.Adam(generator.parameters()), torch.optim.Adam(critic.parameters())
    sketch = torch.randn(batch, 3, config.image_size, config.image_size)
    real = torch.randn_like(sketch)

    def step() -> None:
        fake = generator(sketch)
        r, f = critic(sketch, real), critic(sketch, fake.detach())
        d_loss = F.mse_loss(r, torch.ones_like(r)) + F.mse_loss(f, torch.zeros_like(f))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        s = critic(sketch, fake)
        g_loss = F.mse_loss(s, torch.ones_like(s)) + config.l1_weight * F.l1_loss(fake, real)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()

    return median_ms(step, repeats)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=Path("resources/weights/pix2pix-emoji"))
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    rows = []

    import gencanvas.plugins.pix2pix_sketch as plugin

    if (args.model / "model.safetensors").exists():
        plugin.weights_root = lambda: args.model.parent  # measure exactly this folder
        runner = JobRunner(device="cpu")
        params = plugin.SketchToPhoto.Params.model_construct(
            model=args.model.name, colour_hints=True
        )  # any folder name
        inputs = PluginInputs(512, 512, sketch=canvas_sketch())
        frame = median_ms(
            lambda: runner.run(Job(plugin.SketchToPhoto(), params, inputs), lambda *_: None), args.repeats
        )
        rows.append([f"plugin frame, 512² canvas, {args.model.name}", f"{frame:.1f}"])
    for size in (64, 128):
        generator = UNetGenerator(Pix2PixConfig.from_preset("small", image_size=size)).eval()
        x = torch.randn(1, 3, size, size)
        with torch.inference_mode():
            ms = median_ms(lambda g=generator, x=x: g(x), args.repeats)
        rows.append([f"generator only, small preset, {size} px", f"{ms:.1f}"])
    step = train_step_ms(Pix2PixConfig.from_preset("small", image_size=64), batch=8, repeats=5)
    rows.append(["training step, small preset, 64 px, batch 8", f"{step:.0f}"])
    record_path = args.model / "training.json"
    extra = {"threads": torch.get_num_threads()}
    if record_path.exists():
        record = json.loads(record_path.read_text(encoding="utf-8"))
        extra["shipped_training"] = {
            k: record[k] for k in ("steps", "train_seconds", "device", "batch_size") if k in record
        }
        rows.append(
            [
                f"shipped model: {record['steps']} steps in {record['train_seconds'] / 60:.1f} min",
                f"{record['train_seconds'] / max(1, record['steps']) * 1000:.0f} per step",
            ]
        )
    report("pix2pix_frames_cpu", ["measurement (CPU, median)", "ms"], rows, extra)


if __name__ == "__main__":
    main()
