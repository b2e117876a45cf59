"""Training state shared by every trainer: typed progress, a resumable checkpoint, a session clock, a warm EMA.

Checkpoints are safetensors plus an optimiser state loaded with ``weights_only=True``,
written to a temporary folder and swapped in so that an interrupted save never loses the last one.
Only torch and safetensors are imported here, so a trainer that needs these stays light.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from gencanvas.models.training_args import IncompatibleModel
from gencanvas.models.weight_files import load_state, save_state

Tensors = tuple[torch.Tensor, ...] | list[torch.Tensor]


def ema_with_warmup(decay: float) -> Callable[[Tensors, Tensors, torch.Tensor | int], None]:
    """EMA whose decay ramps up as (1+n)/(10+n): early averages follow the model instead of
    keeping the random initial weights for thousands of steps (short CPU runs need this)."""

    def update(averaged: Tensors, current: Tensors, updates: torch.Tensor | int) -> None:
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


@dataclass
class TrainState:
    """What a checkpoint records besides weights: progress, time, the loss curve (``state.json``)."""

    step: int = 0
    seconds: float = 0.0  # training time over all sessions
    losses: list[list[Any]] = field(default_factory=list)  # [step, ...] every logging interval (training.json)
    images: int = 0  # images seen (StyleGAN's EMA half-life is counted in these)
    ema_updates: int = 0  # updates an AveragedModel has made; 0 restarts its warm-up from the model
    optimiser_start: int = 0  # the step the optimisers' moments began at (where --init-from took over)

    @property
    def optimiser_steps(self) -> int:
        """Steps the current optimisers have taken: what a learning-rate warm-up counts."""
        return self.step - self.optimiser_start

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainState:
        """Read ``state.json``; keys a trainer did not write keep their defaults."""
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


class Checkpoint:
    """Named networks as ``<name>.safetensors``, named optimisers as ``<name>.pt`` (tensors only,
    loaded with ``weights_only=True``) and ``state.json``; one class for every trainer.

    A save never leaves a moment without a complete checkpoint on disk: the new one is written
    to ``<folder>.tmp``, the previous one renamed aside to ``<folder>.old``, the new one renamed
    into place, and only then the old one deleted. A process killed between the two renames
    leaves no ``<folder>`` but a complete ``<folder>.old``, which :meth:`load` then reads.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tmp = folder.with_name(folder.name + ".tmp")
        self.aside = folder.with_name(folder.name + ".old")

    def _complete(self) -> Path | None:
        """The folder holding the last complete checkpoint: the final one, else the one set aside."""
        return next((f for f in (self.folder, self.aside) if (f / "state.json").exists()), None)

    def exists(self) -> bool:
        return self._complete() is not None

    def save(
        self,
        nets: Mapping[str, torch.nn.Module],
        optimizers: Mapping[str, torch.optim.Optimizer],
        state: TrainState,
    ) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        for name, net in nets.items():
            save_state(net, self.tmp, f"{name}.safetensors")
        for name, optimizer in optimizers.items():
            torch.save(optimizer.state_dict(), self.tmp / f"{name}.pt")
        (self.tmp / "state.json").write_text(json.dumps(state.to_json(), indent=2), encoding="utf-8")
        if self.folder.exists():  # else the aside copy (if any) is the last complete one: keep it
            shutil.rmtree(self.aside, ignore_errors=True)
            self.folder.rename(self.aside)
        self.tmp.rename(self.folder)
        shutil.rmtree(self.aside, ignore_errors=True)

    def load(self, nets: Mapping[str, torch.nn.Module], optimizers: Mapping[str, torch.optim.Optimizer]) -> TrainState:
        folder = self._complete()
        if folder is None:
            raise FileNotFoundError(f"no checkpoint in {self.folder}")
        for name, net in nets.items():
            net.load_state_dict(load_file(folder / f"{name}.safetensors"))
        for name, optimizer in optimizers.items():
            optimizer.load_state_dict(torch.load(folder / f"{name}.pt", weights_only=True))
        return TrainState.from_json(json.loads((folder / "state.json").read_text(encoding="utf-8")))


def start_from_export(
    folder: Path, nets: Mapping[str, torch.nn.Module], fitted_at_export: tuple[str, ...] = ()
) -> TrainState:
    """Load an exported model's weights into each of ``nets`` and return its progress as a state.

    The export holds only the EMA network and ``training.json``: the step count, time and loss
    curve carry on from that record, while optimisers (and a GAN's critic) start fresh, so the
    state marks ``optimiser_start`` for the learning-rate warm-up to count from. The EMA counts
    as warmed up (``ema_updates`` = the steps it averaged): it starts from a long average, and
    restarting its warm-up would let the first noisy steps of a fresh optimiser replace it.
    Weights under the ``fitted_at_export`` prefixes (a VAE's fitted prior) are left out: the
    network being trained does not have them until its own export fits them again.
    """
    weights = {k: v for k, v in load_state(folder, "model").items() if not k.startswith(fitted_at_export)}
    record_path = folder / "training.json"
    if not record_path.exists():
        raise IncompatibleModel(f"{folder} lacks training.json, so its steps and time cannot be carried on")
    for name, net in nets.items():
        try:
            net.load_state_dict(weights)
        except RuntimeError as error:
            first = str(error).split("\n\t", 2)[1] if "\n\t" in str(error) else str(error)
            raise IncompatibleModel(
                f"{folder} holds a different network than the one these flags build ({name}: {first.strip()})"
            ) from None
    record = json.loads(record_path.read_text(encoding="utf-8"))
    step = int(record["steps"])
    return TrainState(
        step=step,
        seconds=float(record.get("train_seconds", 0.0)),
        losses=list(record.get("losses", [])),
        images=int(record.get("images", 0)),
        ema_updates=step,
        optimiser_start=step,
    )
