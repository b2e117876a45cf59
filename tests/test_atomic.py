"""gencanvas.atomic: a write that fails midway keeps the old file and leaves no temporary file."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

import numpy as np
import pytest

from gencanvas.atomic import write_atomically, write_text_atomically


def test_new_file_is_written_and_returned(tmp_path: Path) -> None:
    target = tmp_path / "new.bin"
    assert write_atomically(target, lambda file: file.write(b"abc")) == target
    assert target.read_bytes() == b"abc"
    assert [p.name for p in tmp_path.iterdir()] == ["new.bin"]


@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()])
def test_failure_mid_write_keeps_the_old_file_and_no_temporary(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "settings.json"
    target.write_bytes(b"old contents")
    seen: list[Path] = []

    def half_then_fail(file: IO[bytes]) -> None:
        file.write(b"new con")  # half of the new contents reached the temporary file
        file.flush()
        seen.extend(p for p in tmp_path.iterdir() if p != target)
        raise error

    with pytest.raises(type(error)):
        write_atomically(target, half_then_fail)

    assert len(seen) == 1 and seen[0].name.startswith(".settings.json.")  # written beside the target, hidden
    assert target.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # the temporary file is gone


def test_text_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text("a much longer previous version\n", encoding="utf-8")
    write_text_atomically(target, '{"theme": "dark", "name": "Zoë"}')
    assert target.read_text(encoding="utf-8") == '{"theme": "dark", "name": "Zoë"}'


def test_numpy_archive_round_trips(tmp_path: Path) -> None:
    """The emoji cache writes np.savez through the helper."""
    target = tmp_path / "cache.npz"
    write_atomically(target, lambda file: np.savez(file, images=np.arange(6, dtype=np.uint8)))
    with np.load(target) as archive:
        assert archive["images"].tolist() == [0, 1, 2, 3, 4, 5]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_text_atomically(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text(encoding="utf-8") == "new"


def test_a_model_save_that_fails_keeps_the_previous_weights(tmp_path, monkeypatch):
    import torch

    from gencanvas.models import weight_files

    first = torch.nn.Linear(2, 2)
    weight_files.save_state(first, tmp_path)
    before = (tmp_path / "model.safetensors").read_bytes()

    def disk_full(descriptor):
        raise OSError("No space left on device")

    monkeypatch.setattr("gencanvas.atomic.os.fsync", disk_full)  # the new bytes are written, not yet renamed
    with pytest.raises(OSError, match="No space left"):
        weight_files.save_state(torch.nn.Linear(2, 2), tmp_path)
    assert (tmp_path / "model.safetensors").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]
