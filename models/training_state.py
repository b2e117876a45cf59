"""Training state shared by every trainer: a resumable checkpoint and an EMA that warms up.

Checkpoints are safetensors plus an optimiser state loaded with ``weights_only=True``,
written to a temporary folder and renamed, so an interrupted save never loses the last one.
Only torch and safetensors are imported here, so a trainer that needs these stays light.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch.optim.swa_utils import AveragedModel

from models.weight_files import save_state


def ema_with_warmup(decay: float):
    """EMA whose decay ramps up as (1+n)/(10+n): early averages follow the model instead of
    keeping the random initial weights for thousands of steps (short CPU runs need this)."""

    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], updates: torch.Tensor) -> None:
        n = float(updates)
        torch._foreach_lerp_(averaged, current, 1 - min(decay, (1 + n) / (10 + n)))

    return update


class Checkpoint:
    """model.safetensors, ema.safetensors, optimizer.pt (tensors only), state.json."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def exists(self) -> bool:
        return (self.folder / "state.json").exists()

    def save(self, model: torch.nn.Module, ema: AveragedModel, optimizer: torch.optim.Optimizer, state: dict) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        save_state(model, tmp)
        save_state(ema.module, tmp, "ema.safetensors")
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        (tmp / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
        if self.folder.exists():
            for item in self.folder.iterdir():
                item.unlink()
            self.folder.rmdir()
        tmp.rename(self.folder)  # a crash mid-save leaves the previous checkpoint intact

    def load(self, model: torch.nn.Module, ema: AveragedModel, optimizer: torch.optim.Optimizer) -> dict:
        model.load_state_dict(load_file(self.folder / "model.safetensors"))
        ema.module.load_state_dict(load_file(self.folder / "ema.safetensors"))
        optimizer.load_state_dict(torch.load(self.folder / "optimizer.pt", weights_only=True))
        return json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
