"""Upscale cost: wall time and peak memory of a 4× upscale of a 1024² photo, tiled as the plugin plans it.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/upscale.py [--side 1024] [--device cpu] [--real-size]

Runs the ``upscale`` plugin through the job runner, as the GUI and CLI do, on a random-weight
ESRGAN saved as .safetensors: by default the tests' tiny one (8 filters, 1 block), with
``--real-size`` the real RRDB shape (64 filters, 23 blocks; meant for a GPU). The tile side is
the plan's for the free memory (``--tile`` caps it, as the plugin's slider does). Peak memory is
reported three ways: the process's peak resident set (``getrusage``; includes torch's CPU
buffers), the peak of Python/numpy allocations (``tracemalloc``; the result and frames), and on
CUDA torch's peak allocated GPU memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import torch
from _report import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.models.upscaler import load_upscaler
from gencanvas.plugins import sd_settings, upscale_support
from gencanvas.plugins.upscale import Upscale, UpscaleParams
from tests.upscale_fixtures import save_tiny_esrgan


def save_real_size(path: Path) -> Path:
    from safetensors.torch import save_file
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(0)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=64, num_blocks=23, scale=4)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    return path


def peak_rss_mb() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--real-size", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="upscale-bench-"))
    name = "esrgan-real-size.safetensors" if args.real_size else "tiny-esrgan.safetensors"
    (save_real_size if args.real_size else save_tiny_esrgan)(folder / "upscale_models" / name)
    sd_settings.models_folder = lambda: folder  # type: ignore[assignment]
    params = UpscaleParams.model_construct(
        **(UpscaleParams().model_dump() | {"model": name, "scale": 4.0, "tile": args.tile})
    )
    image = np.random.default_rng(0).integers(0, 256, (args.side, args.side, 3), dtype=np.uint8)
    inputs = PluginInputs(args.side, args.side, image=image)
    runner = JobRunner(device=args.device, precision="fp32")

    tiles: list[int] = []
    warm = Job(Upscale(), params, PluginInputs(64, 64, image=image[:64, :64]))
    runner.run(warm, lambda f, s, t: None)  # loads the model once, as a second job in the app would find it
    if torch.cuda.is_available() and args.device != "cpu":
        torch.cuda.reset_peak_memory_stats()
    rss_before = peak_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    result = runner.run(Job(Upscale(), params, inputs), lambda f, s, t: tiles.append(t))
    seconds = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gpu_peak = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() and args.device != "cpu" else None
    model = load_upscaler(folder / "upscale_models" / name)
    free = upscale_support.free_bytes(torch.device(args.device))
    plan = upscale_support.plan_tiles(model, 4, free, args.tile, params.overlap, name)
    estimate_mb = (plan.tile + 2 * params.overlap) ** 2 * plan.per_pixel_bytes / 2**20
    rows = [
        [
            f"{args.side}² → {result.shape[1]}×{result.shape[0]}",
            "real-size ESRGAN (64 f, 23 blocks)" if args.real_size else "tiny ESRGAN (8 f, 1 block)",
            args.device,
            f"{tiles[-1]} × ≤{plan.tile} px, overlap {params.overlap}",
            f"{estimate_mb:.0f}",
            f"{seconds:.1f}",
            f"{peak_rss_mb():.0f} (before the run {rss_before:.0f})",
            f"{traced_peak / 2**20:.0f}",
            "–" if gpu_peak is None else f"{gpu_peak:.0f}",
        ]
    ]
    headers = [
        "upscale",
        "model",
        "device",
        "tiles",
        "plan's estimate per tile MB",
        "seconds",
        "peak RSS MB",
        "peak tracemalloc MB",
        "peak GPU MB",
    ]
    report("upscale", headers, rows)


if __name__ == "__main__":
    main()
