"""``python -m gencanvas.models.train pix2pix ...``: sketch-to-photo training on a bundled set or your own photos.

Pairs are synthesised from the images themselves, so ``--data ~/Pictures/cats --size 128``
is the whole recipe for a model of your own. A fixed random fifth of the images is held out
(the same split ``python -m gencanvas.models.evaluate pix2pix`` scores on), unless the set has an
official test split.
"""

from __future__ import annotations

import argparse

from gencanvas.models.training_args import add_training_args

DATA_HELP = "fashion-mnist, emoji, emoji-faces or a folder of your own photos (any size; centre-cropped and resized)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pix2pix", help="sketch-to-photo translation (U-Net + PatchGAN)")
    add_training_args(
        p,
        data_help=DATA_HELP,
        batch_size=16,
        lr=2e-4,
        sample_every=250,
        size_default=64,
        size_help="image size: 64 or 128 (a power of two ≥ 8)",
    )
    p.add_argument("--l1-weight", type=float, default=100.0, help="weight of L1 against the adversarial loss")
    p.add_argument("--eval-n", type=int, default=200, help="held-out images scored for the model card (0: skip)")


def run(args: argparse.Namespace) -> int:
    from accelerate import PartialState

    from gencanvas.models.data.splits import split_data
    from gencanvas.models.pix2pix.card import write_card
    from gencanvas.models.pix2pix.config import Pix2PixConfig
    from gencanvas.models.pix2pix.metrics import evaluate_pairs
    from gencanvas.models.pix2pix.training import Pix2PixTrainOptions, train_pix2pix

    config = Pix2PixConfig.from_preset(args.preset, image_size=args.size, l1_weight=args.l1_weight)
    try:
        _ = config.depth  # refuse a size the U-Net cannot halve before loading any data
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    train, test, note = split_data(args.data, size=args.size, limit=args.limit)
    generator, record = train_pix2pix(train, test, config, Pix2PixTrainOptions.from_args(args))
    if not PartialState().is_main_process:  # under `accelerate launch`, one process evaluates and writes
        return 0
    metrics = evaluate_pairs(generator, test.subset(args.eval_n, seed=0)) if args.eval_n else None
    write_card(
        args.out,
        source=args.data,
        train_images=len(train),
        test_note=note,
        config=config,
        record=record,
        command=args.command,
        metrics=metrics,
    )
    print(f"wrote {args.out}")
    return 0
