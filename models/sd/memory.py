"""How to fit a pipeline in the GPU memory there is: a pure policy, then one place applying it.

The levels trade speed for memory, cheapest first: attention slicing and VAE tiling cost a
few percent; model CPU offload keeps only the running module on the GPU (slower by the
transfers); sequential offload streams layer by layer (slow, fits almost anything). The
policy picks the fastest level whose estimate fits the free memory; after an
out-of-memory error the job retries once at the next level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

GIB = 1024**3
# fp16 weights of UNet + text encoders + VAE, and activation peak at the family's native size.
WEIGHTS_GIB = {"sd15": 2.0, "sd2": 2.6, "sdxl": 6.6}
ACTIVATIONS_GIB = {"sd15": 1.5, "sd2": 2.2, "sdxl": 3.5}
NATIVE_SIDE = {"sd15": 512, "sd2": 768, "sdxl": 1024}
CONTROLNET_GIB = {"sd15": 0.7, "sd2": 0.7, "sdxl": 2.5}
UNET_SHARE = 0.8


@dataclass(frozen=True)
class MemoryPlan:
    level: int
    attention_slicing: bool = False
    vae_tiling: bool = False
    offload: Literal["none", "model", "sequential"] = "none"

    def describe(self) -> str:
        parts = [
            name for name, on in (("attention slicing", self.attention_slicing), ("VAE tiling", self.vae_tiling)) if on
        ]
        if self.offload != "none":
            parts.append(f"{self.offload} CPU offload")
        return ", ".join(parts) or "full speed"


LEVELS = (
    MemoryPlan(0),
    MemoryPlan(1, attention_slicing=True, vae_tiling=True),
    MemoryPlan(2, attention_slicing=True, vae_tiling=True, offload="model"),
    MemoryPlan(3, attention_slicing=True, vae_tiling=True, offload="sequential"),
)


def choose_plan(
    free_bytes: int | None, family: str, width: int, height: int, *, controlnet: bool = False, bytes_per_value: int = 2
) -> MemoryPlan:
    """The fastest level expected to fit ``free_bytes`` of GPU memory (None: CPU, no limits applied)."""
    if free_bytes is None:
        return LEVELS[0]
    half = bytes_per_value / 2
    weights = (WEIGHTS_GIB[family] + (CONTROLNET_GIB[family] if controlnet else 0.0)) * half
    activations = ACTIVATIONS_GIB[family] * width * height / NATIVE_SIDE[family] ** 2 * half
    margin = 1.15  # allocator fragmentation and cuDNN workspaces
    needs = (
        weights + activations,  # everything resident
        weights + activations / 4,  # slicing + tiling cut the activation peak about 4x
        UNET_SHARE * weights + activations / 4,
    )  # model offload: only the UNet (the largest part) resident
    for plan, need in zip(LEVELS, needs, strict=False):
        if need * margin * GIB <= free_bytes:
            return plan
    return LEVELS[3]


def lower(plan: MemoryPlan) -> MemoryPlan | None:
    """The next, more frugal level; None when there is none left."""
    return LEVELS[plan.level + 1] if plan.level + 1 < len(LEVELS) else None


def free_gpu_bytes(device: Any) -> int | None:
    """Free memory on a CUDA device (None on CPU/MPS, where the policy does not apply)."""
    import torch

    if getattr(device, "type", str(device)) != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return int(free)


def apply_plan(pipe: Any, plan: MemoryPlan, device: Any) -> None:
    """Put ``pipe`` on ``device`` in the plan's mode; idempotent, so it runs before every job."""
    current = getattr(pipe, "_gencanvas_plan", None)
    if current != plan:
        if current is not None and current.offload != "none":
            pipe.remove_all_hooks()
        offload = plan.offload if getattr(device, "type", "cpu") == "cuda" else "none"
        if offload == "model":
            pipe.enable_model_cpu_offload(device=device)
        elif offload == "sequential":
            pipe.enable_sequential_cpu_offload(device=device)
        else:
            pipe.to(device)
        if plan.attention_slicing:
            pipe.enable_attention_slicing()
        else:
            pipe.disable_attention_slicing()
        if plan.vae_tiling:
            pipe.vae.enable_tiling()
        else:
            pipe.vae.disable_tiling()
        pipe._gencanvas_plan = plan
