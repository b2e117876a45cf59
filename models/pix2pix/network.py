"""U-Net generator and PatchGAN critic (Isola et al., 2017), sized by :class:`Pix2PixConfig`.

Plain ``nn.Module``s with GroupNorm instead of BatchNorm: the plugin runs one sketch at a
time, and GroupNorm behaves the same for a batch of one as in training. The decoder
upsamples by nearest neighbour + 3x3 convolution, which avoids the checkerboard patterns
transposed convolutions leave in small, briefly trained models.
"""

from __future__ import annotations

import torch
from torch import nn

from gencanvas.models.pix2pix.config import Pix2PixConfig


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(8 if channels % 8 == 0 else 1, channels)


class _Down(nn.Sequential):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(nn.Conv2d(cin, cout, 4, stride=2, padding=1), _norm(cout), nn.LeakyReLU(0.2))


class _Up(nn.Module):
    def __init__(self, cin: int, cskip: int, cout: int) -> None:
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Sequential(nn.Conv2d(cin + cskip, cout, 3, padding=1), _norm(cout), nn.ReLU())

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([self.up(x), skip], dim=1))


class UNetGenerator(nn.Module):
    """Sketch (N, in, S, S) in [-1, 1] → image (N, out, S, S) in [-1, 1]; skips carry the stroke positions."""

    def __init__(self, config: Pix2PixConfig) -> None:
        super().__init__()
        self.config = config
        widths = [min(config.base_channels * 2**i, config.max_channels) for i in range(config.depth + 1)]
        self.stem = nn.Sequential(nn.Conv2d(config.in_channels, widths[0], 3, padding=1), nn.LeakyReLU(0.2))
        self.downs = nn.ModuleList(_Down(widths[i], widths[i + 1]) for i in range(config.depth))
        self.middle = nn.Sequential(nn.Conv2d(widths[-1], widths[-1], 3, padding=1), _norm(widths[-1]), nn.ReLU())
        self.ups = nn.ModuleList(_Up(widths[i + 1], widths[i], widths[i]) for i in reversed(range(config.depth)))
        self.head = nn.Conv2d(widths[0], config.out_channels, 3, padding=1)

    def forward(self, sketch: torch.Tensor) -> torch.Tensor:
        x = self.stem(sketch)
        skips = [x]
        for down in self.downs:
            x = down(x)
            skips.append(x)
        x = self.middle(skips.pop())
        for up in self.ups:
            x = up(x, skips.pop())
        return torch.tanh(self.head(x))


class PatchDiscriminator(nn.Module):
    """(sketch, image) pair → a grid of real/fake scores, one per overlapping patch (LSGAN targets 1/0)."""

    def __init__(self, config: Pix2PixConfig) -> None:
        super().__init__()
        c = config.disc_channels
        layers: list[nn.Module] = [nn.Conv2d(config.in_channels + config.out_channels, c, 4, 2, 1), nn.LeakyReLU(0.2)]
        for i in range(1, config.disc_layers):
            cin, c = c, min(c * 2, config.disc_channels * 8)
            stride = 2 if i < config.disc_layers - 1 else 1
            layers += [nn.Conv2d(cin, c, 4, stride, 1), _norm(c), nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(c, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, sketch: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([sketch, image], dim=1))
