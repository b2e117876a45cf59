"""The configuration that travels with StyleGAN weights (config.json), so they rebuild without guessing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from gencanvas.models.json_config import JsonConfig

EDIT_RANGE = 3.0
"""How far an edit slider reaches, in standard deviations of w along its direction.

InterFaceGAN's range: 99.7 % of w lies within ±3 standard deviations along any direction, and
past it the generator draws codes it never trained on. At +5 (the old range) the fashion
model's bag and dress sliders overshoot: the classifier's probability for the class rises to
+3 and falls after it.
"""

PRESETS: dict[str, dict] = {
    # channels per resolution 4, 8, 16, ... ; "small" keeps a 64×64 frame well under 50 ms on one CPU core.
    "tiny": {"z_dim": 32, "w_dim": 32, "mapping_layers": 2, "channels": (32, 32, 16, 16, 8)},
    "small": {"z_dim": 128, "w_dim": 128, "mapping_layers": 4, "channels": (128, 128, 64, 32, 16)},
    "base": {"z_dim": 256, "w_dim": 256, "mapping_layers": 8, "channels": (256, 256, 256, 128, 64)},
}


@dataclass
class StyleGANConfig(JsonConfig):
    kind: ClassVar[str] = "stylegan"
    legacy_keys: ClassVar[tuple[str, ...]] = ("architecture",)  # what marked these folders before ``kind``

    image_size: int = 64
    channels_out: int = 3  # image channels (1 for Fashion-MNIST)
    z_dim: int = 128
    w_dim: int = 128
    mapping_layers: int = 4
    mapping_lr_mul: float = 0.01  # StyleGAN's slower mapping network
    channels: tuple[int, ...] = (128, 128, 64, 32, 16)  # feature maps per resolution, from 4×4 up
    w_avg_beta: float = 0.995  # running mean of w, the centre truncation pulls towards
    style_mixing_prob: float = 0.9
    r1_gamma: float = 0.2
    r1_every: int = 16  # lazy R1: penalise every N steps, scaled by N
    augment: str = "color,translation,cutout"  # DiffAugment policy applied to every image D sees
    default_truncation: float = 0.7
    class_names: list[str] = field(default_factory=list)  # labelled-direction names (filled by directions)

    def __post_init__(self) -> None:
        self.channels = tuple(self.channels)
        if 4 << (len(self.channels) - 1) != self.image_size:  # 4 px → 1 entry, 64 px → 5
            raise ValueError(
                f"{len(self.channels)} channel entries give {4 << (len(self.channels) - 1)} px, "
                f"not {self.image_size}: image_size must be 4·2^k with one entry per resolution"
            )

    @property
    def num_ws(self) -> int:
        """Style inputs: one per convolution plus the final toRGB (layer ranges index these)."""
        return 2 * len(self.channels)

    @classmethod
    def from_preset(cls, preset: str, image_size: int = 64, **overrides) -> StyleGANConfig:
        """The preset's network for ``image_size``; ``channels`` given in ``overrides`` is taken as is (and
        checked), the preset's own list is cut or extended to one entry per resolution."""
        settings = dict(PRESETS[preset])
        blocks = image_size.bit_length() - 2
        base = list(settings.pop("channels"))
        channels = tuple((base + [base[-1]] * blocks)[:blocks]) if blocks > len(base) else tuple(base[:blocks])
        return cls(image_size=image_size, **({"channels": channels} | settings | overrides))
