"""Image to image: redraw the photo layer with the user's Stable Diffusion checkpoint."""

from __future__ import annotations

import numpy as np

from gencanvas.core.params import slider
from gencanvas.core.plugin_api import InputKind, Plugin, PluginInputs, RunContext
from gencanvas.plugins import sd_models_scan
from gencanvas.plugins.sd_params import SDParams, describe
from gencanvas.plugins.sd_run import SDRun, pil, to_canvas, working_size


class SDImageToImageParams(SDParams):
    strength: float = slider(
        0.6, ge=0.05, le=1.0, step=0.05, description="How much to change: low keeps the photo, 1 ignores it"
    )


class SDImageToImage(Plugin):
    id = "sd-img2img"
    title = "Image to image (Stable Diffusion)"
    description = "Redraw the photo following the prompt; strength sets how far it may move from the original."
    inputs = frozenset({InputKind.IMAGE})
    Params = SDImageToImageParams

    @classmethod
    def unavailable(cls) -> str | None:
        return sd_models_scan.unavailable()

    def describe_params(self, params: SDImageToImageParams) -> str:
        return describe(params, f", Denoising strength: {params.strength}")

    def run(self, inputs: PluginInputs, params: SDImageToImageParams, ctx: RunContext) -> np.ndarray:
        photo = inputs.require(InputKind.IMAGE)
        job = SDRun(ctx, params, "img2img")
        width, height = working_size(inputs.width, inputs.height, job.native)
        if int(params.steps * params.strength) < 1:
            params = params.model_copy(update={"strength": min(1.0, 1.0 / params.steps)})
        image = job.generate({"image": pil(photo, (width, height)), "strength": params.strength}, width, height)
        return to_canvas(image, inputs.width, inputs.height)
