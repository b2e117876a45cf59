"""Image augmentations on [-1, 1] batches: DiffAugment for GANs, flips and shifts for the VAE.

DiffAugment (Zhao et al., 2020): with ~2k emoji a discriminator memorises the training set
within minutes; augmenting *every* image it sees (real and generated, also in the
generator's step) with differentiable colour, translation and cutout stops that without
leaking the augmentations into the generator. A VAE on the same 1,509 emoji memorises too
(27 dB on training images, 17.6 dB held out), so it trains on mirrored and slightly shifted
copies: ``flip`` and ``shift``, which repeat the edge pixels instead of adding a border the
model would then have to draw.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _color(x: torch.Tensor) -> torch.Tensor:
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, device=x.device) - 0.5)  # brightness
    if x.shape[1] > 1:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) * 2) + mean  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) + 0.5) + mean  # contrast


def _shifted(x: torch.Tensor, sy: int, sx: int, *, zero_border: bool) -> torch.Tensor:
    """Each image moved by a random integer offset within ±``sy``, ±``sx`` pixels; what comes in
    from outside is zeros (``zero_border``) or the repeated edge pixels."""
    n, _, h, w = x.shape
    ty = torch.randint(-sy, sy + 1, (n, 1, 1), device=x.device)
    tx = torch.randint(-sx, sx + 1, (n, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    if zero_border:  # read from a copy framed by one pixel of zeros
        x = F.pad(x, (1, 1, 1, 1))
        gy, gx = (gy[None] + ty + 1).clamp(0, h + 1), (gx[None] + tx + 1).clamp(0, w + 1)
    else:
        gy, gx = (gy[None] + ty).clamp(0, h - 1), (gx[None] + tx).clamp(0, w - 1)
    index = torch.arange(n, device=x.device)[:, None, None]
    return x.permute(0, 2, 3, 1)[index, gy, gx].permute(0, 3, 1, 2)


def _translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its side, filling with zeros (integer pixels)."""
    h, w = x.shape[-2:]
    return _shifted(x, int(h * ratio + 0.5), int(w * ratio + 0.5), zero_border=True)


def _cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero one random square of half the side per image."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device) - ch // 2
    left = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device) - cw // 2
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    inside = (gy[None] >= top) & (gy[None] < top + ch) & (gx[None] >= left) & (gx[None] < left + cw)
    return x * (~inside)[:, None].to(x.dtype)


def _flip(x: torch.Tensor) -> torch.Tensor:
    """Mirror a random half of the images left to right."""
    mirrored = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < 0.5
    return torch.where(mirrored, x.flip(-1), x)


def _shift(x: torch.Tensor, ratio: float = 1 / 16) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its side (integer pixels), repeating the edge pixels."""
    h, w = x.shape[-2:]
    return _shifted(x, max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5)), zero_border=False)


AUGMENTS = {"color": _color, "translation": _translation, "cutout": _cutout, "flip": _flip, "shift": _shift}


def check_policy(policy: str) -> list[str]:
    """The augmentation names in ``policy`` ("" or "none": none); a ValueError names an unknown one."""
    names = [name for name in (p.strip() for p in policy.split(",")) if name and name != "none"]
    for name in names:
        if name not in AUGMENTS:
            raise ValueError(f"unknown augmentation {name!r} (known: {', '.join(AUGMENTS)})")
    return names


def diff_augment(x: torch.Tensor, policy: str) -> torch.Tensor:
    """Apply the comma-separated augmentations of ``policy`` ("" or "none": unchanged)."""
    for name in check_policy(policy):
        x = AUGMENTS[name](x)
    return x
