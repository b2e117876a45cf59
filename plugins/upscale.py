"""Upscale the photo: Lanczos out of the box, or the user's upscaler model in memory-sized tiles.

With no upscaler installed the defaults give a 2× Lanczos result, so the plugin works on
any machine and from the CLI. An upscaler (ESRGAN, Real-ESRGAN, SwinIR, … from the models
folder's ``upscale_models/``) runs at its own scale in overlapping tiles, each streamed to
the canvas as it finishes; a scale other than the model's is reached with Lanczos after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gencanvas.models.upscaler import run_dtype
from gencanvas.plugin_api import InputKind, ParamsBase, Plugin, PluginInputs, RunContext, model_choice, slider
from gencanvas.plugins import upscale_support
from gencanvas.plugins.model_choices import with_choices

LANCZOS = "lanczos"


def methods_now() -> tuple[str, ...]:
    """Lanczos and the upscalers of the current list (``upscale_support.refresh`` updates it)."""
    return (LANCZOS, *upscale_support.listed_names())


METHODS = methods_now()  # at load: the options of ``UpscaleParams``


class UpscaleParams(ParamsBase):
    model: str = model_choice(
        LANCZOS, METHODS, description="Lanczos, or an upscaler from your models folder's upscale_models/"
    )
    scale: float = slider(2.0, ge=1.0, le=8.0, step=0.25, description="How many times larger the result is")
    tile: int = slider(
        512, ge=64, le=2048, description="Largest tile an upscaler model runs on (smaller if memory is short)"
    )
    overlap: int = slider(32, ge=0, le=128, description="Context around each tile, in pixels: more hides seams")


def lanczos(image: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    if image.shape[:2] == (height, width):
        return image
    return np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.LANCZOS))


class Upscale(Plugin[UpscaleParams]):
    id = "upscale"
    title = "Upscale"
    description = "Enlarge the photo with Lanczos or your own upscaler model (ESRGAN, SwinIR, …), tile by tile."
    inputs = frozenset({InputKind.IMAGE})
    Params = UpscaleParams

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[UpscaleParams]:
        """The model drop-downs list what the folders hold now (the panel rebuilds when that changes)."""
        return with_choices(cls.Params, (("model", methods_now()),))

    def run(self, inputs: PluginInputs, params: UpscaleParams, ctx: RunContext) -> np.ndarray:
        image = inputs.require(InputKind.IMAGE)
        result = upscale_image(image, params.model, params.scale, params.tile, params.overlap, ctx)
        if params.model == LANCZOS:
            ctx.emit(result, 1, 1)
        return result


def upscale_image(
    image: np.ndarray, method: str, scale: float, tile: int, overlap: int, ctx: RunContext, *, stream: bool = True
) -> np.ndarray:
    """``image`` enlarged ``scale`` times by Lanczos or the named upscaler (tiles streamed when ``stream``)."""
    height, width = image.shape[:2]
    out_w, out_h = upscale_support.check_output_size(width, height, scale)
    if method == LANCZOS:
        return lanczos(image, out_w, out_h)
    model = upscale_support.load(ctx, method)
    dtype = run_dtype(model, ctx.dtype)
    free = upscale_support.free_bytes(ctx.device)
    plan = upscale_support.plan_tiles(model, dtype.itemsize, free, tile, overlap, method)
    upscaled = upscale_support.upscale_tiled(model, image, ctx, plan, overlap, stream=stream)
    return lanczos(upscaled, out_w, out_h)  # the model's own scale to the one asked for
