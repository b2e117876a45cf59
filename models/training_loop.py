"""The one training loop every model plugs into (as minGPT's ``Trainer``): the model supplies the step.

A trainer subclass builds its networks, optimisers and data, calls :meth:`Trainer.resume`
before ``accelerator.prepare`` and implements :meth:`Trainer.train_step`; everything around
the step is here, once: the stop rule (``max_steps`` or the session's ``--time-limit``), the
loss curve every ``log_every`` steps, the progress bar, sample grids every ``sample_every``
steps, checkpoints on a timer and on exit, and resuming from ``run_dir/checkpoint`` with the
EMA's warm-up count. The order of work per step is exactly the one the four separate loops
had, so a fixed seed gives the same losses as before they shared it.
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import torch
from accelerate import Accelerator
from torch.optim.swa_utils import AveragedModel
from tqdm import tqdm

from gencanvas.models.training_args import TrainOptions
from gencanvas.models.training_state import Checkpoint, SessionClock, TrainState, start_from_export

log = logging.getLogger(__name__)

Batch = TypeVar("Batch")
Options = TypeVar("Options", bound=TrainOptions)


def epochs(loader: Iterable[Batch]) -> Iterator[Batch]:
    """The batches of ``loader``, epoch after epoch, without end (the loop decides when to stop)."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("the training set is smaller than one batch: use a smaller --batch-size")


class Trainer(ABC, Generic[Batch, Options]):
    """Set-up shared by every model (accelerator, seed, checkpoint, state) and the loop around its step.

    Subclasses set ``name`` (progress bar), ``loss_names`` (what :meth:`train_step` returns;
    a name missing from a step counts as NaN in that interval's mean) and ``log_every``, and
    ``averaged`` when they keep an :class:`AveragedModel` EMA, ``exported``: which of
    :meth:`networks` start from an exported model's weights under ``--init-from``, and
    ``fitted_at_export``: weights an export adds after training (they are refitted at the next one).
    """

    name: ClassVar[str]
    loss_names: ClassVar[tuple[str, ...]] = ("loss",)
    log_every: ClassVar[int] = 100
    exported: ClassVar[tuple[str, ...]] = ()  # the networks an exported model.safetensors initialises
    fitted_at_export: ClassVar[tuple[str, ...]] = ()  # state-dict prefixes --init-from leaves out
    averaged: AveragedModel | None = None

    def __init__(self, options: Options) -> None:
        self.options = options
        self.accelerator = Accelerator(mixed_precision=options.mixed_precision)
        torch.manual_seed(options.seed + self.accelerator.process_index)
        self.checkpoint = Checkpoint(options.run_dir / "checkpoint")
        self.state = TrainState()

    # What each model supplies.

    @abstractmethod
    def networks(self) -> Mapping[str, torch.nn.Module]:
        """The checkpointed networks by name, unwrapped from any accelerate wrapper."""

    @abstractmethod
    def optimizers(self) -> Mapping[str, torch.optim.Optimizer]:
        """The checkpointed optimisers by name."""

    @abstractmethod
    def batches(self) -> Iterator[Batch]:
        """An endless stream of training batches."""

    @abstractmethod
    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One optimisation step on ``batch`` (``self.state.step`` is the steps done before it); its losses."""

    @abstractmethod
    def save_samples(self, path: Path) -> None:
        """Write a picture of the current progress to ``path``."""

    def loss_entry(self, means: dict[str, float]) -> list[Any]:
        """One point of the loss curve in ``training.json``, from the means over the last interval."""
        return [self.state.step, means["loss"]]

    def postfix(self, means: dict[str, float]) -> dict[str, Any]:
        """The progress bar's loss display."""
        return {name: f"{value:.4f}" for name, value in means.items()}

    # The shared part.

    def resume(self) -> None:
        """Load ``run_dir/checkpoint`` if there is one and resuming is on, else the ``--init-from`` model if
        one is named; call before ``accelerator.prepare``."""
        if self.options.resume and self.checkpoint.exists():
            self.state = self.checkpoint.load(self.networks(), self.optimizers())
            log.info("resumed from step %s", self.state.step)
        elif self.options.init_from is not None:
            nets = self.networks()
            self.state = start_from_export(
                self.options.init_from, {name: nets[name] for name in self.exported}, self.fitted_at_export
            )
            log.info("started from %s at step %s", self.options.init_from, self.state.step)
        else:
            return
        if self.averaged is not None:
            self.averaged.n_averaged.fill_(self.state.ema_updates)  # 0: an EMA without history restarts

    def save_checkpoint(self, clock: SessionClock) -> None:
        self.state.seconds = clock.total_seconds()
        if self.averaged is not None:
            self.state.ema_updates = int(self.averaged.n_averaged)
        if self.accelerator.is_main_process:
            self.checkpoint.save(self.networks(), self.optimizers(), self.state)

    def fit(self) -> TrainState:
        """Train until ``max_steps`` or the session's time limit, checkpoint, and return the state."""
        options, state = self.options, self.state
        main = self.accelerator.is_main_process
        clock = SessionClock(options.time_limit_min, options.checkpoint_every_min, state.seconds)
        running: dict[str, list[float]] = {name: [] for name in self.loss_names}
        progress = tqdm(total=options.max_steps, initial=state.step, desc=self.name, disable=not main)
        first_step, started = state.step, time.monotonic()
        batches = self.batches()
        while state.step < options.max_steps:
            losses = self.train_step(next(batches))
            state.step += 1
            for name, value in losses.items():
                running[name].append(value.item())
            progress.update(1)
            if state.step % self.log_every == 0:
                means = {name: float(np.mean(v)) if v else math.nan for name, v in running.items()}
                state.losses.append(self.loss_entry(means))
                progress.set_postfix(self.postfix(means))
                for values in running.values():
                    values.clear()
            if options.sample_every and state.step % options.sample_every == 0 and main:
                self.save_samples(options.run_dir / f"samples-{state.step:06d}.png")
            if state.step >= options.max_steps or clock.out_of_time():
                break
            if clock.checkpoint_due():
                self.save_checkpoint(clock)
                clock.checkpointed()
        progress.close()
        self.save_checkpoint(clock)
        seconds = time.monotonic() - started
        log.info(
            "%s: step %d, %.2f steps/s this session",
            self.name,
            state.step,
            (state.step - first_step) / seconds if seconds > 0 else 0.0,
        )
        return state
