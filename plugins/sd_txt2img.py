"""Text to image with the user's own Stable Diffusion checkpoint (SD 1.5, SD 2.x, SDXL)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gencanvas.plugin_api import InputKind, Plugin, PluginInputs, RunContext
from gencanvas.plugins import sd_models_scan
from gencanvas.plugins.sd_params import SDParams, describe, remember_regions, with_current_models
from gencanvas.plugins.sd_run import SDRun, usable_regions, working_size


class SDTextToImageParams(SDParams):
    pass


class SDTextToImage(Plugin[SDTextToImageParams]):
    id = "sd-txt2img"
    title = "Text to image (Stable Diffusion)"
    description = (
        "Draw from a prompt with your own SD 1.5 / SD 2.x / SDXL checkpoint, sampled at the model's size "
        "and fitted to the canvas."
    )
    optional_inputs = frozenset({InputKind.REGIONS})  # regional prompts: each region's prompt where it is painted
    Params = SDTextToImageParams

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[SDTextToImageParams]:
        """The model drop-downs list what the folders hold now (the panel rebuilds when that changes)."""
        return with_current_models(cls.Params)

    @classmethod
    def unavailable(cls) -> str | None:
        return sd_models_scan.unavailable()

    def describe_params(self, params: SDTextToImageParams) -> str:
        return describe(params)

    def run(self, inputs: PluginInputs, params: SDTextToImageParams, ctx: RunContext) -> np.ndarray:
        regions = usable_regions(inputs)
        remember_regions(params, [prompt for prompt, _ in regions])
        job = SDRun(ctx, params, "txt2img", regions=regions)
        width, height = working_size(inputs.width, inputs.height, job.native)
        image = job.generate({"width": width, "height": height}, width, height)
        return job.fit_canvas(image, inputs.width, inputs.height)
