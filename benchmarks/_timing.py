"""Shared timing for the training-speed benchmarks: steps per second of a step function."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def steps_per_second(step: Callable[[], object], seconds: float, warmup: int = 2) -> float:
    """Calls of ``step`` per second over ``seconds``, after ``warmup`` calls (first-call allocations)."""
    for _ in range(warmup):
        step()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        done += 1
    return done / (time.perf_counter() - start)


def optimiser_steps_per_second(
    loss: Callable[[], torch.Tensor], optimiser: torch.optim.Optimizer, seconds: float
) -> float:
    """Steps per second of ``optimiser`` on ``loss()`` (forward, backward, update), after two warm-up steps."""

    def step() -> None:
        value = loss()
        optimiser.zero_grad(set_to_none=True)
        value.backward()
        optimiser.step()

    return steps_per_second(step, seconds)
