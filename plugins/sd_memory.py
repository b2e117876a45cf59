"""Running a Stable Diffusion pipeline within the GPU's memory: a plan sized to the job, one retry lower.

The plan (attention slicing, VAE tiling, offload...) comes from ``gencanvas.models.sd.memory``
for the free memory, model family and size; an out-of-memory error retries once with the next
lower plan and tells the user so, rather than failing a job that would fit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from gencanvas.core.jobs import is_out_of_memory
from gencanvas.core.plugin_api import RunContext

T = TypeVar("T")


def run_within_memory(
    pipe: Any, ctx: RunContext, family: str, width: int, height: int, *, controlnet: bool, attempt: Callable[[], T]
) -> T:
    """``attempt()`` under the plan for this job; after running out of memory, once more under a lower plan."""
    from gencanvas.models.sd import memory

    plan = memory.choose_plan(memory.free_gpu_bytes(ctx.device), family, width, height, controlnet=controlnet)
    try:
        memory.apply_plan(pipe, plan, ctx.device)
        return attempt()
    except Exception as exc:
        lower = memory.lower(plan)
        if lower is None or not is_out_of_memory(exc):
            raise
        empty_cache()
        ctx.notify(f"Ran out of GPU memory; finished in a lower-memory mode ({lower.describe()}).")
    memory.apply_plan(pipe, lower, ctx.device)
    return attempt()


def empty_cache() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
