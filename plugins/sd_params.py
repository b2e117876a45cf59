"""The parameters every Stable Diffusion plugin has, and how a result's parameters read in its metadata.

The model drop-downs list the models found by :func:`sd_models_scan.listed_names`: one scan,
made when this module is first imported (an SD plugin being loaded), since a ``Literal``
needs its choices when the class is built. "auto" is always there and tracks the folder.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gencanvas.core.params import model_choice, seed, slider
from gencanvas.core.params import prompt as prompt_text
from gencanvas.core.plugin_api import ParamsBase
from gencanvas.plugins import sd_models_scan

CHECKPOINTS = ("auto", *sd_models_scan.listed_names("checkpoint"))
CONTROLNETS = ("auto", *sd_models_scan.listed_names("controlnet"))
VAES = ("checkpoint", *sd_models_scan.listed_names("vae"))


class SDParams(ParamsBase):
    """Parameters every SD plugin has; each plugin adds its own (strength, ControlNet...)."""

    prompt: str = prompt_text("a photograph of a lighthouse on a cliff at sunset", description="What to draw")
    negative_prompt: str = prompt_text("blurry, low quality", description="What to steer away from")
    model: Literal[CHECKPOINTS] = model_choice(
        "auto", description="Checkpoint from your models folder (auto: the first that fits)"
    )  # type: ignore[valid-type]
    vae: Literal[VAES] = Field("checkpoint", description="VAE: the checkpoint's own, or a standalone one")  # type: ignore[valid-type]
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
