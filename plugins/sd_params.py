"""The parameters every Stable Diffusion plugin has, and how a result's parameters read in its metadata.

The model drop-downs list the models found by :func:`sd_models_scan.listed_names`: one scan,
made when this module is first imported (an SD plugin being loaded), since the choices are
built into the schema when the class is built. "auto" is always there and tracks the folder.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gencanvas.plugin_api import ParamsBase, choice, model_choice, seed, slider
from gencanvas.plugin_api import prompt as prompt_text
from gencanvas.plugins import sd_models_scan

CHECKPOINTS = ("auto", *sd_models_scan.listed_names("checkpoint"))
CONTROLNETS = ("auto", *sd_models_scan.listed_names("controlnet"))
VAES = ("checkpoint", *sd_models_scan.listed_names("vae"))


class SDParams(ParamsBase):
    """Parameters every SD plugin has; each plugin adds its own (strength, ControlNet...)."""

    prompt: str = prompt_text("a photograph of a lighthouse on a cliff at sunset", description="What to draw")
    negative_prompt: str = prompt_text("blurry, low quality", description="What to steer away from")
    model: str = model_choice(
        "auto", CHECKPOINTS, description="Checkpoint from your models folder (auto: the first that fits)"
    )
    loras: str = Field(
        "",
        description="LoRAs from your models folder, a weight each: detail:0.8, style:0.5 "
        "(<lora:name:0.8> in the prompt works too)",
    )
    vae: str = choice("checkpoint", VAES, description="VAE: the checkpoint's own, or a standalone one")
    scheduler: Literal["dpm++", "euler", "euler-a", "ddim", "unipc"] = Field("dpm++", description="Sampler")
    steps: int = slider(25, ge=1, le=150, description="Denoising steps")
    guidance: float = slider(7.0, ge=1.0, le=20.0, step=0.5, description="How strongly to follow the prompt")
    preview: Literal["auto", "taesd", "linear", "off"] = Field(
        "auto",
        description="Live preview: auto = TAESD on a GPU when in your folder, else a fast colour approximation",
    )
    seed: int = seed(0)


def describe(params: SDParams, extra: str = "") -> str:
    negative = f"\nNegative prompt: {params.negative_prompt}" if params.negative_prompt else ""
    return (
        f"{params.prompt}{negative}\nSteps: {params.steps}, Sampler: {params.scheduler}, CFG scale: {params.guidance}, "
        f"Seed: {params.seed}, Model: {params.model}, VAE: {params.vae}{extra}"
    )
