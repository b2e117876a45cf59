"""The ``vae`` subcommand of ``python -m gencanvas.models.train``: arguments and the run that follows.

Kept here rather than in models/train.py so each model family owns its flags.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gencanvas.models.training_args import DATA_HELP, add_training_args
from gencanvas.models.vae.config import PRESETS

METRIC_IMAGES = 2000  # held-out images scored for the card (all of them for small hold-outs)
REFINE_HELP = (
    "refine each image's encoding by this many gradient steps on the image itself before decoding (semi-amortised "
    "inference: sharper reconstructions of images the encoder never saw, for as many decoder passes; default 0)"
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vae", help="convolutional VAE for latent interpolation")
    add_training_args(
        p,
        data_help=DATA_HELP,
        presets=PRESETS,
        batch_size=64,
        lr=1e-3,
        sample_every=500,
    )
    p.add_argument("--latent-dim", type=int, help="latent size (default: the preset's)")
    p.add_argument("--beta", type=float, default=1.0, help="weight of the KL term (β-VAE)")
    p.add_argument("--kl-warmup", type=int, default=500, help="steps over which β ramps up from 0")
    p.add_argument(
        "--prior-components",
        type=int,
        default=0,
        help="sample from a mixture of this many Gaussians fitted to the encoded training set after training "
        "(0: N(0, I)); see gencanvas.models.vae.prior",
    )
    p.add_argument("--refine-steps", type=int, default=0, help=REFINE_HELP)
    p.add_argument(
        "--augment",
        default="none",
        help="augment training images: a comma list of flip, shift (up to 1/16 of the side), color, translation, "
        "cutout; e.g. flip,shift against a small set's memorisation (default: none)",
    )
    p.add_argument(
        "--classifier",
        type=Path,
        help="domain classifier for the card's FD line "
        "(default: resources/weights/fashion-classifier for fashion-mnist)",
    )


def run(args: argparse.Namespace) -> int:
    from gencanvas.models.augment import check_policy
    from gencanvas.models.data.splits import split_data
    from gencanvas.models.vae.config import VAEConfig
    from gencanvas.models.vae.training import VAETrainOptions, train_vae

    try:
        check_policy(args.augment)
    except ValueError as error:
        raise SystemExit(f"error: --augment: {error}") from None
    train, test, note = split_data(args.data, size=args.size, limit=args.limit)
    if len(test) > METRIC_IMAGES:
        test, note = test.subset(METRIC_IMAGES, args.seed), f"{METRIC_IMAGES} random images of {note}"
    overrides = {"latent_dim": args.latent_dim} if args.latent_dim else {}
    config = VAEConfig.from_preset(
        args.preset,
        image_size=train.size,
        channels=train.channels,
        beta=args.beta,
        refine_steps=args.refine_steps,
        **overrides,
    )
    classifier = args.classifier
    if classifier is None and args.data == "fashion-mnist":
        classifier = Path(__file__).resolve().parents[2] / "resources" / "weights" / "fashion-classifier"
    options = VAETrainOptions.from_args(
        args,
        kl_warmup_steps=args.kl_warmup,
        prior_components=args.prior_components,
        classifier=classifier,
        test_note=note,
        augment=args.augment,
    )
    train_vae(train, test, config, options)
    print(f"wrote {args.out}")
    return 0
