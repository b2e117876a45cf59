"""The configuration that travels with the weights, so a checkpoint rebuilds without guessing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from gencanvas.models.json_config import JsonConfig

TEXT_DIM = 384  # all-MiniLM-L6-v2 sentence embedding
PREDICTION_TYPES = ("epsilon", "v_prediction")  # diffusers' names; every sampler here accepts both

PRESETS: dict[str, dict] = {
    # block widths, blocks per level, attention levels; sized for CPU training (tiny/small) or a GPU (base).
    "tiny": {"block_out_channels": (16, 32, 32), "layers_per_block": 1, "attention_levels": (1,)},
    "small": {"block_out_channels": (32, 64, 64), "layers_per_block": 1, "attention_levels": (1,)},
    # medium: with --patch-size 2 a 64² RGB model that trains at ~0.7 s per batch of 32 on two CPU cores
    "medium": {"block_out_channels": (32, 64, 128), "layers_per_block": 1, "attention_levels": (2,)},
    # large: 7 M parameters, 0.76 GFLOP per 32² image at patch 2: minutes on one GPU,
    # still under a second per image on CPU
    "large": {"block_out_channels": (64, 128, 128), "layers_per_block": 2, "attention_levels": (1, 2)},
    "base": {"block_out_channels": (64, 128, 256), "layers_per_block": 2, "attention_levels": (1, 2)},
}


@dataclass
class DiffusionConfig(JsonConfig):
    kind: ClassVar[str] = "diffusion"

    image_size: int = 32
    channels: int = 1
    block_out_channels: tuple[int, ...] = (32, 64, 64)
    layers_per_block: int = 1
    attention_levels: tuple[int, ...] = (1,)
    norm_num_groups: int = 16
    num_train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"
    prediction_type: str = "epsilon"  # or "v_prediction": learns x0 at high noise, where epsilon's x0 estimate blows up
    patch_size: int = 1  # >1: the U-Net runs on (size/p)² patches of p×p pixels — p² less compute for large images
    text_dim: int = TEXT_DIM
    cond_dropout: float = 0.1  # classifier-free guidance: share of captions replaced by the null embedding
    default_guidance: float = 3.0
    # Guidance only while the noise level σ = √((1 − ᾱ)/ᾱ) is above this (0: at every step). Guidance sets the
    # layout at high noise; below σ ≈ 1 it only sharpens what is there, and skipping it there halves the model
    # calls (Kynkäänniemi et al. 2024, "Applying guidance in a limited interval improves sample and
    # distribution quality in diffusion models").
    guidance_above_sigma: float = 0.0
    captions: list[str] = field(default_factory=list)  # training captions, shown as prompt suggestions

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> DiffusionConfig:
        return cls(**(PRESETS[preset] | overrides))

    def __post_init__(self) -> None:
        if self.prediction_type not in PREDICTION_TYPES:
            raise ValueError(
                f"prediction_type must be one of {', '.join(PREDICTION_TYPES)}, not {self.prediction_type!r}"
            )
        if self.patch_size < 1 or self.image_size % self.patch_size:
            raise ValueError(f"patch_size {self.patch_size} must divide image_size {self.image_size}")

    def scheduler_config(self) -> dict:
        return {
            "num_train_timesteps": self.num_train_timesteps,
            "beta_schedule": self.beta_schedule,
            "prediction_type": self.prediction_type,
        }
