"""Training steps per second of VAE candidate sizes on random data, before choosing one to train.

A narrower network that trains many more steps in the same minutes often beats a wide one, so
each candidate is timed first: ``OMP_NUM_THREADS=1 python benchmarks/vae_train_speed.py``.
"""

from __future__ import annotations

import argparse

import torch
from _timing import optimiser_steps_per_second

from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.network import ConvVAE

CANDIDATES = {
    "small-16 (shipped)": {"widths": (32, 64, 128), "latent_dim": 16},
    "small-64": {"widths": (32, 64, 128), "latent_dim": 64},
    "narrow-64": {"widths": (16, 32, 64), "latent_dim": 64},
    "wide-64": {"widths": (64, 128, 256), "latent_dim": 64},
}


def vae_steps_per_second(config: VAEConfig, batch: int, seconds: float) -> float:
    """Adam steps per second on a fixed random batch, after two warm-up steps."""
    torch.manual_seed(0)
    model = ConvVAE(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, config.channels, config.image_size, config.image_size) * 2 - 1
    return optimiser_steps_per_second(lambda: model.loss(x)["loss"], optimizer, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, shape in CANDIDATES.items():
        config = VAEConfig(image_size=args.size, channels=args.channels, **shape)
        params = sum(p.numel() for p in ConvVAE(config).parameters())
        rate = vae_steps_per_second(config, args.batch, args.seconds)
        print(f"{name:20s} {params:>9,} parameters  {rate:6.1f} steps/s (batch {args.batch}, 1 thread)")


if __name__ == "__main__":
    main()
