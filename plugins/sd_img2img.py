"""Image to image: redraw the photo layer with the user's Stable Diffusion checkpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gencanvas.plugin_api import InputKind, Plugin, PluginInputs, RunContext, slider
from gencanvas.plugins import sd_models_scan
from gencanvas.plugins.sd_params import SDParams, describe, remember_regions, with_current_models
from gencanvas.plugins.sd_run import SDRun, pil, usable_regions, working_size


class SDImageToImageParams(SDParams):
    strength: float = slider(
        0.6, ge=0.05, le=1.0, step=0.05, description="How much to change: low keeps the photo, 1 ignores it"
    )


class SDImageToImage(Plugin[SDImageToImageParams]):
    id = "sd-img2img"
    title = "Image to image (Stable Diffusion)"
    description = "Redraw the photo following the prompt; strength sets how far it may move from the original."
    inputs = frozenset({InputKind.IMAGE})
    optional_inputs = frozenset({InputKind.REGIONS})  # regional prompts: each region's prompt where it is painted
    Params = SDImageToImageParams

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[SDImageToImageParams]:
        """The model drop-downs list what the folders hold now (the panel rebuilds when that changes)."""
        return with_current_models(cls.Params)

    @classmethod
    def unavailable(cls) -> str | None:
        return sd_models_scan.unavailable()

    def describe_params(self, params: SDImageToImageParams) -> str:
        return describe(params, f", Denoising strength: {params.strength}")

    def run(self, inputs: PluginInputs, params: SDImageToImageParams, ctx: RunContext) -> np.ndarray:
        photo = inputs.require(InputKind.IMAGE)
        regions = usable_regions(inputs)
        remember_regions(params, [prompt for prompt, _ in regions])
        job = SDRun(ctx, params, "img2img", regions=regions)
        width, height = working_size(inputs.width, inputs.height, job.native)
        if int(params.steps * params.strength) < 1:
            params = params.model_copy(update={"strength": min(1.0, 1.0 / params.steps)})
        image = job.generate({"image": pil(photo, (width, height)), "strength": params.strength}, width, height)
        return job.fit_canvas(image, inputs.width, inputs.height)
