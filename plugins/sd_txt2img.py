"""Text to image with the user's own Stable Diffusion checkpoint (SD 1.5, SD 2.x, SDXL)."""

from __future__ import annotations

import numpy as np

from gencanvas.core.plugin_api import Plugin, PluginInputs, RunContext
from gencanvas.plugins import sd_models_scan
from gencanvas.plugins.sd_params import SDParams, describe
from gencanvas.plugins.sd_run import SDRun, working_size


class SDTextToImageParams(SDParams):
    pass


class SDTextToImage(Plugin):
    id = "sd-txt2img"
    title = "Text to image (Stable Diffusion)"
    description = "Draw from a prompt with your own SD 1.5 / SD 2.x / SDXL checkpoint, at the model's native size."
    Params = SDTextToImageParams

    @classmethod
    def unavailable(cls) -> str | None:
        return sd_models_scan.unavailable()

    def describe_params(self, params: SDTextToImageParams) -> str:
        return describe(params)

    def run(self, inputs: PluginInputs, params: SDTextToImageParams, ctx: RunContext) -> np.ndarray:
        job = SDRun(ctx, params, "txt2img")
        width, height = working_size(inputs.width, inputs.height, job.native)
        return job.generate({"width": width, "height": height}, width, height)
