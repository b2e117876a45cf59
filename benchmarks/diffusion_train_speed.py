"""Training steps per second of diffusion network sizes on random data: what a CPU can train.

The emoji diffusion model is far from its target on this CPU, and longer training of the
shipped net did not help, so the question is what a larger net costs per step. Each preset is
timed on one torch thread with the shipped model's settings (64×64 RGB, 2×2 patches, MiniLM
text vectors, v-prediction, batch 32): ``OMP_NUM_THREADS=1 python benchmarks/diffusion_train_speed.py``.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from _report import report
from _timing import optimiser_steps_per_second

from gencanvas.models.diffusion.config import PRESETS, DiffusionConfig
from gencanvas.models.diffusion.network import TextConditionedUNet

CANDIDATES = ("medium", "large", "base")  # medium: the shipped emoji model


def diffusion_steps_per_second(config: DiffusionConfig, batch: int, seconds: float) -> float:
    """AdamW steps per second on a fixed random batch (the loss is a stand-in: speed only), after two warm-ups."""
    torch.manual_seed(0)
    model = TextConditionedUNet(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.rand(batch, config.channels, config.image_size, config.image_size) * 2 - 1
    text = torch.randn(batch, config.text_dim)

    def loss() -> torch.Tensor:
        t = torch.randint(0, config.num_train_timesteps, (batch,))
        return F.mse_loss(model(x, t, text), x)

    return optimiser_steps_per_second(loss, optimizer, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--patch-size", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for preset in CANDIDATES:
        config = DiffusionConfig.from_preset(
            preset, image_size=args.size, channels=3, patch_size=args.patch_size, prediction_type="v_prediction"
        )
        params = sum(p.numel() for p in TextConditionedUNet(config).parameters())
        rate = diffusion_steps_per_second(config, args.batch, args.seconds)
        hours = 30_000 / rate / 3600  # a modest run for 1.5 k images: ~640 epochs at batch 32
        rows.append([preset, list(PRESETS[preset]["block_out_channels"]), f"{params:,}", f"{rate:.2f}", f"{hours:.1f}"])
    report(
        "diffusion_train_speed",
        ["preset", "widths", "parameters", "steps/s (1 thread)", "hours for 30k steps"],
        rows,
        {"size": args.size, "batch": args.batch, "patch_size": args.patch_size},
    )


if __name__ == "__main__":
    main()
