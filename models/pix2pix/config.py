"""The configuration that travels with pix2pix weights (config.json), so a generator rebuilds exactly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gencanvas.models.json_config import JsonConfig

PRESETS: dict[str, dict] = {
    # base width of the U-Net / PatchGAN; "tiny" is for tests, "small" trains on a CPU, "base" wants a GPU.
    "tiny": {"base_channels": 8, "max_channels": 16, "disc_channels": 8},
    "small": {"base_channels": 16, "max_channels": 128, "disc_channels": 32},
    "base": {"base_channels": 64, "max_channels": 512, "disc_channels": 64},
}


@dataclass
class Pix2PixConfig(JsonConfig):
    kind: ClassVar[str] = "pix2pix"

    image_size: int = 64
    in_channels: int = 3  # the sketch as RGB: black strokes, or brush-coloured strokes as colour hints
    out_channels: int = 3
    base_channels: int = 32
    max_channels: int = 128
    bottleneck_size: int = 4  # the U-Net halves the image until it is this small
    disc_channels: int = 32
    disc_layers: int = 3  # PatchGAN depth: 3 gives 34x34-pixel receptive fields, 8x8 patches at 64 px
    l1_weight: float = 100.0
    hint_probability: float = 0.3  # share of training sketches drawn in the photo's colours
    sketch_styles: tuple[str, ...] = ("canny", "xdog")

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> Pix2PixConfig:
        return cls(**(PRESETS[preset] | overrides))

    @property
    def depth(self) -> int:
        """Number of stride-2 levels from ``image_size`` down to ``bottleneck_size``."""
        depth, side = 0, self.image_size
        while side > self.bottleneck_size:
            if side % 2:
                raise ValueError(
                    f"image_size {self.image_size} must halve evenly down to {self.bottleneck_size} px or less "
                    "(64, 96, 128, ...)"
                )
            side //= 2
            depth += 1
        return depth
