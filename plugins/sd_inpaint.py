"""Inpainting with the user's Stable Diffusion checkpoint; pixels outside the mask stay exact.

Inpainting checkpoints (9 input channels) are preferred by "auto"; ordinary checkpoints
work too (diffusers blends the known latents back in at every step).
"""

from __future__ import annotations

import numpy as np

from gencanvas.core.params import prompt as prompt_text
from gencanvas.core.params import slider
from gencanvas.core.plugin_api import InputKind, Plugin, PluginInputs, RunContext
from gencanvas.plugins import sd_models_scan
from gencanvas.plugins.sd_params import SDParams, describe
from gencanvas.plugins.sd_run import SDRun, pil, to_canvas, working_size


class SDInpaintParams(SDParams):
    prompt: str = prompt_text("", description="What should appear in the hole (empty: whatever fits)")
    strength: float = slider(1.0, ge=0.05, le=1.0, step=0.05, description="1 repaints the hole from scratch")


class SDInpaint(Plugin):
    id = "sd-inpaint"
    title = "Inpaint (Stable Diffusion)"
    description = "Fill the mask with your own SD checkpoint (inpainting checkpoints are used when present)."
    inputs = frozenset({InputKind.IMAGE, InputKind.MASK})
    Params = SDInpaintParams

    @classmethod
    def unavailable(cls) -> str | None:
        return sd_models_scan.unavailable()

    def describe_params(self, params: SDInpaintParams) -> str:
        return describe(params, f", Denoising strength: {params.strength}")

    def run(self, inputs: PluginInputs, params: SDInpaintParams, ctx: RunContext) -> np.ndarray:
        from PIL import Image

        photo, mask = inputs.require(InputKind.IMAGE), inputs.require(InputKind.MASK)
        job = SDRun(ctx, params, "inpaint", inpaint=True)
        width, height = working_size(inputs.width, inputs.height, job.native)
        mask_image = pil(mask.astype(np.uint8) * 255, (width, height), Image.Resampling.NEAREST)
        call = {
            "image": pil(photo, (width, height)),
            "mask_image": mask_image,
            "strength": params.strength,
            "width": width,
            "height": height,
        }
        filled = to_canvas(job.generate(call, width, height), inputs.width, inputs.height)
        result = photo.copy()
        result[mask] = filled[mask]
        return result
