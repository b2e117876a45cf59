"""Seconds per image of GenCanvas's SD path against the stock diffusers pipeline, same run.

    .venv/bin/python benchmarks/sd_pipeline.py                # GPU: real SD 1.5 and SDXL shapes
    .venv/bin/python benchmarks/sd_pipeline.py --compile      # also torch.compile + channels_last
    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/sd_pipeline.py --tiny   # CPU: reduced-size variant

No weights are downloaded: the pipelines are built with random weights from the shipped
configs (``resources/sd_configs``), which have the exact architecture and cost of the
real models (25 steps at 512² for SD 1.5, 30 at 1024² for SDXL). ``--tiny`` uses the
test suite's tiny architectures at 64² so a CPU finishes in minutes; it measures the
fixed per-step costs (callback, preview), the part the GPU goals are about.

Rows: stock = ``pipe(..., output_type="np")``; app = GenCanvas's ``sample_latents`` +
``decode_latents`` with previews off, with the linear latent→RGB preview every step, and
with a TAESD preview every step (random TAESD of the real shape). Every variant uses the
same scheduler (DPM-Solver++), seed and size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import torch
from _report import report

from gencanvas.models.sd.generate import decode_latents, make_scheduler, sample_latents
from gencanvas.models.sd.preview import LaggedFrames, make_previewer, make_renderer
from gencanvas.models.sd.random_init import TINY_TAESD, random_model, random_pipeline, tiny_configs, write_configs

CONFIGS = Path(__file__).resolve().parents[1] / "resources" / "sd_configs"
BPE = CONFIGS / "clip_tokenizer" / "bpe_simple_vocab_16e6.txt.gz"
REAL = {"sd15": (25, 512), "sdxl": (30, 1024)}
TINY = {"sd15": (25, 64), "sdxl": (30, 64)}
PROMPT = "a photograph of a lighthouse on a cliff at sunset"


def timed(fns: dict, repeats: int, device: torch.device) -> dict[str, float]:
    """Median seconds per variant; variants alternate within each round so drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for round_index in range(repeats + 1):  # round 0 warms up (allocator, kernels, compilation)
        for name, fn in fns.items():
            if device.type == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
            fn()
            if device.type == "cuda":
                torch.cuda.synchronize()
            if round_index:
                samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def build(family: str, tiny: bool, device: torch.device, dtype: torch.dtype):
    if tiny:
        config = write_configs(Path(tempfile.mkdtemp()) / family, tiny_configs(family))
        taesd = random_model(TINY_TAESD, device=device)
    else:
        config = CONFIGS / family
        taesd = random_model({"_class_name": "AutoencoderTiny"}, device=device)
    half = dtype if dtype != torch.float32 else None
    pipe = random_pipeline(config, family, BPE, tiny=tiny, device=device, dtype=half)
    return pipe, taesd.to(dtype=dtype) if half else taesd


def variants(pipe, taesd, family: str, steps: int, side: int, device: torch.device) -> dict:
    call = {"prompt": PROMPT, "num_inference_steps": steps, "height": side, "width": side, "guidance_scale": 7.0}
    generator = lambda: torch.Generator(device if device.type == "cuda" else "cpu").manual_seed(0)  # noqa: E731
    linear, tiny_decoder = make_renderer(family), make_renderer(family, taesd)
    frames: list = []

    def stock():
        pipe.scheduler = make_scheduler(pipe, "dpm++")
        with torch.inference_mode():
            return pipe(**call, generator=generator(), output_type="np").images

    def app(render):
        """The plugins' path: previews leave through LaggedFrames into a list (the GUI's frame slot)."""
        lagged = None if render is None else LaggedFrames(render, lambda frame, step, total: frames.append(frame))
        hook = None if lagged is None else lagged.push
        latents = sample_latents(pipe, call | {"generator": generator()}, scheduler="dpm++", on_step=hook)
        if lagged is not None:
            lagged.flush()
        frames.clear()
        return decode_latents(pipe, latents)

    return {
        "stock diffusers": stock,
        "app, previews off": lambda: app(None),
        "app, linear preview": lambda: app(linear),
        "app, TAESD preview": lambda: app(tiny_decoder),
    }


def preview_costs(device: torch.device, dtype: torch.dtype, repeats: int) -> list[list[object]]:
    """Milliseconds per preview at the real latent sizes (64² for SD 1.5 512², 128² for SDXL 1024²)."""
    taesd = random_model({"_class_name": "AutoencoderTiny"}, device=device).to(dtype=dtype)
    rows = []
    for family, side in (("sd15", 64), ("sdxl", 128)):
        latents = torch.randn(1, 4, side, side, device=device, dtype=dtype)
        for name, preview in (("linear", make_previewer(family)), ("TAESD", make_previewer(family, taesd))):
            seconds = timed({name: partial(preview, latents)}, repeats, device)[name]
            rows.append([family, f"{side * 8}²", "-", f"one {name} preview", f"{seconds:.4f}", "-", "-"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="reduced-size CPU variant")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--families", default="sd15,sdxl")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, help="override the step count (smoke tests)")
    parser.add_argument("--size", type=int, help="override the image side (smoke tests)")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile(unet) + channels_last")
    args = parser.parse_args()
    device = torch.device(args.device)
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    rows = []
    for family in args.families.split(","):
        steps, side = (TINY if args.tiny else REAL)[family]
        steps, side = args.steps or steps, args.size or side
        pipe, taesd = build(family, args.tiny, device, dtype)
        runs = variants(pipe, taesd, family, steps, side, device)
        seconds = timed(runs, args.repeats, device)
        if args.compile:
            pipe.unet.to(memory_format=torch.channels_last)
            pipe.unet = torch.compile(pipe.unet)
            compiled = {
                "app compiled, previews off": runs["app, previews off"],
                "app compiled, linear preview": runs["app, linear preview"],
            }
            seconds |= timed(compiled, args.repeats, device)
        base, stock = seconds["app, previews off"], seconds["stock diffusers"]
        for name, value in seconds.items():
            rows.append(
                [
                    family,
                    f"{side}²",
                    steps,
                    name,
                    f"{value:.3f}",
                    f"{(value / base - 1) * 100:+.1f} %",
                    f"{(value / stock - 1) * 100:+.1f} %",
                ]
            )
        del pipe, taesd
        if device.type == "cuda":
            torch.cuda.empty_cache()
    rows += preview_costs(device, dtype, max(3, args.repeats))
    name = "sd_pipeline_tiny" if args.tiny else "sd_pipeline"
    headers = ["model", "size", "steps", "variant", "s/image", "vs app previews off", "vs stock"]
    report(
        name,
        headers,
        rows,
        {
            "device": str(device),
            "dtype": str(dtype),
            "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None,
        },
    )


if __name__ == "__main__":
    main()
