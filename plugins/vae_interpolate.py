"""Walk through a VAE's latent space: from the canvas image or a seed to another seed.

Every frame is decoded and streamed as it is made; the result is a near-square sheet
of all frames (File › Export animation… turns it into a GIF, WebP or PNG strip).
Frame 0 is exactly the start latent — for the canvas, the VAE's reconstruction of it —
and the last frame exactly the end latent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from gencanvas.plugin_api import (
    InputKind,
    ParamsBase,
    Plugin,
    PluginInputs,
    RunContext,
    model_choice,
    seed,
    slider,
    spin,
    tile,
)
from gencanvas.plugins.vae_support import (
    available_models,
    encode_canvas,
    frames_to_rgb,
    load_vae_model,
    seeded_latent,
    summary,
    warn_if_canvas_off_domain,
)

MODELS = available_models()


class InterpolateParams(ParamsBase):
    model: str = model_choice(MODELS[0], MODELS, description="Bundled VAE")
    start: Literal["seed", "canvas"] = Field(
        "seed", description="Start from a random latent (seed) or encode the canvas image"
    )
    seed: int = seed(0, description="Start latent when starting from a seed")
    end_seed: int = spin(1, ge=0, le=2**31 - 1, description="End latent")
    frames: int = slider(8, ge=2, le=64, description="Frames from start to end, both included")
    mode: Literal["slerp", "lerp"] = Field(
        "slerp", description="slerp follows the sphere where samples live; lerp the straight line"
    )
    temperature: float = slider(
        1.0, ge=0.1, le=2.0, step=0.1, description="Scale of the seeded latents (lower: more typical images)"
    )
    invert: bool = Field(
        False, description="Invert the canvas before encoding (Fashion-MNIST garments are light on black)"
    )
    upscale: int = slider(4, ge=1, le=8, description="Enlarge each frame this many times (nearest neighbour)")


class VAEInterpolate(Plugin[InterpolateParams]):
    id = "vae-interpolate"
    title = "Latent interpolation (VAE)"
    description = (
        "Morph between two images through a VAE's latent space, frame by frame. "
        "Export the frames with File › Export animation…."
    )
    optional_inputs = frozenset({InputKind.IMAGE})  # only when starting from the canvas
    Params = InterpolateParams

    @classmethod
    def model_summary(cls, values: Mapping[str, Any]) -> str | None:
        return summary(values.get("model", MODELS[0]))

    def describe_params(self, params: InterpolateParams) -> str:
        start = "canvas" if params.start == "canvas" else f"seed {params.seed}"
        return (
            f"VAE {params.model}: {start} → seed {params.end_seed}, {params.frames} frames, {params.mode}, "
            f"temperature {params.temperature}, upscale {params.upscale}"
        )

    def run(self, inputs: PluginInputs, params: InterpolateParams, ctx: RunContext) -> np.ndarray:
        import torch

        from gencanvas.models.vae.interpolation import interpolate

        model = load_vae_model(ctx, params.model)
        if params.start == "canvas":
            image = inputs.require(InputKind.IMAGE)
            warn_if_canvas_off_domain(ctx, params.model, image, params.invert)
            start = encode_canvas(model, image, params.invert)
        else:
            start = seeded_latent(model, params.seed, params.temperature)
        end = seeded_latent(model, params.end_seed, params.temperature)
        path = interpolate(start, end, params.frames, params.mode, model.prior.mean()).to(ctx.device)
        frames = []
        with torch.no_grad():
            for i, latent in enumerate(path):
                frame = frames_to_rgb(model.decode(latent[None]), params.upscale)[0]
                frames.append(frame)
                ctx.emit(frame, i + 1, params.frames)
        return tile(frames)
