"""Paths through latent space: linear and spherical interpolation, pure tensor functions.

Slerp follows the great circle between two latents, keeping their norm near the typical
norm of Gaussian samples (√d); lerp cuts through the low-density middle of the ball,
which decodes as washed-out frames halfway. Both paths start and end *exactly* on their
endpoints, so frame 0 and frame N-1 decode to the endpoint images.
"""

from __future__ import annotations

from typing import Literal

import torch

Mode = Literal["lerp", "slerp"]


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(1 - t)·a + t·b for each t: a (D,), b (D,), t (N,) → (N, D)."""
    t = t.to(a.dtype)[:, None]
    return (1 - t) * a + t * b


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation on the angle between a and b; falls back to lerp when they are (anti)parallel."""
    cosine = torch.dot(a, b) / (a.norm() * b.norm()).clamp_min(eps)
    omega = torch.arccos(cosine.clamp(-1, 1))
    sine = torch.sin(omega)
    if sine.abs() < 1e-4:
        return lerp(a, b, t)
    t = t.to(a.dtype)[:, None]
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / sine


def interpolate(
    a: torch.Tensor, b: torch.Tensor, frames: int, mode: Mode = "slerp", centre: torch.Tensor | None = None
) -> torch.Tensor:
    """``frames`` latents from a to b inclusive, (frames, D); the first is a and the last b, bit for bit.

    ``centre`` is the prior's centre (the origin for N(0, I)): slerp swings around it, so a
    walk between two samples of a fitted prior keeps to the same shell of that prior.
    """
    if frames < 2:
        raise ValueError(f"an interpolation needs at least 2 frames, got {frames}")
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"endpoints must be two vectors of the same size, got {tuple(a.shape)} and {tuple(b.shape)}")
    functions = {"lerp": lerp, "slerp": slerp}
    if mode not in functions:
        raise ValueError(f"mode must be 'lerp' or 'slerp', got {mode!r}")
    origin = torch.zeros_like(a) if centre is None else centre.to(a.dtype)
    path = origin + functions[mode](a - origin, b - origin, torch.linspace(0, 1, frames, dtype=a.dtype))
    path[0], path[-1] = a, b  # exact endpoints, whatever rounding the formula did
    return path


def latent_grid(
    center: torch.Tensor, u: torch.Tensor, v: torch.Tensor, side: int, span: float, spread: torch.Tensor | None = None
) -> torch.Tensor:
    """A side×side grid of latents center + S·(x·û + y·v̂), x and y in [-span, span] (row-major, y down).

    û and v̂ are u and v made orthonormal (Gram-Schmidt), so the two screen axes are independent directions.
    ``spread`` S (D, D) maps them onto the prior's shape (its covariance's Cholesky factor; the identity
    for N(0, I)), so ``span`` counts the prior's standard deviations along directions the data varies in.
    """
    if side < 1:
        raise ValueError(f"grid side must be >= 1, got {side}")
    u_hat = u / u.norm().clamp_min(1e-8)
    v = v - torch.dot(v, u_hat) * u_hat
    v_hat = v / v.norm().clamp_min(1e-8)
    steps = torch.linspace(-span, span, side, dtype=center.dtype) if side > 1 else torch.zeros(1, dtype=center.dtype)
    ys, xs = torch.meshgrid(steps, steps, indexing="ij")
    offsets = xs.reshape(-1, 1) * u_hat + ys.reshape(-1, 1) * v_hat
    return center + (offsets if spread is None else offsets @ spread.to(offsets.dtype).T)
