"""The flags every ``python -m gencanvas.models.train <model>`` subcommand shares, with per-model defaults.

Each model family adds only its own flags after these, so ``--time-limit``, ``--run-dir``,
resuming and mixed precision mean the same thing for every model.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

SIZE_HELP = "image size (default: 32 for fashion-mnist, 64 otherwise)"


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
    p.add_argument("--seed", type=int, default=0)
