"""The Upscale plugin's model side: where upscalers are found, the memory plan, and the tiled run.

Upscalers live in the models folder's ``upscale_models/`` or ``ESRGAN/`` subfolder (the
names ComfyUI and A1111 use, so one folder serves every tool). Before anything runs the plan
sizes tiles to the free memory, or refuses with a sentence saying why; an out-of-memory
error mid-run still splits the tile and goes on (``gencanvas.models.tiling.run_tiled``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gencanvas.core.jobs import is_out_of_memory
from gencanvas.models.upscaler import EXTENSIONS
from gencanvas.plugin_api import PluginError, RunContext
from gencanvas.plugins import sd_settings

SUBFOLDERS = ("upscale_models", "ESRGAN")
MAX_OUTPUT_SIDE = 16384  # beyond this no image format or canvas of ours is comfortable
SAFETY = 0.8  # of free memory, the share a tile may plan to use
SMALLEST_TILE = 32  # below this, tiles are mostly context: refuse rather than crawl


def upscaler_files() -> dict[str, Path]:
    """Upscaler files by name (file name, extension included), first subfolder winning."""
    found: dict[str, Path] = {}
    for sub in SUBFOLDERS:
        folder = sd_settings.models_folder() / sub
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in EXTENSIONS and not path.name.startswith("."):
                    found.setdefault(path.name, path)
    return found


@functools.cache
def listed_names() -> tuple[str, ...]:
    """The drop-downs' upscalers: what was there when first asked, or at the last :func:`refresh`
    (an unreadable folder lists none)."""
    try:
        return tuple(upscaler_files())
    except OSError:
        return ()


def refresh() -> None:
    """Forget the drop-downs' list (after an upscaler was added or removed, or the folder changed)."""
    listed_names.cache_clear()


def load(ctx: RunContext, name: str) -> Any:
    """The named upscaler, cached by the worker; a missing or foreign file is one sentence."""
    from gencanvas.models.upscaler import NotAnUpscalerError, load_upscaler

    path = upscaler_files().get(name)
    if path is None:
        raise PluginError(
            f"The upscaler '{name}' is no longer in {sd_settings.models_folder()}/upscale_models "
            f"({sd_settings.SETTING_HINT})."
        )
    try:
        return ctx.models.get(("upscaler", str(path), path.stat().st_mtime_ns), lambda: load_upscaler(path))
    except NotAnUpscalerError as exc:
        raise PluginError(str(exc)) from None


def check_output_size(width: int, height: int, scale: float, bytes_per_pixel: int = 9) -> tuple[int, int]:
    """The result's size, or a refusal before any work when it is beyond what can be held.

    ``bytes_per_pixel`` of the result are needed in host memory: by default the result, a
    streamed frame's copy and the final resize (three RGB images).
    """
    out_w, out_h = round(width * scale), round(height * scale)
    if max(out_w, out_h) > MAX_OUTPUT_SIDE:
        raise PluginError(
            f"Upscaling {width}×{height} by {scale:g} gives {out_w}×{out_h} px, over the {MAX_OUTPUT_SIDE} px "
            "limit; choose a smaller scale."
        )
    import psutil

    needed, free = bytes_per_pixel * out_w * out_h, psutil.virtual_memory().available
    if needed > free:
        raise PluginError(
            f"An upscale to {out_w}×{out_h} px needs about {needed / 2**30:.1f} GB of memory for the result; "
            f"{free / 2**30:.1f} GB is free. Choose a smaller scale or close other programs."
        )
    return out_w, out_h


@dataclass(frozen=True)
class TilePlan:
    tile: int  # core side in input pixels
    budget_bytes: int
    per_pixel_bytes: int


def free_bytes(device: Any) -> int:
    """Free memory where the tiles run: the GPU's for CUDA, else the machine's."""
    from gencanvas.models.sd.memory import free_gpu_bytes

    gpu = free_gpu_bytes(device)
    if gpu is not None:
        return gpu
    import psutil

    return int(psutil.virtual_memory().available)


def plan_tiles(model: Any, dtype_bytes: int, free: int, largest: int, overlap: int, name: str) -> TilePlan:
    """The tile side for the memory there is; refuses when even the smallest tile would not fit."""
    from gencanvas.models.tiling import tile_side_for_budget
    from gencanvas.models.upscaler import bytes_per_input_pixel, weight_bytes

    per_pixel = bytes_per_input_pixel(model, dtype_bytes)
    budget = int(free * SAFETY) - weight_bytes(model)
    side = tile_side_for_budget(budget, per_pixel, overlap, largest)
    if side < SMALLEST_TILE:
        smallest_needed = weight_bytes(model) + per_pixel * (SMALLEST_TILE + 2 * overlap) ** 2
        raise PluginError(
            f"Upscaling with '{name}' needs about {smallest_needed / SAFETY / 2**30:.1f} GB free even in "
            f"{SMALLEST_TILE} px tiles; {free / 2**30:.1f} GB is free. Lower the overlap, close other "
            "programs or switch the device in Settings."
        )
    return TilePlan(side, budget, per_pixel)


def upscale_tiled(
    model: Any, image: np.ndarray, ctx: RunContext, plan: TilePlan, overlap: int, *, stream: bool = True
) -> np.ndarray:
    """The model over the image in the plan's tiles, each finished tile streamed to the canvas (when ``stream``)."""
    from gencanvas.models.tiling import run_tiled
    from gencanvas.models.upscaler import run_dtype, upscale_tile
    from gencanvas.plugins.sd_memory import empty_cache

    device, dtype = ctx.device, run_dtype(model, ctx.dtype)
    model.to(device=device, dtype=dtype)

    def shrink(side: int) -> None:
        empty_cache()
        ctx.notify(f"Ran out of memory; finishing the upscale in smaller tiles ({side} px).")

    return run_tiled(
        image,
        lambda crop: upscale_tile(model, crop, device, dtype),
        scale=model.scale,
        tile=plan.tile,
        overlap=overlap,
        on_tile=ctx.emit if stream else lambda frame, done, total: ctx.check_cancelled(),
        retry_smaller=is_out_of_memory,
        on_shrink=shrink,
        smallest=SMALLEST_TILE,
    )
