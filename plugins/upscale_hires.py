"""Hires fix: upscale, then a low-strength img2img pass with the user's SD checkpoint, tile by tile.

The upscale is the Upscale plugin's (Lanczos or an upscaler model); the img2img pass runs
in overlapping tiles at about the checkpoint's native resolution (``gencanvas.models.tiling``,
as the upscalers do), so a picture larger than the model was trained for gains detail
instead of repeating itself. Neighbouring tiles are cross-faded over half the overlap,
since each draws its own detail. Each finished tile is streamed to the canvas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from gencanvas.core.jobs import is_out_of_memory
from gencanvas.plugin_api import InputKind, Plugin, PluginInputs, RunContext, model_choice, slider
from gencanvas.plugin_api import prompt as prompt_text
from gencanvas.plugins import sd_models_scan, upscale_support
from gencanvas.plugins.sd_params import SDParams, describe, with_current_models
from gencanvas.plugins.sd_run import SDRun, pil, to_canvas
from gencanvas.plugins.upscale import LANCZOS, METHODS, methods_now, upscale_image

MIN_CORE = 64  # smallest tile core, in pixels, that still leaves the model something to draw


class HiresParams(SDParams):
    prompt: str = prompt_text("", description="What the picture shows: guides the detail the pass adds")
    upscaler: str = model_choice(LANCZOS, METHODS, description="How to enlarge before the SD pass")
    scale: float = slider(2.0, ge=1.0, le=4.0, step=0.25, description="How many times larger the result is")
    strength: float = slider(
        0.3, ge=0.05, le=0.8, step=0.05, description="How much the SD pass may change: low keeps the picture"
    )
    overlap: int = slider(64, ge=16, le=256, description="Context around each tile, in pixels: more hides seams")


class HiresFix(Plugin[HiresParams]):
    id = "upscale-hires"
    title = "Hires fix (Stable Diffusion)"
    description = "Upscale, then add detail with a low-strength img2img pass of your SD checkpoint, tile by tile."
    inputs = frozenset({InputKind.IMAGE})
    Params = HiresParams

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[HiresParams]:
        """The model drop-downs list what the folders hold now (the panel rebuilds when that changes)."""
        return with_current_models(cls.Params, (("upscaler", methods_now()),))

    @classmethod
    def unavailable(cls) -> str | None:
        return sd_models_scan.unavailable()

    def describe_params(self, params: HiresParams) -> str:
        return describe(params, f", Denoising strength: {params.strength}, Hires upscale: {params.scale}")

    def run(self, inputs: PluginInputs, params: HiresParams, ctx: RunContext) -> np.ndarray:
        from gencanvas.models.tiling import run_tiled

        image = inputs.require(InputKind.IMAGE)
        # Beyond the upscale's own needs, cross-fading keeps float sums and weights (16 bytes a pixel).
        upscale_support.check_output_size(image.shape[1], image.shape[0], params.scale, bytes_per_pixel=9 + 16)
        upscaled = upscale_image(image, params.upscaler, params.scale, 512, 32, ctx, stream=False)
        if int(params.steps * params.strength) < 1:
            params = params.model_copy(update={"strength": min(1.0, 1.0 / params.steps)})
        # Per-step previews of one tile would jump about the canvas: tiles are streamed whole instead.
        quiet = dataclasses.replace(ctx, sink=lambda frame, step, total: None)
        job = SDRun(quiet, params, "img2img")

        def redraw(crop: np.ndarray) -> np.ndarray:
            height, width = crop.shape[:2]
            w8, h8 = -(-width // 8) * 8, -(-height // 8) * 8  # the VAE needs multiples of 8
            image = job.generate({"image": pil(crop, (w8, h8)), "strength": params.strength}, w8, h8)
            return to_canvas(image, width, height)

        return run_tiled(
            upscaled,
            redraw,
            scale=1,
            tile=max(MIN_CORE, job.native - 2 * params.overlap),
            overlap=params.overlap,
            on_tile=ctx.emit,
            retry_smaller=is_out_of_memory,
            on_shrink=lambda side: ctx.notify(f"Ran out of memory; finishing the hires pass in {side} px tiles."),
            smallest=MIN_CORE,
            blend=params.overlap // 2,  # each tile draws its own detail: cross-fade rather than cut
        )
