"""Training CLI: ``python -m gencanvas.models.train diffusion|stylegan --data fashion-mnist|emoji|DIR ...``.

Works under ``accelerate launch`` unchanged (multi-GPU); ``--time-limit`` stops and
checkpoints before a short GPU session ends, and a rerun with the same ``--run-dir`` resumes.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from pathlib import Path

from gencanvas.models.diffusion.config import PREDICTION_TYPES  # plain data: no torch import
from gencanvas.models.diffusion.config import PRESETS as DIFFUSION_PRESETS
from gencanvas.models.pix2pix import command as pix2pix_command
from gencanvas.models.training_args import add_training_args
from gencanvas.models.vae import command as vae_command

DATA_HELP = "fashion-mnist, emoji, or a folder of your own images (captions from sidecar .txt files)"


def _diffusion_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diffusion", help="text-conditional diffusion model")
    add_training_args(p, data_help=DATA_HELP, batch_size=64, lr=2e-4, sample_every=1000, presets=DIFFUSION_PRESETS)
    p.add_argument("--guidance", type=float, default=3.0, help="default guidance stored with the model")
    p.add_argument(
        "--prediction",
        choices=PREDICTION_TYPES,
        default="epsilon",
        help="what the network predicts (v_prediction learns faster at high noise)",
    )
    p.add_argument(
        "--patch-size", type=int, default=1, help="fold p×p pixel patches into channels (2 for 64² on a CPU)"
    )


def run_diffusion(args: argparse.Namespace) -> int:
    from gencanvas.models.diffusion.config import DiffusionConfig
    from gencanvas.models.diffusion.training import TrainOptions, train_diffusion
    from gencanvas.models.evaluate import split_data

    dataset, _, held_out = split_data(
        args.data, size=args.size, limit=args.limit
    )  # the evaluation's test images stay unseen
    config = DiffusionConfig.from_preset(
        args.preset,
        image_size=dataset.size,
        channels=dataset.channels,
        default_guidance=args.guidance,
        prediction_type=args.prediction,
        patch_size=args.patch_size,
    )
    options = TrainOptions(
        run_dir=args.run_dir or Path("runs") / args.out.name,
        out_dir=args.out,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        max_steps=args.max_steps,
        time_limit_min=args.time_limit,
        sample_every=args.sample_every,
        mixed_precision=args.mixed_precision,
        seed=args.seed,
        resume=not args.no_resume,
        command=args.command,
        held_out=held_out,
    )
    train_diffusion(dataset, config, options)
    print(f"wrote {args.out}")
    return 0


def _stylegan_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stylegan", help="StyleGAN-like generator (then: python -m gencanvas.models.stylegan.directions)"
    )
    add_training_args(
        p,
        data_help=DATA_HELP,
        batch_size=16,
        lr=0.002,
        sample_every=500,
        max_steps=100_000,
        size_help="image size, 4·2^k (default: 32 for fashion-mnist, 64 otherwise)",
    )
    p.add_argument("--r1-gamma", type=float, default=0.2)
    p.add_argument("--augment", default="color,translation,cutout", help="DiffAugment policy ('none' to disable)")


def run_stylegan(args: argparse.Namespace) -> int:
    from gencanvas.models.data import load_dataset
    from gencanvas.models.stylegan.config import StyleGANConfig
    from gencanvas.models.stylegan.training import GANTrainOptions, train_stylegan

    dataset = load_dataset(args.data, split="train", size=args.size, limit=args.limit)
    config = StyleGANConfig.from_preset(
        args.preset,
        image_size=dataset.size,
        channels_out=dataset.channels,
        r1_gamma=args.r1_gamma,
        augment=args.augment,
    )
    options = GANTrainOptions(
        run_dir=args.run_dir or Path("runs") / args.out.name,
        out_dir=args.out,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        max_steps=args.max_steps,
        time_limit_min=args.time_limit,
        sample_every=args.sample_every,
        mixed_precision=args.mixed_precision,
        seed=args.seed,
        resume=not args.no_resume,
        command=args.command,
    )
    train_stylegan(dataset, config, options)
    print(f"wrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gencanvas.models.train", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="model", required=True)
    _diffusion_parser(sub)
    vae_command.add_parser(sub)
    pix2pix_command.add_parser(sub)
    _stylegan_parser(sub)
    args = parser.parse_args(argv)
    args.command = "python -m gencanvas.models.train " + shlex.join(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    commands = {
        "diffusion": run_diffusion,
        "vae": vae_command.run,
        "pix2pix": pix2pix_command.run,
        "stylegan": run_stylegan,
    }
    return commands[args.model](args)


if __name__ == "__main__":
    sys.exit(main())
