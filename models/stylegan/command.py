"""The ``stylegan`` subcommand of ``python -m gencanvas.models.train``: arguments and the run that follows.

Kept here rather than in models/train.py so each model family owns its flags.
"""

from __future__ import annotations

import argparse
import sys

from gencanvas.models.training_args import DATA_HELP, add_training_args


def add_parser(sub: argparse._SubParsersAction) -> None:
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
    p.add_argument(
        "--channels",
        type=_channel_list,
        help="feature maps per resolution from 4×4 up, e.g. 64,64,32,16 for 32 px (default: the preset's)",
    )


def _channel_list(text: str) -> tuple[int, ...]:
    try:
        channels = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from None
    if not channels or min(channels) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: every resolution needs at least one feature map")
    return channels


def run(args: argparse.Namespace) -> int:
    from gencanvas.models.data.splits import split_data
    from gencanvas.models.stylegan.config import StyleGANConfig
    from gencanvas.models.stylegan.training import StyleGANTrainOptions, train_stylegan

    dataset, _, held_out = split_data(args.data, size=args.size, limit=args.limit)  # test images stay unseen
    try:
        config = StyleGANConfig.from_preset(
            args.preset,
            image_size=dataset.size,
            channels_out=dataset.channels,
            r1_gamma=args.r1_gamma,
            augment=args.augment,
            **({"channels": args.channels} if args.channels else {}),
        )
    except ValueError as error:  # e.g. --channels with one entry too few for the image size
        print(f"error: {error}", file=sys.stderr)
        return 2
    train_stylegan(dataset, config, StyleGANTrainOptions.from_args(args, held_out=held_out))
    print(f"wrote {args.out}")
    return 0
