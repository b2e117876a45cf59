"""Text-to-image with GenCanvas's own diffusion models, streaming the predicted clean image."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, create_model
from pydantic.json_schema import JsonDict

from gencanvas.plugin_api import ParamsBase, Plugin, PluginInputs, RunContext, model_choice, seed, slider
from gencanvas.plugin_api import prompt as prompt_text
from gencanvas.plugins.diffusion_support import (
    available_models,
    default_guidance,
    encode_prompts,
    known_captions,
    load_diffusion,
    summary,
    to_rgb_uint8,
    warn_if_off_vocabulary,
)

MODELS = available_models()
PROMPT_HELP = "What to draw: an emoji name for the emoji model, a garment class for the fashion model"


class TextToImageParams(ParamsBase):
    prompt: str = prompt_text("grinning face", description=PROMPT_HELP)
    negative_prompt: str = prompt_text("", description="What to steer away from (empty: plain guidance)")
    model: str = model_choice(MODELS[0], MODELS, description="Bundled model")
    sampler: Literal["dpm++", "ddim", "euler-a", "ddpm"] = Field(
        "dpm++", description="DPM-Solver++ is good at 20 steps"
    )
    steps: int = slider(20, ge=1, le=1000, description="Denoising steps")
    guidance: float = slider(  # follows the chosen model's own default, the guidance it was evaluated at
        default_guidance(MODELS[0]), ge=1.0, le=15.0, step=0.5, description="How strongly to follow the prompt"
    )
    batch: int = slider(1, ge=1, le=16, description="Images at once (shown as a grid)")
    seed: int = seed(0)


@functools.cache
def params_with_captions(name: str) -> type[TextToImageParams]:
    """The schema whose prompt box completes from model ``name``'s known captions (one class per model)."""
    captions = known_captions(name)
    if not captions:
        return TextToImageParams
    extra: JsonDict = {"widget": "prompt", "suggestions": [*captions]}
    prompt_field = Field("grinning face", max_length=2000, description=PROMPT_HELP, json_schema_extra=extra)
    schema: type[TextToImageParams] = create_model(
        f"TextToImageParams_{name}", __base__=TextToImageParams, prompt=(str, prompt_field)
    )
    return schema


class DiffusionTextToImage(Plugin[TextToImageParams]):
    id = "diffusion-txt2img"
    title = "Text to image (diffusion)"
    description = "Draw from a prompt with a diffusion model trained by GenCanvas. Watch it sharpen step by step."
    Params = TextToImageParams
    self_test_values: ClassVar[dict[str, Any]] = {
        "steps": 4
    }  # a quick run checks the wiring; the defaults are for pictures

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[TextToImageParams]:
        """The chosen model's schema: its prompt box completes from the captions it was trained on."""
        name = values.get("model", MODELS[0])
        return params_with_captions(name if name in MODELS else MODELS[0])

    @classmethod
    def model_summary(cls, values: Mapping[str, Any]) -> str | None:
        return summary(values.get("model", MODELS[0]))

    @classmethod
    def linked_values(cls, edited: str, values: dict[str, Any]) -> dict[str, Any]:
        """Choosing a model sets guidance to that model's own default (emoji 7.5, fashion 1.5)."""
        return {"guidance": default_guidance(values["model"])} if edited == "model" else {}

    def describe_params(self, params: TextToImageParams) -> str:
        negative = f"\nNegative prompt: {params.negative_prompt}" if params.negative_prompt else ""
        return (
            f"{params.prompt}{negative}\nSteps: {params.steps}, Sampler: {params.sampler}, CFG scale: "
            f"{params.guidance}, Seed: {params.seed}, Model: {params.model}, Batch: {params.batch}"
        )

    def run(self, inputs: PluginInputs, params: TextToImageParams, ctx: RunContext) -> np.ndarray:
        from gencanvas.models.diffusion.sampling import sample

        model = load_diffusion(ctx, params.model)
        warn_if_off_vocabulary(ctx, params.model, params.prompt)
        text = encode_prompts(ctx, [params.prompt] * params.batch)
        negative = encode_prompts(ctx, [params.negative_prompt] * params.batch) if params.negative_prompt else None
        images = sample(
            model,
            text,
            sampler=params.sampler,
            steps=params.steps,
            guidance=params.guidance,
            negative=negative,
            generator=ctx.generator(),
            on_step=lambda step, total, x0: ctx.emit(to_rgb_uint8(x0), step, total),
        )
        return to_rgb_uint8(images)
