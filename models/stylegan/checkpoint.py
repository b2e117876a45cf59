"""Resumable training state: G, D, EMA G, both optimisers and counters; safetensors + tensor-only .pt.

Written to a temporary folder and renamed, so a crash mid-save leaves the previous one intact.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

from models.weight_files import save_state


class GANCheckpoint:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def exists(self) -> bool:
        return (self.folder / "state.json").exists()

    def save(self, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer], state: dict) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, module in modules.items():
            save_state(module, tmp, f"{name}.safetensors")
        for name, optimizer in optimizers.items():
            torch.save(optimizer.state_dict(), tmp / f"{name}.pt")
        (tmp / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
        shutil.rmtree(self.folder, ignore_errors=True)
        tmp.rename(self.folder)

    def load(self, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer]) -> dict:
        for name, module in modules.items():
            module.load_state_dict(load_file(self.folder / f"{name}.safetensors"))
        for name, optimizer in optimizers.items():
            optimizer.load_state_dict(torch.load(self.folder / f"{name}.pt", weights_only=True))
        return json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
