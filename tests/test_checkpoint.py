"""A checkpoint save that dies midway never loses the previous checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from gencanvas.models.training_state import Checkpoint, TrainState


def _parts(value: float) -> tuple[dict[str, torch.nn.Module], dict[str, torch.optim.Optimizer]]:
    net = torch.nn.Linear(2, 2)
    torch.nn.init.constant_(net.weight, value)
    return {"net": net}, {"opt": torch.optim.SGD(net.parameters(), lr=0.1)}


def _save(checkpoint: Checkpoint, value: float, step: int) -> None:
    nets, optimizers = _parts(value)
    checkpoint.save(nets, optimizers, TrainState(step=step, losses=[[step, value]]))


def _load(checkpoint: Checkpoint) -> tuple[float, TrainState]:
    nets, optimizers = _parts(0.0)
    state = checkpoint.load(nets, optimizers)
    return nets["net"].weight[0, 0].item(), state


def test_save_then_load_round_trips_the_typed_state(tmp_path):
    checkpoint = Checkpoint(tmp_path / "checkpoint")
    assert not checkpoint.exists()
    _save(checkpoint, 1.0, 10)
    _save(checkpoint, 2.0, 20)
    assert _load(checkpoint) == (2.0, TrainState(step=20, losses=[[20, 2.0]]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"]  # no temporary or aside copy left


def test_a_state_json_from_an_older_trainer_still_loads(tmp_path):
    checkpoint = Checkpoint(tmp_path / "checkpoint")
    _save(checkpoint, 1.0, 3)
    (tmp_path / "checkpoint" / "state.json").write_text('{"step": 7, "seconds": 1.5, "losses": []}')
    assert _load(checkpoint)[1] == TrainState(step=7, seconds=1.5)


@pytest.mark.parametrize("failing_rename", [1, 2])  # 1: the old one set aside, 2: the new one moved in
def test_a_save_that_fails_at_either_rename_keeps_the_previous_checkpoint(tmp_path, monkeypatch, failing_rename):
    checkpoint = Checkpoint(tmp_path / "checkpoint")
    _save(checkpoint, 1.0, 10)
    calls = []
    rename = Path.rename

    def crash(self, target):
        calls.append(target)
        if len(calls) == failing_rename:
            raise OSError("simulated crash")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", crash)
    with pytest.raises(OSError, match="simulated crash"):
        _save(checkpoint, 2.0, 20)
    monkeypatch.undo()
    assert checkpoint.exists() and _load(checkpoint) == (1.0, TrainState(step=10, losses=[[10, 1.0]]))
    _save(checkpoint, 3.0, 30)  # the next save recovers and cleans up
    assert _load(checkpoint)[0] == 3.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"]


def test_a_process_killed_between_the_renames_leaves_a_loadable_checkpoint(tmp_path):
    """SIGKILL right after the previous checkpoint was set aside, before the new one is in place."""
    folder = tmp_path / "checkpoint"
    child = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        import torch
        from gencanvas.models.training_state import Checkpoint, TrainState

        def parts(value):
            net = torch.nn.Linear(2, 2)
            torch.nn.init.constant_(net.weight, value)
            return {{"net": net}}, {{"opt": torch.optim.SGD(net.parameters(), lr=0.1)}}

        checkpoint = Checkpoint(Path({str(folder)!r}))
        checkpoint.save(*parts(1.0), TrainState(step=10))
        rename = Path.rename

        def rename_then_die(self, target):
            rename(self, target)
            os.kill(os.getpid(), signal.SIGKILL)

        Path.rename = rename_then_die
        checkpoint.save(*parts(2.0), TrainState(step=20))
        """
    )
    result = subprocess.run([sys.executable, "-c", child], timeout=120, env=os.environ | {"PYTHONHASHSEED": "0"})
    assert result.returncode == -signal.SIGKILL
    assert not folder.exists(), "the kill came after the previous checkpoint was set aside"
    checkpoint = Checkpoint(folder)
    assert checkpoint.exists() and _load(checkpoint)[:1] == (1.0,) and _load(checkpoint)[1].step == 10
