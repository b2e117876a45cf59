"""Latent editing with the StyleGAN-like generator: sliders along directions in w, live.

Each run maps the seed (or the projected canvas image) to w, adds the slider offsets on
the chosen layer range and renders one 64×64 frame — a few milliseconds on a CPU, so the
panel re-renders while a slider is dragged (latest request wins). Projecting the canvas
image is an optimisation that streams its progress once; its w is cached by image
content, so moving sliders afterwards is as quick as with a seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import Field, create_model

from gencanvas.models.stylegan.config import EDIT_RANGE
from gencanvas.plugin_api import (
    InputKind,
    ParamsBase,
    Plugin,
    PluginError,
    PluginInputs,
    RunContext,
    model_choice,
    seed,
    slider,
)
from gencanvas.plugins.diffusion_support import warn_if_off_domain
from gencanvas.plugins.stylegan_support import (
    available_models,
    direction_owners,
    load_stylegan,
    max_layers,
    model_directions,
    to_rgb_uint8,
    weights_root,
)

MODELS = available_models()
DIRECTIONS = tuple(direction_owners(MODELS))  # every bundled model's directions together
LAYERS = max_layers(MODELS)
NOISE_MODES = {"off": "none", "fixed": "const"}


class StyleGANEditParams(ParamsBase):
    """What every model has; :meth:`StyleGANEdit.params_for` adds the chosen model's direction sliders."""

    model: str = model_choice(MODELS[0], MODELS, description="Bundled StyleGAN model (each has its own directions)")
    source: Literal["seed", "canvas image"] = Field(
        "seed", description="Edit a random sample of the model (seed), or the canvas photo projected into w"
    )
    seed: int = seed(0)
    truncation: float = slider(
        0.7, ge=0.0, le=1.5, step=0.05, description="Pull the seed's w towards the average: lower is tamer (seed only)"
    )
    layer_start: int = slider(0, ge=0, le=LAYERS - 1, description="First style layer the edit applies to (0: coarse)")
    layer_end: int = slider(LAYERS - 1, ge=0, le=LAYERS - 1, description="Last style layer the edit applies to")
    noise: Literal["off", "fixed"] = Field(  # fixed: both bundled models score far better with it (their cards)
        "fixed", description="Per-layer noise: a fixed pattern (same every frame; the models' best) or off (smoother)"
    )
    projection_steps: int = slider(
        150, ge=10, le=1000, description="Optimisation steps when projecting the canvas image"
    )

    def direction_values(self) -> dict[str, float]:
        """The direction sliders (the fields the model's schema adds), by name."""
        return {name: float(getattr(self, name)) for name in type(self).model_fields if name not in BASE_FIELDS}


BASE_FIELDS = frozenset(StyleGANEditParams.model_fields)


def _direction_field(name: str) -> Any:
    what = f"principal component {name[2:]} of w" if name.startswith("pc") else f"towards '{name}' (labelled direction)"
    return slider(0.0, ge=-EDIT_RANGE, le=EDIT_RANGE, step=0.1, description=f"Move {what}, in standard deviations")


@lru_cache(maxsize=64)
def params_for_model(model: str, names: tuple[str, ...]) -> type[StyleGANEditParams]:
    """One schema per (model, its directions): the same class each time, so the panel sees no change."""
    slug = "".join(part.capitalize() for part in model.replace("_", "-").split("-") if part.isalnum())
    fields: dict[str, Any] = {name: (float, _direction_field(name)) for name in names if name not in BASE_FIELDS}
    return create_model(
        f"StyleGANEditParams{slug}",
        __base__=StyleGANEditParams,
        model=(
            str,
            model_choice(model, MODELS, description=StyleGANEditParams.model_fields["model"].description or ""),
        ),
        **fields,
    )


