"""A diffusers UNet2DModel conditioned on a sentence embedding through its time embedding.

The sentence embedding (MiniLM, 384-d) is projected to the time-embedding width and added
to it (``class_embed_type="identity"``), so every residual block is modulated by the text.
For short captions (class names, emoji names) this is as good as cross-attention and much
cheaper on a CPU. A learned null embedding stands for "no prompt" in classifier-free guidance.
With ``patch_size`` p > 1 the image is folded into p×p pixel patches (pixel unshuffle) before the
U-Net and unfolded after, as in "simple diffusion": a 64² RGB image becomes 32²×12 channels.
"""

from __future__ import annotations

import torch
from diffusers.models.unets.unet_2d import UNet2DModel  # not diffusers.UNet2DModel: see sampling.py
from torch import nn

from gencanvas.models.diffusion.config import DiffusionConfig


def _block_types(config: DiffusionConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    down = tuple(
        "AttnDownBlock2D" if i in config.attention_levels else "DownBlock2D"
        for i in range(len(config.block_out_channels))
    )
    up = tuple(name.replace("Down", "Up") for name in reversed(down))
    return down, up


class TextConditionedUNet(nn.Module):
    def __init__(self, config: DiffusionConfig) -> None:
        super().__init__()
        self.config = config
        down, up = _block_types(config)
        time_dim = config.block_out_channels[0] * 4
        patch_channels = config.channels * config.patch_size**2
        self.unet = UNet2DModel(
            sample_size=config.image_size // config.patch_size,
            in_channels=patch_channels,
            out_channels=patch_channels,
            block_out_channels=config.block_out_channels,
            down_block_types=down,
            up_block_types=up,
            layers_per_block=config.layers_per_block,
            norm_num_groups=config.norm_num_groups,
            attention_head_dim=32,
            class_embed_type="identity",
        )
        self.text_proj = nn.Sequential(nn.Linear(config.text_dim, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        self.null_text = nn.Parameter(torch.zeros(config.text_dim))

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """Predict the noise (or v) in ``sample`` at ``timestep`` given sentence embeddings ``text`` (B, 384)."""
        patch = self.config.patch_size
        patches = nn.functional.pixel_unshuffle(sample, patch)
        out = self.unet(patches, timestep, class_labels=self.text_proj(text)).sample
        return nn.functional.pixel_shuffle(out, patch)

    def drop_text(
        self, text: torch.Tensor, probability: float, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Replace a random share of embeddings by the null embedding (training for guidance)."""
        keep = torch.rand(text.shape[0], 1, device=text.device, generator=generator) >= probability
        return torch.where(keep, text, self.null_text.expand_as(text))
