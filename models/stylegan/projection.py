"""Projection: find the w whose image matches a target, so the user's own picture can be edited.

As the StyleGAN2 projector, but small: start at the average w, optimise one w for the
first part (stays in the well-behaved W space, edits still work), then each layer's w
(W+: closer fit). Early steps add decaying noise to w to escape poor local minima. The
loss compares pixels at full and at quarter resolution (a cheap stand-in for a perceptual
loss, which would need downloaded VGG weights).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from gencanvas.models.stylegan.directions import sample_w
from gencanvas.models.stylegan.network import Generator

StepCallback = Callable[[int, int, torch.Tensor], None]  # (step, total, current image in [-1, 1])


def projection_loss(image: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    coarse = F.mse_loss(F.avg_pool2d(image, 4), F.avg_pool2d(target, 4))
    return F.mse_loss(image, target) + coarse


def project(
    G: Generator,
    target: torch.Tensor,
    *,
    steps: int = 100,
    lr: float = 0.1,
    w_plus_share: float = 0.4,
    seed: int = 0,
    noise_mode: str = "const",
    on_step: StepCallback | None = None,
    every: int = 5,
) -> torch.Tensor:
    """(1, num_ws, w_dim) styles reproducing ``target`` (1, C, H, W) in [-1, 1]; ``on_step`` sees progress."""
    if target.shape[1:] != (G.config.channels_out, G.config.image_size, G.config.image_size):
        raise ValueError(f"target {tuple(target.shape)} does not match the generator's output")
    generator = torch.Generator().manual_seed(seed)
    w_std = float(sample_w(G, 1000, seed=seed).std(0).square().sum().sqrt())  # typical distance between ws
    device = G.mapping.w_avg.device
    w = G.mapping.w_avg.detach().clone()[None, None].repeat(1, 1, 1).requires_grad_(True)  # (1, 1, w_dim)
    optimizer = torch.optim.Adam([w], lr=lr, betas=(0.9, 0.999))
    switch = max(1, int(steps * (1 - w_plus_share)))
    with torch.enable_grad():
        for step in range(1, steps + 1):
            if step == switch + 1:  # W → W+: one trainable w per layer, starting from the shared one
                w = w.detach().repeat(1, G.num_ws, 1).requires_grad_(True)
                optimizer = torch.optim.Adam([w], lr=lr * 0.5, betas=(0.9, 0.999))
            t = (step - 1) / steps
            for group in optimizer.param_groups:  # ramp up over 5 %, cosine down over the last 25 %
                ramp = min(1.0, (1 - t) / 0.25)
                group["lr"] = (
                    group.setdefault("base_lr", group["lr"])
                    * (0.5 - 0.5 * math.cos(ramp * math.pi))
                    * min(1.0, t / 0.05 + 0.05)
                )
            noise_scale = w_std * 0.05 * max(0.0, 1 - t / 0.75) ** 2
            noise = torch.randn(w.shape, generator=generator).to(device) * noise_scale
            ws = (w + noise).expand(1, G.num_ws, -1)
            image = G.synthesis(ws, noise_mode=noise_mode)
            loss = projection_loss(image, target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if on_step is not None and (step % every == 0 or step == steps):
                on_step(step, steps, image.detach())
    return w.detach().expand(1, G.num_ws, -1).clone()