def schema_for(values: Mapping[str, Any]) -> type[StyleGANEditParams]:
    """The chosen model's schema (the first model when ``values`` names none or an unknown one)."""
    model = values.get("model")
    model = model if isinstance(model, str) and model in MODELS else MODELS[0]
    return params_for_model(model, model_directions(model))


class StyleGANEdit(Plugin[StyleGANEditParams]):
    id = "stylegan-edit"
    title = "Latent edit (StyleGAN)"
    description = (
        "Move a generated picture — or your canvas image, projected into the model — along learned "
        "directions. Re-renders live while you drag."
    )
    optional_inputs = frozenset({InputKind.IMAGE})  # only read when the source is the canvas image
    Params = schema_for({})
    interactive = True

    @classmethod
    def model_summary(cls, values: Mapping[str, Any]) -> str | None:
        from gencanvas.models.domain import model_summary

        model = values.get("model", MODELS[0])
        return model_summary(weights_root() / (model if model in MODELS else MODELS[0]))

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[StyleGANEditParams]:
        """Only the chosen model's directions are sliders: a slider the model lacks would do nothing."""
        return schema_for(values)

    @classmethod
    def live_triggers(cls, params: StyleGANEditParams) -> frozenset[InputKind]:
        """Only a projected canvas image reads the photo; a seed reads no layer at all."""
        return cls.optional_inputs if params.source == "canvas image" else frozenset()

    def run(self, inputs: PluginInputs, params: StyleGANEditParams, ctx: RunContext) -> np.ndarray:
        import torch

        from gencanvas.models.stylegan.directions import apply_edit

        loaded = load_stylegan(ctx, params.model)
        G, directions = loaded.generator, loaded.directions
        start, end = params.layer_start, min(params.layer_end, G.num_ws - 1)
        if start > end:
            raise PluginError(
                f"The layer range is empty: start {start} is after end {end} (this model has {G.num_ws} layers)."
            )
        with torch.no_grad():
            if params.source == "seed":
                z = torch.randn(1, G.config.z_dim, generator=torch.Generator().manual_seed(ctx.seed)).to(ctx.device)
                ws = G.ws_from_z(z, params.truncation)
                total = 1
            else:
                ws = self._projected(inputs, params, ctx, G)
                total = params.projection_steps + 1
            sliders = params.direction_values()
            values = {name: sliders[name] for name in directions.names if sliders.get(name)}
            ws = apply_edit(ws, directions.offset(values), start, end)
            frame = to_rgb_uint8(G.synthesis(ws, noise_mode=NOISE_MODES[params.noise]))
        ctx.emit(frame, total, total)
        return frame

    def _projected(self, inputs: PluginInputs, params: StyleGANEditParams, ctx: RunContext, G: Any) -> Any:
        """The canvas image's w, projected once per (model, image content, steps) and then cached."""
        import torch
        from PIL import Image

        from gencanvas.models.stylegan.projection import project

        image = inputs.require(InputKind.IMAGE)
        size, channels = G.config.image_size, G.config.channels_out
        small = (
            Image.fromarray(image).convert("L" if channels == 1 else "RGB").resize((size, size), Image.Resampling.BOX)
        )
        pixels = np.array(small, dtype=np.uint8).reshape(size, size, channels)  # a writable copy for torch
        digest = hashlib.sha1(pixels.tobytes()).hexdigest()
        target = torch.from_numpy(pixels).permute(2, 0, 1)[None].float().div(127.5).sub(1).to(ctx.device)
        total = params.projection_steps + 1

        def run_projection() -> Any:  # once per image: the domain notice too, not on every live re-render
            warn_if_off_domain(ctx, weights_root() / params.model, pixels)
            return project(
                G,
                target,
                steps=params.projection_steps,
                noise_mode=NOISE_MODES[params.noise],
                on_step=lambda step, _n, image: ctx.emit(to_rgb_uint8(image), step, total),
            )

        key = ("stylegan-projection", params.model, str(ctx.device), digest, params.projection_steps, params.noise)
        return ctx.models.get(key, run_projection)
