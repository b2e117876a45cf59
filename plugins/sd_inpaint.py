"""Inpainting and outpainting with the user's Stable Diffusion checkpoint; pixels outside the mask stay exact.

Inpainting checkpoints (9 input channels) are preferred by "auto"; ordinary checkpoints
work too, as masked img2img (diffusers blends the known latents back in at every step).
For those the hole first gets a blurred extension of its surroundings (``blur_fill``) and
a strength of 1 starts one step below pure noise, as A1111's "fill" does: diffusers would
otherwise start from noise alone, ignore the fill and paint a hole unrelated to the
picture around it. A masked area larger than the model's native side (a large canvas
expansion) is filled in native-size tiles, one after another (``outpaint_tiles``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gencanvas.core.expand import blur_fill
from gencanvas.core.mask_ops import composite
from gencanvas.plugin_api import InputKind, Plugin, PluginInputs, RunContext, slider
from gencanvas.plugin_api import prompt as prompt_text
from gencanvas.plugins import outpaint_tiles, sd_models_scan
from gencanvas.plugins.mask_support import SoftMaskParams, soft_mask_for
from gencanvas.plugins.sd_params import SDParams, describe, with_current_models
from gencanvas.plugins.sd_run import SDRun, pil, working_size


def regular_strength_limit(steps: int) -> float:
    """The highest strength that still starts from the noised picture: one step below pure noise.

    A single step has no step to spare: it starts from noise (strength 1).
    """
    return 1.0 - 0.5 / steps if steps > 1 else 1.0


class SDInpaintParams(SoftMaskParams, SDParams):
    prompt: str = prompt_text("", description="What should appear in the hole (empty: whatever fits)")
    strength: float = slider(
        1.0,
        ge=0.05,
        le=1.0,
        step=0.05,
        description="1 repaints the hole from scratch (lower keeps more of what is there)",
    )


class SDInpaint(Plugin[SDInpaintParams]):
    id = "sd-inpaint"
    title = "Inpaint (Stable Diffusion)"
    description = "Fill the mask with your own SD checkpoint (inpainting checkpoints are used when present)."
    inputs = frozenset({InputKind.IMAGE, InputKind.MASK})
    Params = SDInpaintParams

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[SDInpaintParams]:
        """The model drop-downs list what the folders hold now (the panel rebuilds when that changes)."""
        return with_current_models(cls.Params)

    @classmethod
    def unavailable(cls) -> str | None:
        return sd_models_scan.unavailable()

    def describe_params(self, params: SDInpaintParams) -> str:
        return describe(params, f", Denoising strength: {params.strength}")

    def run(self, inputs: PluginInputs, params: SDInpaintParams, ctx: RunContext) -> np.ndarray:
        from PIL import Image

        photo = inputs.require(InputKind.IMAGE)
        soft = soft_mask_for(inputs.require(InputKind.MASK), params, inputs.mask_alpha)
        mask = soft.region
        job = SDRun(ctx, params, "inpaint", inpaint=True)
        start, strength = photo, params.strength
        if not job.info.inpaint:
            start, strength = blur_fill(photo, mask), min(strength, regular_strength_limit(params.steps))
        if int(params.steps * strength) < 1:  # diffusers refuses a run of no steps
            strength = min(1.0, 1.0 / params.steps)
        if outpaint_tiles.needs_tiles(mask, job.native):
            return composite(photo, outpaint_tiles.sd_fill_in_tiles(job, start, mask, strength, ctx), soft)
        width, height = working_size(inputs.width, inputs.height, job.native)
        mask_image = pil(mask.astype(np.uint8) * 255, (width, height), Image.Resampling.NEAREST)
        call = {
            "image": pil(start, (width, height)),
            "mask_image": mask_image,
            "strength": strength,
            "width": width,
            "height": height,
        }
        filled = job.fit_canvas(job.generate(call, width, height), inputs.width, inputs.height)
        return composite(photo, filled, soft)
