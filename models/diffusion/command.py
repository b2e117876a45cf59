"""The ``diffusion`` subcommand of ``python -m gencanvas.models.train``: arguments and the run that follows.

Kept here rather than in models/train.py so each model family owns its flags.
"""

from __future__ import annotations

import argparse

from gencanvas.models.diffusion.config import PREDICTION_TYPES, PRESETS  # plain data: no torch import
from gencanvas.models.training_args import DATA_HELP, add_training_args


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diffusion", help="text-conditional diffusion model")
    add_training_args(p, data_help=DATA_HELP, batch_size=64, lr=2e-4, sample_every=1000, presets=PRESETS)
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


def run(args: argparse.Namespace) -> int:
    from gencanvas.models.data.splits import split_data
    from gencanvas.models.diffusion.config import DiffusionConfig
    from gencanvas.models.diffusion.training import DiffusionTrainOptions, train_diffusion

    dataset, _, held_out = split_data(args.data, size=args.size, limit=args.limit)  # test images stay unseen
    config = DiffusionConfig.from_preset(
        args.preset,
        image_size=dataset.size,
        channels=dataset.channels,
        default_guidance=args.guidance,
        prediction_type=args.prediction,
        patch_size=args.patch_size,
    )
    train_diffusion(dataset, config, DiffusionTrainOptions.from_args(args, held_out=held_out))
    print(f"wrote {args.out}")
    return 0
