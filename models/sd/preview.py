"""Cheap live previews: the predicted clean latent of each step, shown without the full VAE.

The full VAE decode of a 1024² SDXL latent costs about as much as a sampling step, so it
runs once, at the end. Each step instead shows the *predicted clean image* (x0, which
looks like the final picture from the first steps on, where x_t is mostly noise) decoded
by TAESD when the user has it, else by a fixed linear latent→RGB projection that costs
nothing measurable. Both run on the latent grid (1/8 of the output side).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# Least-squares fits of RGB in [-1, 1] against the (scaled) latent channels, widely used for
# SD previews. Rows: latent channels; columns: R, G, B; then the bias.
LATENT_RGB: dict[str, tuple[list[list[float]], list[float]]] = {
    "sd15": (
        [[0.3512, 0.2297, 0.3227], [0.3250, 0.4974, 0.2350], [-0.2829, 0.1762, 0.2721], [-0.2120, -0.2616, -0.7177]],
        [0.0, 0.0, 0.0],
    ),
    "sdxl": (
        [[0.3651, 0.4232, 0.4341], [-0.2533, -0.0042, 0.1068], [0.1076, 0.1111, -0.0362], [-0.3165, -0.2492, -0.2188]],
        [0.1084, -0.0175, -0.0011],
    ),
}
LATENT_RGB["sd2"] = LATENT_RGB["sd15"]


class X0Tap:
    """Wraps a scheduler's ``step`` to keep the predicted clean latent of the latest step.

    Schedulers that return ``pred_original_sample`` (Euler, DDIM, DDPM, LMS...) give it
    directly; DPM-Solver++ and UniPC keep it as their converted model output. Anything
    else falls back to the current latents.
    """

    def __init__(self, scheduler: Any) -> None:
        self.x0: Any = None
        self._step = scheduler.step

        def step(*args: Any, **kwargs: Any) -> Any:
            out = self._step(*args, **kwargs)
            pred = getattr(out, "pred_original_sample", None)
            if pred is None:
                outputs = getattr(scheduler, "model_outputs", None)
                pred = outputs[-1] if outputs and outputs[-1] is not None else None
            self.x0 = pred
            return out

        scheduler.step = step  # an instance attribute: only this (per-run) scheduler is wrapped


def linear_render(latents: Any, family: str) -> Any:
    """(1, 4, h, w) scaled latents → (h, w, 3) uint8 tensor, on the latents' device."""
    import torch

    factors, bias = LATENT_RGB.get(family, LATENT_RGB["sd15"])
    latent = latents[0].float()
    if latent.shape[0] != len(factors):  # an unknown latent space: show the first three channels
        rgb = latent[:3].permute(1, 2, 0).clamp(-1, 1)
    else:
        weight = torch.tensor(factors, device=latent.device)
        rgb = torch.einsum("chw,cr->hwr", latent, weight) + torch.tensor(bias, device=latent.device)
    return ((rgb.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def make_renderer(family: str, taesd: Any = None) -> Callable[[Any], Any]:
    """latents → (H, W, 3) uint8 tensor on the GPU (or CPU): TAESD when given, else the linear projection."""
    if taesd is None:
        return lambda latents: linear_render(latents, family)

    def decode(latents: Any) -> Any:
        import torch

        with torch.no_grad():
            device = next(taesd.parameters()).device
            image = taesd.decode(latents[:1].to(device, next(taesd.parameters()).dtype)).sample[0]
        return ((image.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0)

    return decode


def make_previewer(family: str, taesd: Any = None) -> Callable[[Any], np.ndarray]:
    """A function latents → RGB uint8 numpy preview (synchronous; see LaggedFrames for the loop)."""
    render = make_renderer(family, taesd)
    return lambda latents: render(latents).cpu().numpy()


FrameSink = Callable[[np.ndarray, int, int], None]


class LaggedFrames:
    """Hands each step's rendered preview to ``emit`` as uint8 numpy, one step late on CUDA.

    The frame is rendered on the sampler's device, and only the small uint8 image goes through
    ``PreviewRelay`` (pinned, asynchronous copy), so sampling never waits for it; on CPU frames
    go out at once.
    """

    def __init__(self, render: Callable[[Any], Any], emit: FrameSink) -> None:
        # imported here: it brings torch, which this module leaves to the sampler
        from gencanvas.models.step_previews import PreviewRelay

        self.render = render
        self._relay = PreviewRelay(lambda step, total, frame: emit(frame.numpy(), step, total))

    def push(self, x0: Any, step: int, total: int) -> None:
        self._relay.push(step, total, self.render(x0))

    def flush(self) -> None:
        """Emit the last frame (after the loop)."""
        self._relay.flush()
