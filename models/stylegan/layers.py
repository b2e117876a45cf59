"""Building blocks: equalised-learning-rate layers, modulated/demodulated convolution, noise.

Equalised learning rate (weights stored at unit variance, scaled at run time) keeps Adam's
step sizes comparable across layers, which StyleGAN's fast learning rate relies on.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

GAIN = math.sqrt(2.0)  # keeps the variance of leaky-ReLU activations ~1


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2) * GAIN


class EqualLinear(nn.Module):
    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        bias_init: float = 0.0,
        lr_mul: float = 1.0,
        activate: bool = False,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lr_mul))
        self.scale = lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul
        self.activate = activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        return lrelu(x) if self.activate else x


class EqualConv2d(nn.Module):
    """Plain convolution for the discriminator (optionally with a 2× average-pool down-sample)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int,
        *,
        bias: bool = True,
        activate: bool = True,
        down: bool = False,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = 1 / math.sqrt(in_channels * kernel * kernel)
        self.activate, self.down, self.padding = activate, down, kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)
        if self.down:
            x = F.avg_pool2d(x, 2)
        return lrelu(x) if self.activate else x


def modulated_conv2d(
    x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, *, demodulate: bool = True, fused: bool = False
) -> torch.Tensor:
    """StyleGAN2's convolution: scale the weight's input channels by ``styles``, then renormalise
    each output channel to unit norm (demodulation) instead of normalising activations.

    ``fused`` builds one weight per sample and runs a grouped convolution (the paper's form);
    the default scales activations before and after one shared convolution instead, which is
    mathematically identical and faster for batches on a CPU. ``weight`` is already scaled.
    """
    batch, in_channels, height, width = x.shape
    out_channels, _, kernel, _ = weight.shape
    padding = kernel // 2
    if fused:
        w = weight[None] * styles[:, None, :, None, None]  # (B, out, in, k, k)
        if demodulate:
            w = w * torch.rsqrt(w.square().sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
        x = x.reshape(1, batch * in_channels, height, width)
        out = F.conv2d(x, w.reshape(batch * out_channels, in_channels, kernel, kernel), padding=padding, groups=batch)
        return out.reshape(batch, out_channels, height, width)
    out = F.conv2d(x * styles[:, :, None, None], weight, padding=padding)
    if demodulate:
        coefficients = torch.rsqrt(styles.square() @ weight.square().sum(dim=(2, 3)).T + 1e-8)  # (B, out)
        out = out * coefficients[:, :, None, None]
    return out


class StyledConv(nn.Module):
    """Modulated 3×3 convolution + per-pixel noise (learned strength) + bias + leaky ReLU."""

    noise_const: torch.Tensor  # a buffer: the fixed noise of noise_mode="const"

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, *, up: bool = False) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # styles start at 1: an unmodulated conv
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))
        self.scale = 1 / math.sqrt(in_channels * 9)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))
        self.up = up

    def forward(
        self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "random", fused: bool = False
    ) -> torch.Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = modulated_conv2d(x, self.weight * self.scale, self.affine(w), fused=fused)
        if noise_mode == "random":
            x = (
                x
                + torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
                * self.noise_strength
            )
        elif noise_mode == "const":
            x = x + self.noise_const * self.noise_strength
        return lrelu(x + self.bias[None, :, None, None])


class ToRGB(nn.Module):
    """Modulated 1×1 convolution to image channels, without demodulation (as in StyleGAN2)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 1, 1))
        self.scale = 1 / math.sqrt(in_channels)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor, fused: bool = False) -> torch.Tensor:
        x = modulated_conv2d(x, self.weight * self.scale, self.affine(w), demodulate=False, fused=fused)
        return x + self.bias[None, :, None, None]
