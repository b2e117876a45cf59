"""Outpainting cost: how many native-size tiles an expansion takes, the pre-fill's time, a tiled run end to end.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/outpaint.py

Three tables. (1) The tile plan of ``sd-inpaint`` for typical expansions at the real native
sides (512 px SD 1.x, 1024 px SDXL): tiles = SD samples, each at the native size, so the
run takes about that many single-image times. (2) ``blur_fill`` (the pre-fill for ordinary
checkpoints) on the expanded canvas, median of 5. (3) The whole plugin through the job
runner, as the GUI and CLI run it, on the tests' tiny random SD 1.5 (native 64 px, 2 steps):
seconds, tiles, and the process's peak resident set.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _report import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gencanvas.core.expand import Margins, blur_fill, expand_canvas, margins_for_aspect
from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.plugins import outpaint_tiles, sd_models_scan, sd_settings
from gencanvas.plugins.sd_inpaint import SDInpaint

CASES = (  # (label, width, height, margins)
    ("512² → 16:9", 512, 512, margins_for_aspect(512, 512, 16, 9)),
    ("512² + 256 each side", 512, 512, Margins(256, 256, 256, 256)),
    ("1024² → 16:9", 1024, 1024, margins_for_aspect(1024, 1024, 16, 9)),
    ("1024² + 512 right", 1024, 1024, Margins(right=512)),
    ("1024×768 + 512 each side", 1024, 768, Margins(512, 512, 512, 512)),
)


def picture(width: int, height: int) -> np.ndarray:
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows % 256, cols % 256, (rows + cols) % 256], axis=-1).astype(np.uint8)


def plan_rows() -> tuple[list[list[object]], list[list[object]]]:
    plans, fills = [], []
    for label, width, height, margins in CASES:
        grown = expand_canvas({"image": picture(width, height)}, margins, {"image": "edge"})
        new_h, new_w = grown.mask.shape
        counts = []
        for native in (512, 1024):
            tiled = outpaint_tiles.needs_tiles(grown.mask, native)
            counts.append(len(outpaint_tiles.plan(grown.mask, native)) if tiled else "1 (single pass)")
        plans.append([label, f"{new_w}×{new_h}", *counts])
        times = []
        for _ in range(5):
            started = time.perf_counter()
            blur_fill(grown.layers["image"], grown.mask)
            times.append(time.perf_counter() - started)
        fills.append([f"{new_w}×{new_h}", f"{statistics.median(times) * 1000:.0f}"])
    return plans, fills


def tiny_run() -> list[list[object]]:
    from tests.sd_fixtures import build_tiny_sd

    tiny = build_tiny_sd(Path(tempfile.mkdtemp(prefix="outpaint-bench-")))
    sd_settings.models_folder = lambda: tiny.root  # type: ignore[assignment]
    sd_settings.configs_root = lambda: tiny.configs  # type: ignore[assignment]
    sd_models_scan.refresh()
    grown = expand_canvas({"image": picture(128, 96)}, Margins(64, 32, 64, 32), {"image": "edge"})
    values = {"model": "a-tiny-sd15", "steps": 2, "preview": "off", "feather": 4}
    params = SDInpaint.params_for(values)(**values)
    inputs = PluginInputs(256, 160, image=grown.layers["image"], mask=grown.mask)
    runner = JobRunner(device="cpu", precision="fp32")
    runner.run(Job(SDInpaint(), params, inputs, seed=1), lambda f, s, t: None)  # loads the model, as a 2nd job finds it
    tiles: list[int] = []
    started = time.perf_counter()
    runner.run(Job(SDInpaint(), params, inputs, seed=1), lambda f, s, t: tiles.append(t))
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [["128×96 → 256×160", "tiny SD 1.5 (native 64), 2 steps", tiles[-1], f"{seconds:.2f}", f"{rss:.0f}"]]


def main() -> None:
    plans, fills = plan_rows()
    report("outpaint_tiles", ["expansion", "canvas", "tiles planned SD 1.x (512)", "tiles planned SDXL (1024)"], plans)
    report("outpaint_blur_fill", ["canvas", "blur_fill ms (median of 5)"], fills)
    report("outpaint_tiny_run", ["outpaint", "model", "tiles", "seconds", "peak RSS MB"], tiny_run())


if __name__ == "__main__":
    main()
