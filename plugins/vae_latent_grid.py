"""A 2-D window into a VAE's latent space: decode a grid on a plane through a latent.

The plane's two axes are random directions drawn from the seed (made orthonormal), centred
on the origin (the prior's most typical point) or on a seeded latent. Neighbouring cells
differ a little, so the grid shows which features the latent space keeps together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from gencanvas.plugin_api import ParamsBase, Plugin, PluginInputs, RunContext, model_choice, seed, slider, tile
from gencanvas.plugins.vae_support import (
    available_models,
    frames_to_rgb,
    load_vae_model,
    seeded_direction,
    seeded_latent,
    summary,
)

MODELS = available_models()


class LatentGridParams(ParamsBase):
    model: str = model_choice(MODELS[0], MODELS, description="Bundled VAE")
    centre: Literal["origin", "seed"] = Field(
        "origin", description="Centre the plane on the prior's centre (the origin) or on the seed's latent"
    )
    side: int = slider(6, ge=2, le=16, description="Cells per row and column")
    span: float = slider(
        2.5, ge=0.5, le=5.0, step=0.5, description="How far the grid reaches from the centre, in standard deviations"
    )
    upscale: int = slider(2, ge=1, le=8, description="Enlarge each cell this many times (nearest neighbour)")
    seed: int = seed(0, description="Chooses the plane's directions (and the centre latent)")


class VAELatentGrid(Plugin[LatentGridParams]):
    id = "vae-latent-grid"
    title = "Latent grid explorer (VAE)"
    description = (
        "A grid of decodes on a plane through a VAE's latent space: see how images change along two directions."
    )
    Params = LatentGridParams

    @classmethod
    def model_summary(cls, values: Mapping[str, Any]) -> str | None:
        return summary(values.get("model", MODELS[0]))

    def run(self, inputs: PluginInputs, params: LatentGridParams, ctx: RunContext) -> np.ndarray:
        import torch

        from gencanvas.models.vae.interpolation import latent_grid

        model = load_vae_model(ctx, params.model)
        dim = model.config.latent_dim
        u, v = (seeded_direction(dim, params.seed + k) for k in range(2))
        centre = seeded_latent(model, params.seed + 2) if params.centre == "seed" else model.prior.mean()
        latents = latent_grid(centre, u, v, params.side, params.span, model.prior.spread()).to(ctx.device)
        cells: list[np.ndarray] = []
        with torch.no_grad():
            for row in range(params.side):  # one frame per decoded row: cancellable, and the grid grows visibly
                cells += frames_to_rgb(
                    model.decode(latents[row * params.side : (row + 1) * params.side]), params.upscale
                )
                blank = np.full_like(cells[0], 255)
                ctx.emit(tile(cells + [blank] * (params.side**2 - len(cells)), params.side), row + 1, params.side)
        return tile(cells, params.side)
