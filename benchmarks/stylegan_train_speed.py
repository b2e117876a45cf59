"""Training steps per second of StyleGAN candidate sizes, before choosing one to train.

Times the real trainer's step (critic + lazy R1 + generator + EMA) on random reals, so a
narrower network that trains many more steps in the same minutes can be weighed against a
wide one: ``OMP_NUM_THREADS=1 python benchmarks/stylegan_train_speed.py [--size 64 --channels 3]``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from _timing import steps_per_second

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.training import StyleGANTrainer, StyleGANTrainOptions

CANDIDATES = {  # image size → channels per resolution from 4×4 up
    32: {
        "small": {"channels": (128, 128, 64, 32)},
        "mid": {"channels": (128, 96, 64, 32)},
        "narrow (fashion)": {"channels": (64, 64, 32, 16)},
    },
    64: {
        "small (emoji)": {"channels": (128, 128, 64, 32, 16)},
        "mid": {"channels": (128, 64, 32, 16, 16)},
        "narrow (faces)": {"channels": (64, 64, 32, 16, 8)},
    },
}


def stylegan_steps_per_second(config: StyleGANConfig, batch: int, seconds: float) -> tuple[float, int]:
    """Trainer steps per second after three warm-up steps, and the generator's parameter count."""
    torch.manual_seed(0)
    images = torch.randint(0, 256, (256, config.image_size, config.image_size, config.channels_out), dtype=torch.uint8)
    dataset = ImageCaptionDataset(name="random", images=images.permute(0, 3, 1, 2).contiguous(), captions=[""] * 256)
    with tempfile.TemporaryDirectory() as scratch:
        options = StyleGANTrainOptions(run_dir=Path(scratch), out_dir=Path(scratch) / "out", batch_size=batch)
        trainer = StyleGANTrainer(dataset, config, options)
        batches = trainer.batches()

        def step() -> None:
            trainer.train_step(next(batches))
            trainer.state.step += 1

        rate = steps_per_second(step, seconds, warmup=3)
        return rate, sum(p.numel() for p in trainer.G_plain.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32, choices=sorted(CANDIDATES))
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--batch", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, shape in CANDIDATES[args.size].items():
        config = StyleGANConfig(image_size=args.size, channels_out=args.channels, **shape)  # small preset otherwise
        for batch in args.batch:
            rate, params = stylegan_steps_per_second(config, batch, args.seconds)
            print(
                f"{name:16s} {params:>9,} G parameters  batch {batch:3d}: {rate:5.2f} steps/s,"
                f" {rate * batch:6.0f} images/s (1 thread)"
            )


if __name__ == "__main__":
    main()
