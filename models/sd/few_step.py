"""Few-step models (LCM, Turbo, Lightning, Hyper) and the sampler settings they need.

Their files carry no flag saying so, but every one is published with its family in the
name (``sdxl_lightning_4step``, ``sd_turbo``, ``lcm-lora-sdv1-5``, ``Hyper-SD15-8steps``),
as A1111 and ComfyUI users know them. LCM samples with its own scheduler; the distilled
Turbo/Lightning/Hyper models with Euler from the last timestep ("trailing", A1111's SGM
Uniform); all of them with little or no classifier-free guidance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FewStep:
    family: str  # "lcm", "turbo", "lightning" or "hyper"
    scheduler: str
    max_guidance: float


def few_step_setup(names: Iterable[str]) -> FewStep | None:
    """The setup for the first few-step checkpoint or LoRA among ``names``, or None."""
    for name in names:
        low = name.lower()
        if "lcm" in low:
            return FewStep("lcm", "lcm", 2.0)
        for family in ("turbo", "lightning", "hyper"):
            if family in low:
                return FewStep(family, "euler-trailing", 1.0)
    return None
