"""One sampling path for every SD task: a diffusers pipeline call that streams and stops.

The pipeline returns latents (``output_type="latent"``) and the decode is ours, so a
cancel raised from the step callback leaves before the expensive VAE decode, and each
step hands the predicted clean latent to a preview function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gencanvas.models.sd.preview import X0Tap

SCHEDULERS = ("dpm++-karras", "dpm++", "euler", "euler-a", "ddim", "unipc", "lcm", "euler-trailing")


def make_scheduler(pipe: Any, name: str) -> Any:
    """A fresh scheduler of the chosen kind built from the checkpoint's own training schedule."""
    import diffusers as d

    classes = {
        "dpm++-karras": d.DPMSolverMultistepScheduler,
        "dpm++": d.DPMSolverMultistepScheduler,
        "euler": d.EulerDiscreteScheduler,
        "euler-a": d.EulerAncestralDiscreteScheduler,
        "ddim": d.DDIMScheduler,
        "unipc": d.UniPCMultistepScheduler,
        "lcm": d.LCMScheduler,  # LCM checkpoints and LCM LoRAs
        "euler-trailing": d.EulerDiscreteScheduler,  # Turbo, Lightning, Hyper: few steps from the last timestep
    }
    if name not in classes:
        raise ValueError(f"unknown scheduler {name!r}; expected one of {SCHEDULERS}")
    base = getattr(pipe, "_gencanvas_scheduler_config", None)
    if base is None:
        base = pipe._gencanvas_scheduler_config = dict(pipe.scheduler.config)
    if name == "euler-trailing":
        return classes[name].from_config(base, timestep_spacing="trailing")
    if name == "dpm++-karras":  # A1111's default, "DPM++ 2M Karras"; plain "dpm++" keeps older images exact
        return classes[name].from_config(base, use_karras_sigmas=True)
    return classes[name].from_config(base)


StepHook = Callable[[int, int, Any], None]


def sample_latents(pipe: Any, call: dict[str, Any], *, scheduler: str, on_step: StepHook | None) -> Any:
    """Run ``pipe(**call)`` to latents; ``on_step(step, total, x0)`` after every step (it may raise to stop)."""
    import torch

    pipe.scheduler = make_scheduler(pipe, scheduler)
    tap = X0Tap(pipe.scheduler)

    def callback(pipeline: Any, index: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if on_step is not None:
            x0 = tap.x0 if tap.x0 is not None else tensors["latents"]
            on_step(index + 1, pipeline.num_timesteps, x0)
        return tensors

    with torch.inference_mode():
        out = pipe(
            **call, output_type="latent", callback_on_step_end=callback, callback_on_step_end_tensor_inputs=["latents"]
        )
    return out.images


def decode_latents(pipe: Any, latents: Any) -> np.ndarray:
    """Full VAE decode of (1, 4, h, w) latents to an (H, W, 3) uint8 image.

    SDXL's VAE overflows in fp16, so it is decoded in fp32 when its config asks
    (``force_upcast``), as diffusers itself does.
    """
    import torch

    vae = pipe.vae
    dtype = next(vae.parameters()).dtype
    upcast = dtype == torch.float16 and getattr(vae.config, "force_upcast", False)
    if upcast:
        vae.to(torch.float32)
    try:
        with torch.inference_mode():
            scaled = latents / vae.config.scaling_factor
            shift = getattr(vae.config, "shift_factor", None)
            if shift:
                scaled = scaled + shift
            device = getattr(pipe, "_execution_device", None) or next(vae.parameters()).device
            image = vae.decode(scaled.to(device, next(vae.parameters()).dtype)).sample[0]
    finally:
        if upcast:
            vae.to(dtype)
    return ((image.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
