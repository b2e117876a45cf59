"""The VAE configuration saved as config.json next to the weights, so a checkpoint rebuilds itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gencanvas.models.json_config import JsonConfig

PRESETS: dict[str, dict] = {
    # channel widths per stride-2 stage and latent size; "tiny" is for tests, the rest train on a CPU.
    "tiny": {"widths": (8, 16), "latent_dim": 4},
    "small": {"widths": (32, 64, 128), "latent_dim": 16},  # 32×32 (Fashion-MNIST)
    "medium": {"widths": (16, 32, 64, 128), "latent_dim": 32},  # 64×64 on a CPU (emoji)
    "base": {"widths": (32, 64, 128, 256), "latent_dim": 32},  # 64×64 on a GPU
}


@dataclass
class VAEConfig(JsonConfig):
    kind: ClassVar[str] = "vae"

    image_size: int = 32
    channels: int = 1
    widths: tuple[int, ...] = (32, 64, 128)
    latent_dim: int = 16
    beta: float = 1.0  # weight of the KL term: > 1 smoother, more disentangled latents; < 1 sharper reconstructions
    prior_components: int = 0  # 0: sample N(0, I); K: a K-component mixture fitted to the encoded training set
    refine_steps: int = 0  # gradient steps refining each encoding on the image itself (0: the encoder's mean)

    def __post_init__(self) -> None:
        self.widths = tuple(self.widths)
        if self.image_size % 2 ** len(self.widths):
            raise ValueError(
                f"image_size {self.image_size} must be divisible by 2^{len(self.widths)} (one halving per width)"
            )
        if self.latent_dim < 1 or self.beta < 0 or self.prior_components < 0 or self.refine_steps < 0:
            raise ValueError(
                f"latent_dim must be >= 1, beta >= 0, prior_components >= 0 and refine_steps >= 0, got "
                f"{self.latent_dim}, {self.beta}, {self.prior_components}, {self.refine_steps}"
            )

    @property
    def bottom(self) -> int:
        """Side of the last feature map before the fully connected latent layers."""
        return self.image_size // 2 ** len(self.widths)

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> VAEConfig:
        return cls(**(PRESETS[preset] | overrides))
