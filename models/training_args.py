"""The flags every ``python -m gencanvas.models.train <model>`` subcommand shares, and the options they fill.

Each model family adds only its own flags after these, so ``--time-limit``, ``--run-dir``,
resuming and mixed precision mean the same thing for every model. Each family's options
(``DiffusionTrainOptions``, ``VAETrainOptions``, ``Pix2PixTrainOptions``,
``StyleGANTrainOptions``) derive from :class:`TrainOptions`, which holds the shared fields and
fills them from these flags. Plain argparse and dataclasses: no torch import.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typing_extensions import Self

SIZE_HELP = "image size (default: 32 for fashion-mnist, 64 otherwise)"
DATA_HELP = (
    "fashion-mnist, emoji, emoji-faces (its smileys) or a folder of your own images (captions from sidecar .txt files)"
)


class IncompatibleModel(ValueError):
    """``--init-from`` names a folder whose weights or record do not fit the network being trained."""


@dataclass
class TrainOptions:
    """What every trainer is told; a family's options class adds its own fields and defaults."""

    run_dir: Path  # checkpoint and sample grids
    out_dir: Path  # the exported model
    batch_size: int = 64
    learning_rate: float = 2e-4
    max_steps: int = 20_000
    time_limit_min: float = 0.0  # 0 = no limit; otherwise checkpoint and stop after this long
    sample_every: int = 500
    checkpoint_every_min: float = 5.0
    mixed_precision: str = "no"  # "no" | "fp16" | "bf16" (GPU)
    seed: int = 0
    resume: bool = True
    init_from: Path | None = None  # an exported model to start from when run_dir has no checkpoint
    command: str = ""  # recorded in the model card
    held_out: str = ""  # which images were kept out of training for evaluation (model card)

    @classmethod
    def from_args(cls, args: argparse.Namespace, **extra: Any) -> Self:
        """The options the shared flags (:func:`add_training_args`) set, plus the family's ``extra`` fields."""
        return cls(
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
            init_from=args.init_from,
            command=args.command,
            **extra,
        )


def add_training_args(
    p: argparse.ArgumentParser,
    *,
    data_help: str,
    batch_size: int,
    lr: float,
    sample_every: int,
    max_steps: int = 20_000,
    presets: Iterable[str] = ("tiny", "small", "base"),
    size_default: int | None = None,
    size_help: str = SIZE_HELP,
) -> None:
    p.add_argument("--data", required=True, help=data_help)
    p.add_argument("--size", type=int, default=size_default, help=size_help)
    p.add_argument("--limit", type=int, help="use only the first N images")
    p.add_argument("--preset", choices=sorted(presets), default="small", help="network size")
    p.add_argument("--out", type=Path, required=True, help="where to write config.json + model.safetensors + card")
    p.add_argument("--run-dir", type=Path, help="checkpoints and sample grids (default: runs/<out name>)")
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument("--max-steps", type=int, default=max_steps)
    p.add_argument("--time-limit", type=float, default=0.0, help="minutes for this session (0: none)")
    p.add_argument("--sample-every", type=int, default=sample_every)
    p.add_argument("--mixed-precision", choices=["no", "fp16", "bf16"], default="no")
    p.add_argument("--no-resume", action="store_true", help="start over even if a checkpoint exists")
    p.add_argument(
        "--init-from",
        type=Path,
        metavar="MODEL_DIR",
        help="when the run folder has no checkpoint, start from this exported model (config.json + "
        "model.safetensors + training.json) and count on from its steps: continues a run whose checkpoints are gone",
    )
    p.add_argument("--seed", type=int, default=0)
