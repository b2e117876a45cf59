"""Sketch to photo: the sketch layer steers a Stable Diffusion checkpoint through a ControlNet.

The strokes become the control image as white lines on black, the form scribble, lineart
and canny ControlNets were trained on.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from gencanvas.core.params import model_choice, slider
from gencanvas.core.plugin_api import InputKind, Plugin, PluginInputs, RunContext
from gencanvas.plugins import sd_models_scan
from gencanvas.plugins.sd_params import CONTROLNETS, SDParams, describe
from gencanvas.plugins.sd_run import SDRun, pil, to_canvas, working_size


class SDControlNetParams(SDParams):
    controlnet: Literal[CONTROLNETS] = model_choice(  # type: ignore[valid-type]
        "auto", description="ControlNet from your models folder (scribble, lineart or canny)"
    )
    conditioning_scale: float = slider(1.0, ge=0.0, le=2.0, step=0.05, description="How strictly to follow the sketch")


def control_image(sketch: np.ndarray) -> np.ndarray:
    """RGBA strokes → white-on-black RGB, whatever colour they were drawn in."""
    drawn = sketch[..., 3] > 0
    return np.repeat((drawn * 255).astype(np.uint8)[..., None], 3, axis=2)


class SDControlNet(Plugin):
    id = "sd-controlnet"
    title = "Sketch to photo (Stable Diffusion + ControlNet)"
    description = "Turn the sketch into a picture: a ControlNet keeps the composition of your strokes."
    inputs = frozenset({InputKind.SKETCH})
    Params = SDControlNetParams

    @classmethod
    def unavailable(cls) -> str | None:
        if reason := sd_models_scan.unavailable():
            return reason
        return (
            None
            if sd_models_scan.pick(sd_models_scan.scan(), "controlnet", "auto")
            else "no ControlNet in the models folder"
        )

    def describe_params(self, params: SDControlNetParams) -> str:
        return describe(params, f", ControlNet: {params.controlnet}, Control scale: {params.conditioning_scale}")

    def run(self, inputs: PluginInputs, params: SDControlNetParams, ctx: RunContext) -> np.ndarray:
        sketch = inputs.require(InputKind.SKETCH)
        job = SDRun(ctx, params, "controlnet", controlnet=params.controlnet)
        width, height = working_size(inputs.width, inputs.height, job.native)
        call = {
            "image": pil(control_image(sketch), (width, height)),
            "width": width,
            "height": height,
            "controlnet_conditioning_scale": params.conditioning_scale,
        }
        return to_canvas(job.generate(call, width, height), inputs.width, inputs.height)
