"""Milliseconds per live-painting frame: img2img with a few-step setup on a cached pipeline.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/sd_live_frames.py            # CPU: tiny pipelines, 64²
    .venv/bin/python benchmarks/sd_live_frames.py --real --device cuda       # GPU: real SD 1.5 shape, 512², fp16

One frame is what ``sd-live`` does per stroke once the pipeline is loaded: encode the
prompts (A1111 weighting path), sample img2img at strength 0.5 with the LCM scheduler and
4 steps (2 denoising steps run), decode with the full VAE. Random weights (tiny: the
tests' architectures; real: the shipped SD 1.5 config), so only time is meaningful.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _report import report
from PIL import Image

from gencanvas.models.sd.generate import decode_latents, sample_latents
from gencanvas.models.sd.loading import task_pipeline
from gencanvas.models.sd.prompt_weights import encode_prompts
from gencanvas.models.sd.random_init import random_pipeline, tiny_configs, write_configs

CONFIGS = Path(__file__).resolve().parents[1] / "resources" / "sd_configs"
BPE = CONFIGS / "clip_tokenizer" / "bpe_simple_vocab_16e6.txt.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", action="store_true", help="the real SD 1.5 architecture at 512²")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--frames", type=int, default=10)
    args = parser.parse_args()
    dtype = torch.float16 if args.device != "cpu" else torch.float32
    with tempfile.TemporaryDirectory() as tmp:
        config = CONFIGS / "sd15" if args.real else write_configs(Path(tmp) / "sd15", tiny_configs("sd15"))
        base = random_pipeline(config, "sd15", BPE, tiny=not args.real).to(args.device, dtype)
    pipe = task_pipeline(base, "img2img", "sd15")
    side = 512 if args.real else 64
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (side, side, 3), dtype=np.uint8))
    times = []
    for frame in range(args.frames + 1):
        start = time.perf_counter()
        call = encode_prompts(pipe, "sd15", f"a (red:1.2) fox, frame {frame}", "blurry")
        call |= {"image": picture, "strength": 0.5, "num_inference_steps": 4, "guidance_scale": 1.5}
        latents = sample_latents(
            pipe, call | {"generator": torch.Generator().manual_seed(frame)}, scheduler="lcm", on_step=None
        )
        decode_latents(pipe, latents)
        if args.device != "cpu":
            torch.cuda.synchronize()
        if frame:  # the first frame warms up
            times.append((time.perf_counter() - start) * 1000)
    label = "SD 1.5 512²" if args.real else "tiny SD 1.5 64²"
    report(
        "sd_live_frames",
        ["pipeline", "device", "steps (run)", "ms per frame (median)", "min", "max"],
        [[label, args.device, "4 (2)", f"{statistics.median(times):.1f}", f"{min(times):.1f}", f"{max(times):.1f}"]],
    )


if __name__ == "__main__":
    main()
