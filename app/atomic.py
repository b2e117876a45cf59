"""Write a file so that readers see either the old contents or the new, never half of either.

Saving an image, an animation, the settings or a data cache must not destroy the file it
replaces when the write fails midway (disk full, an encoder error, a crash, a cancel): the
bytes go to a temporary file beside the target, are flushed to disk, and only then renamed
over it, which is a single step on every platform (``os.replace``). A failure removes the
temporary file and leaves the target as it was.

This module imports nothing from GenCanvas, so every layer may use it: the app's core and
the models (which may not import the app) share this one implementation.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomically(target: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> Path:
    """Call ``write`` with a binary file whose contents replace ``target`` once it returns.

    What ``write`` returns is ignored (``file.write`` returns a count, ``Image.save`` None).

    The temporary file is hidden (``.name.<random>.tmp``) and unique, so two writers never
    share one; an existing target keeps its permissions. Returns the target's path.
    """
    target = Path(target)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        if target.exists():
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
    except BaseException:  # a cancel (KeyboardInterrupt) must not leave the temporary file either
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return target


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX), so a power cut cannot undo it; Windows cannot open folders."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_text_atomically(target: str | os.PathLike[str], text: str) -> Path:
    """``write_atomically`` for UTF-8 text (settings, JSON)."""
    data = text.encode("utf-8")
    return write_atomically(target, lambda file: file.write(data))
