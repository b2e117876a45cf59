"""File › Open Recent: the last files opened or saved, newest first, kept per user.

A small JSON list beside settings.json. Reading never fails (a broken file is an empty
list) and writing is atomic, like every other file GenCanvas keeps.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import IO

from gencanvas.atomic import write_atomically
from gencanvas.core.settings import config_dir

log = logging.getLogger(__name__)

MAX_RECENT = 10


def _write(file: IO[bytes], data: bytes) -> None:
    file.write(data)


def recent_path() -> Path:
    return config_dir() / "recent.json"


def recent_files() -> list[Path]:
    """Recent files, newest first; entries that are not strings are dropped."""
    try:
        entries = json.loads(recent_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(entry) for entry in entries if isinstance(entry, str)] if isinstance(entries, list) else []


def add_recent(path: str | os.PathLike[str]) -> list[Path]:
    """Put ``path`` first (once) and keep the newest ``MAX_RECENT``; a failed write is only logged."""
    entry = Path(path).absolute()
    files = [entry, *(p for p in recent_files() if p != entry)][:MAX_RECENT]
    data = json.dumps([str(p) for p in files], ensure_ascii=False, indent=1).encode("utf-8")
    try:
        recent_path().parent.mkdir(parents=True, exist_ok=True)
        write_atomically(recent_path(), lambda file: _write(file, data))
    except OSError as error:
        log.warning("could not remember recent file %s: %s", entry, error)
    return files
