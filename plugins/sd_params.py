"""The parameters every Stable Diffusion plugin has, and how a result's parameters read in its metadata.

The model drop-downs list the models found by :func:`sd_models_scan.listed_names`: one scan,
made when this module is first imported (an SD plugin being loaded), gives each plugin's
``Params``. Each plugin's ``params_for`` returns :func:`with_current_models` of it, which
follows ``sd_models_scan.refresh()`` (a model added or removed, the folders changed in
Settings) without a restart. "auto" is always there and tracks the folder.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Literal, TypeVar

from pydantic import Field

from gencanvas.plugin_api import ParamsBase, choice, model_choice, seed, slider
from gencanvas.plugin_api import prompt as prompt_text
from gencanvas.plugins import sd_models_scan
from gencanvas.plugins.model_choices import Choices, with_choices


def current_choices() -> Choices:
    """The options of the model drop-downs from the current scan (auto/checkpoint first)."""
    return (
        ("model", ("auto", *sd_models_scan.listed_names("checkpoint"))),
        ("vae", ("checkpoint", *sd_models_scan.listed_names("vae"))),
        ("controlnet", ("auto", *sd_models_scan.listed_names("controlnet"))),
    )


_AT_LOAD = dict(current_choices())
CHECKPOINTS, VAES, CONTROLNETS = _AT_LOAD["model"], _AT_LOAD["vae"], _AT_LOAD["controlnet"]


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
    scheduler: Literal["dpm++-karras", "dpm++", "euler", "euler-a", "ddim", "unipc", "lcm", "euler-trailing"] = Field(
        "dpm++-karras", description="Sampler (lcm: LCM models and LoRAs; euler-trailing: Turbo, Lightning, Hyper)"
    )
    steps: int = slider(25, ge=1, le=150, description="Denoising steps")
    guidance: float = slider(7.0, ge=1.0, le=20.0, step=0.5, description="How strongly to follow the prompt")
    preview: Literal["auto", "taesd", "linear", "off"] = Field(
        "auto",
        description="Live preview: auto = TAESD on a GPU when in your folder, else a fast colour approximation",
    )
    seed: int = seed(0)


P = TypeVar("P", bound=SDParams)


def with_current_models(base: type[P], extra: Choices = ()) -> type[P]:
    """``base`` (a plugin's ``Params``) listing the models there are now: its ``params_for``."""
    return with_choices(base, (*current_choices(), *extra))


# GenCanvas's scheduler ids as A1111 names its samplers (with the schedule), so other tools read them.
A1111_SAMPLERS = {
    "dpm++-karras": "DPM++ 2M Karras",
    "dpm++": "DPM++ 2M",
    "euler": "Euler",
    "euler-a": "Euler a",
    "ddim": "DDIM",
    "unipc": "UniPC",
    "lcm": "LCM",
    "euler-trailing": "Euler, Schedule type: SGM Uniform",
}


def a1111_prompt(prompt: str, loras: str) -> str:
    """The prompt with the LoRA field's entries as ``<lora:name:weight>`` tags, as A1111 keeps them."""
    from gencanvas.models.sd.lora import parse_lora_field

    try:
        tags = " ".join(f"<lora:{name}:{weight:g}>" for name, weight in parse_lora_field(loras))
    except ValueError:
        return prompt
    return f"{prompt} {tags}" if tags else prompt


# The region prompts of recent runs by their parameters object: ``describe_params`` sees only the
# parameters, the regions come with the canvas. A job's run always precedes its description.
_RUN_REGIONS: dict[int, tuple[str, ...]] = {}
_KEPT = 32


def remember_regions(params: SDParams, prompts: Sequence[str]) -> None:
    """Note the region prompts a run with ``params`` followed, for :func:`describe`."""
    _RUN_REGIONS[id(params)] = tuple(prompts)
    while len(_RUN_REGIONS) > _KEPT:
        del _RUN_REGIONS[next(iter(_RUN_REGIONS))]


def regions_setting(params: SDParams) -> str:
    """``, Regions: "[…]"``: the prompts as a JSON list, quoted as A1111 quotes values with commas."""
    prompts = _RUN_REGIONS.get(id(params))
    if not prompts:
        return ""
    return f", Regions: {json.dumps(json.dumps(list(prompts), ensure_ascii=False), ensure_ascii=False)}"


def describe(params: SDParams, extra: str = "") -> str:
    """The A1111 "parameters" text: prompt (LoRAs as tags), negative prompt, A1111's setting names.

    Region prompts go last as one ``Regions`` setting, which A1111 and the restore ignore.
    """
    negative = f"\nNegative prompt: {params.negative_prompt}" if params.negative_prompt else ""
    return (
        f"{a1111_prompt(params.prompt, params.loras)}{negative}\nSteps: {params.steps}, "
        f"Sampler: {A1111_SAMPLERS[params.scheduler]}, CFG scale: {params.guidance}, "
        f"Seed: {params.seed}, Model: {params.model}, VAE: {params.vae}{extra}{regions_setting(params)}"
    )


def params_from_parameters(text: str) -> dict[str, object]:
    """SD parameter values from an A1111 "parameters" text (GenCanvas's or A1111's own), for restoring.

    Samplers map back to GenCanvas's ids (``DPM++ 2M`` with ``Schedule type: Karras`` as A1111
    1.9+ writes it, or the older ``DPM++ 2M Karras``); LoRA tags stay in the prompt, where
    they work as written. Settings GenCanvas has no equivalent for are left out.
    """
    from gencanvas.core.metadata import parse_parameters

    prompt, negative, settings = parse_parameters(text)
    values: dict[str, object] = {"prompt": prompt, "negative_prompt": negative}
    sampler, schedule = settings.get("Sampler", ""), settings.get("Schedule type", "")
    if schedule.lower() == "karras" and not sampler.endswith("Karras"):
        sampler += " Karras"
    if sampler == "Euler" and schedule.lower() == "sgm uniform":
        sampler = A1111_SAMPLERS["euler-trailing"]
    by_name = {name.lower(): key for key, name in A1111_SAMPLERS.items()}
    if sampler.lower() in by_name:
        values["scheduler"] = by_name[sampler.lower()]
    for key, name, kind in (("steps", "Steps", int), ("guidance", "CFG scale", float), ("seed", "Seed", int)):
        with contextlib.suppress(KeyError, ValueError):  # absent or not a number: the default stays
            values[key] = kind(settings[name])
    for key, name in (("model", "Model"), ("vae", "VAE")):
        if name in settings:
            values[key] = settings[name]
    return values
