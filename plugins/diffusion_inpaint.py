"""Inpainting with GenCanvas's own diffusion models (RePaint resampling).

The models are small (32 or 64 px), the canvas is not: the masked region's bounding square
(with context around it) is cut out, resized to the model's resolution, filled, resized
back and blended into the masked pixels only, so everything outside the mask stays exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import cv2
import numpy as np

from gencanvas.core.mask_ops import composite
from gencanvas.plugin_api import InputKind, Plugin, PluginInputs, RunContext, model_choice, seed, slider
from gencanvas.plugin_api import prompt as prompt_text
from gencanvas.plugins.diffusion_support import (
    available_models,
    encode_prompts,
    load_diffusion,
    summary,
    to_rgb_uint8,
    warn_if_off_domain,
    weights_root,
)
from gencanvas.plugins.mask_support import SoftMaskParams, soft_mask_for

MODELS = available_models()


class DiffusionInpaintParams(SoftMaskParams):
    prompt: str = prompt_text("", description="What should appear in the hole (empty: whatever fits)")
    model: str = model_choice(MODELS[0], MODELS, description="Bundled model")
    steps: int = slider(50, ge=5, le=250, description="Denoising steps before resampling")
    resamples: int = slider(3, ge=1, le=10, description="RePaint resampling: more blends the fill better")
    jump_length: int = slider(5, ge=1, le=20, description="Steps between resampling jumps")
    guidance: float = slider(2.0, ge=1.0, le=15.0, step=0.5, description="How strongly to follow the prompt")
    context: float = slider(1.6, ge=1.0, le=4.0, step=0.1, description="Crop size relative to the mask's extent")
    seed: int = seed(0)


def context_square(mask: np.ndarray, context: float, min_side: int) -> tuple[slice, slice]:
    """A square around the mask's bounding box, ``context`` times its extent, kept inside the image."""
    rows, cols = np.nonzero(mask)
    height, width = mask.shape
    center_y, center_x = (rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2
    extent = max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    side = int(min(max(extent * context, min_side), height, width))
    top = int(np.clip(round(center_y - side / 2), 0, height - side))
    left = int(np.clip(round(center_x - side / 2), 0, width - side))
    return slice(top, top + side), slice(left, left + side)


class DiffusionInpaint(Plugin[DiffusionInpaintParams]):
    id = "diffusion-inpaint"
    title = "Inpaint (diffusion)"
    description = "Fill the mask with a GenCanvas diffusion model; unmasked pixels stay exactly as they are."
    inputs = frozenset({InputKind.IMAGE, InputKind.MASK})
    Params = DiffusionInpaintParams
    self_test_values: ClassVar[dict[str, Any]] = {
        "steps": 5,
        "resamples": 1,
    }  # a quick run checks the wiring; the defaults are for pictures

    @classmethod
    def model_summary(cls, values: Mapping[str, Any]) -> str | None:
        return summary(values.get("model", MODELS[0]))

    def run(self, inputs: PluginInputs, params: DiffusionInpaintParams, ctx: RunContext) -> np.ndarray:
        import torch

        from gencanvas.models.diffusion.sampling import inpaint

        image = inputs.require(InputKind.IMAGE)
        soft = soft_mask_for(inputs.require(InputKind.MASK), params, inputs.mask_alpha)
        mask = soft.region
        model = load_diffusion(ctx, params.model)
        size, channels = model.config.image_size, model.config.channels
        rows, cols = context_square(mask, params.context, min_side=size)
        crop = cv2.resize(image[rows, cols], (size, size), interpolation=cv2.INTER_AREA)
        crop_mask = cv2.resize(mask[rows, cols].astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST)
        if channels == 1:
            crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)[..., None]
        warn_if_off_domain(ctx, weights_root() / params.model, crop, "The area around the mask")
        known = torch.from_numpy(crop).permute(2, 0, 1)[None].float().div(127.5).sub(1).to(ctx.device)
        keep = torch.from_numpy(1 - cv2.dilate(crop_mask, np.ones((3, 3), np.uint8))).float()[None, None].to(ctx.device)

        def paste(filled: torch.Tensor) -> np.ndarray:
            patch = cv2.resize(
                to_rgb_uint8(filled), (cols.stop - cols.start, rows.stop - rows.start), interpolation=cv2.INTER_CUBIC
            )
            result = image.copy()
            region = result[rows, cols]
            region[mask[rows, cols]] = patch[mask[rows, cols]]
            return composite(image, result, soft)

        # No prompt: the unconditional model (the null embedding) fills in whatever fits the context.
        text = encode_prompts(ctx, [params.prompt]) if params.prompt.strip() else model.null_text[None].detach()
        guidance = params.guidance if params.prompt.strip() else 1.0
        filled = inpaint(
            model,
            text,
            known,
            keep,
            steps=params.steps,
            jump_length=params.jump_length,
            resamples=params.resamples,
            guidance=guidance,
            generator=ctx.generator(),
            on_step=lambda step, total, x0: ctx.emit(paste(x0), step, total),
        )
        return paste(filled)
