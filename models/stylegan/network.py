"""Generator (mapping z→w + synthesis from per-layer styles) and a residual discriminator.

Layer indices of ``ws`` (shape (N, num_ws, w_dim)): block 0 (4×4) uses 0 for its conv and
1 for its toRGB; block b ≥ 1 uses 2b-1 and 2b for its two convs and 2b+1 for its toRGB.
Low indices control coarse structure, high ones colour and texture: editing a layer range
is how a direction is kept to "shape" or "colour".
"""

from __future__ import annotations

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.layers import EqualConv2d, EqualLinear, StyledConv, ToRGB


class MappingNetwork(nn.Module):
    """z (normalised) → w through an MLP with a slow learning rate; tracks the running mean of w."""

    w_avg: torch.Tensor  # a buffer (saved with the weights, not trained)

    def __init__(self, config: StyleGANConfig) -> None:
        super().__init__()
        dims = [config.z_dim] + [config.w_dim] * config.mapping_layers
        self.layers = nn.Sequential(
            *[EqualLinear(a, b, lr_mul=config.mapping_lr_mul, activate=True) for a, b in pairwise(dims)]
        )
        self.register_buffer("w_avg", torch.zeros(config.w_dim))
        self.beta = config.w_avg_beta

    def forward(self, z: torch.Tensor, update_w_avg: bool = False) -> torch.Tensor:
        z = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
        w = self.layers(z)
        if update_w_avg:
            self.w_avg.copy_(w.detach().mean(0).lerp(self.w_avg, self.beta))
        return w


class SynthesisNetwork(nn.Module):
    """Learned 4×4 constant → styled convolutions per resolution, RGB summed across scales (skips)."""

    def __init__(self, config: StyleGANConfig) -> None:
        super().__init__()
        c = config.channels
        self.const = nn.Parameter(torch.randn(c[0], 4, 4))
        self.convs = nn.ModuleList([StyledConv(c[0], c[0], config.w_dim, 4)])
        self.to_rgbs = nn.ModuleList([ToRGB(c[0], config.channels_out, config.w_dim)])
        for i in range(1, len(c)):
            resolution = 4 << i
            self.convs.append(StyledConv(c[i - 1], c[i], config.w_dim, resolution, up=True))
            self.convs.append(StyledConv(c[i], c[i], config.w_dim, resolution))
            self.to_rgbs.append(ToRGB(c[i], config.channels_out, config.w_dim))
        self.num_ws = config.num_ws

    def forward(self, ws: torch.Tensor, noise_mode: str = "random", fused: bool = False) -> torch.Tensor:
        x = self.const[None].expand(ws.shape[0], -1, -1, -1)
        x = self.convs[0](x, ws[:, 0], noise_mode, fused)
        rgb = self.to_rgbs[0](x, ws[:, 1], fused)
        for b in range(1, len(self.to_rgbs)):
            x = self.convs[2 * b - 1](x, ws[:, 2 * b - 1], noise_mode, fused)
            x = self.convs[2 * b](x, ws[:, 2 * b], noise_mode, fused)
            rgb = F.interpolate(rgb, scale_factor=2, mode="bilinear", align_corners=False)
            rgb = rgb + self.to_rgbs[b](x, ws[:, 2 * b + 1], fused)
        return rgb


class Generator(nn.Module):
    def __init__(self, config: StyleGANConfig) -> None:
        super().__init__()
        self.config = config
        self.mapping = MappingNetwork(config)
        self.synthesis = SynthesisNetwork(config)

    @property
    def num_ws(self) -> int:
        return self.config.num_ws

    def truncate(self, w: torch.Tensor, psi: float) -> torch.Tensor:
        """Pull w towards the average w: psi 1 keeps it, 0 gives the "average" image."""
        return self.mapping.w_avg.lerp(w, psi) if psi != 1 else w

    def ws_from_z(
        self,
        z: torch.Tensor,
        psi: float = 1.0,
        *,
        mix_z: torch.Tensor | None = None,
        mix_from: int | None = None,
        update_w_avg: bool = False,
    ) -> torch.Tensor:
        """(N, num_ws, w_dim); with ``mix_z``, layers from ``mix_from`` on take the second code's style."""
        w = self.truncate(self.mapping(z, update_w_avg), psi)
        ws = w[:, None].repeat(1, self.num_ws, 1)
        if mix_z is not None and mix_from is not None:
            ws[:, mix_from:] = self.truncate(self.mapping(mix_z), psi)[:, None]
        return ws

    def mixed_ws(self, z: torch.Tensor, mixing_prob: float, update_w_avg: bool = False) -> torch.Tensor:
        """Style-mixing regularisation: with ``mixing_prob`` the layers after a random cutoff use a second z."""
        ws = self.ws_from_z(z, update_w_avg=update_w_avg)
        if mixing_prob and torch.rand(()) < mixing_prob:
            cutoff = int(torch.randint(1, self.num_ws, ()))
            ws[:, cutoff:] = self.mapping(torch.randn_like(z))[:, None]
        return ws

    def forward(
        self,
        z: torch.Tensor,
        psi: float = 1.0,
        noise_mode: str = "random",
        mixing_prob: float = 0.0,
        update_w_avg: bool = False,
    ) -> torch.Tensor:
        """Images from latent codes; the training path (mixing, w_avg update) runs through here so that
        a distributed wrapper sees one forward call."""
        if mixing_prob or update_w_avg:
            return self.synthesis(self.mixed_ws(z, mixing_prob, update_w_avg), noise_mode)
        return self.synthesis(self.ws_from_z(z, psi), noise_mode)


class DiscriminatorBlock(nn.Module):
    """Two 3×3 convolutions, the second halving the resolution, plus a 1×1 residual skip."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3, down=True)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False, activate=False, down=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.skip(x) + self.conv1(self.conv0(x))) * (0.5**0.5)


class Discriminator(nn.Module):
    """Residual discriminator mirroring the generator's widths, with minibatch standard deviation."""

    def __init__(self, config: StyleGANConfig) -> None:
        super().__init__()
        c = list(reversed(config.channels))  # widest at 4×4
        self.from_rgb = EqualConv2d(config.channels_out, c[0], 1)
        self.blocks = nn.Sequential(*[DiscriminatorBlock(a, b) for a, b in pairwise(c)])
        self.final_conv = EqualConv2d(c[-1] + 1, c[-1], 3)
        self.fc = EqualLinear(c[-1] * 16, c[-1], activate=True)
        self.out = EqualLinear(c[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.from_rgb(x))
        group = min(4, x.shape[0])
        if x.shape[0] % group:
            group = 1
        std = x.reshape(group, -1, *x.shape[1:]).std(dim=0, unbiased=False).mean(dim=(1, 2, 3))  # (N/group,)
        x = torch.cat([x, std.repeat(group)[:, None, None, None].expand(-1, 1, 4, 4)], dim=1)
        return self.out(self.fc(self.final_conv(x).flatten(1))).squeeze(1)
