"""Training state shared by every trainer: a resumable checkpoint, a session clock, an EMA that warms up.

Checkpoints are safetensors plus an optimiser state loaded with ``weights_only=True``,
written to a temporary folder and renamed, so an interrupted save never loses the last one.
Only torch and safetensors are imported here, so a trainer that needs these stays light.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

from gencanvas.models.weight_files import save_state


def ema_with_warmup(decay: float):
    """EMA whose decay ramps up as (1+n)/(10+n): early averages follow the model instead of
    keeping the random initial weights for thousands of steps (short CPU runs need this)."""

    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], updates: torch.Tensor) -> None:
        n = float(updates)
        torch._foreach_lerp_(averaged, current, 1 - min(decay, (1 + n) / (10 + n)))

    return update


class SessionClock:
    """Wall-clock bookkeeping of one training session, the same for every trainer.

    A GPU call lasts at most ten minutes, so each session stops at ``time_limit_min`` (0: no
    limit) and checkpoints every ``checkpoint_every_min``; the total training time carries
    across resumes through ``seconds_before`` (what the checkpoint recorded).
    """

    def __init__(self, time_limit_min: float, checkpoint_every_min: float, seconds_before: float = 0.0) -> None:
        self.time_limit_min = time_limit_min
        self.checkpoint_every_min = checkpoint_every_min
        self.session_started = self.last_checkpoint = time.monotonic()
        self.started = self.session_started - seconds_before

    def total_seconds(self) -> float:
        """Training time over all sessions so far."""
        return time.monotonic() - self.started

    def out_of_time(self) -> bool:
        minutes = (time.monotonic() - self.session_started) / 60
        return bool(self.time_limit_min) and minutes >= self.time_limit_min

    def checkpoint_due(self) -> bool:
        return (time.monotonic() - self.last_checkpoint) / 60 >= self.checkpoint_every_min

    def checkpointed(self) -> None:
        self.last_checkpoint = time.monotonic()


class Checkpoint:
    """Named networks as ``<name>.safetensors``, named optimisers as ``<name>.pt`` (tensors only,
    loaded with ``weights_only=True``) and ``state.json``; one class for every trainer."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def exists(self) -> bool:
        return (self.folder / "state.json").exists()

    def save(self, nets: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer], state: dict) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, net in nets.items():
            save_state(net, tmp, f"{name}.safetensors")
        for name, optimizer in optimizers.items():
            torch.save(optimizer.state_dict(), tmp / f"{name}.pt")
        (tmp / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
        shutil.rmtree(self.folder, ignore_errors=True)
        tmp.rename(self.folder)  # a crash mid-save leaves the previous checkpoint intact

    def load(self, nets: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer]) -> dict:
        for name, net in nets.items():
            net.load_state_dict(load_file(self.folder / f"{name}.safetensors"))
        for name, optimizer in optimizers.items():
            optimizer.load_state_dict(torch.load(self.folder / f"{name}.pt", weights_only=True))
        return json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
