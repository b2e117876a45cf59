"""Autosave and crash recovery: every open canvas has a project file in the per-user ``autosave/``.

Each canvas owns a *slot*: ``<id>.ora`` (a full project: layers, History, parameters and
the thumbnail shown by the recovery dialog) plus ``<id>.json``, a small sidecar with the
canvas name, the time of the save, the project file it belongs to and the writing
process id. Both are written atomically (temporary file, fsync, rename), the project
first, so a kill at any moment leaves the previous autosave complete and readable.

A clean exit (saved or explicitly discarded) removes the slot; what is left at the next
launch was left by a crash, and :func:`list_autosaves` offers it. A slot whose process is
still running belongs to another open window and is not offered. An autosave that cannot
be read is moved to ``autosave/damaged/``, never deleted.

:class:`AutosaveWriter` keeps the GUI thread out of the expensive part: the window hands
it a *build* callable that captured cheap shared copies of the layers, and the writer's
thread turns them into arrays, encodes the PNGs and writes. Requests are latest-wins: a
save asked for while one is being written replaces any older waiting one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gencanvas.atomic import write_atomically
from gencanvas.core.project_file import Project, write_project
from gencanvas.core.settings import autosave_dir

log = logging.getLogger(__name__)

DAMAGED_FOLDER = "damaged"


@dataclass(frozen=True)
class AutosaveRecord:
    """One autosave found on disk, as the recovery dialog shows it."""

    slot_id: str
    path: Path  # the .ora
    name: str  # the canvas name shown in the title bar when it was saved
    saved_at: float  # seconds since the epoch
    source: str | None  # the project file the canvas belonged to, if it had one
    pid: int

    def thumbnail_png(self) -> bytes | None:
        """The project's thumbnail PNG, or None when the file is damaged."""
        try:
            with zipfile.ZipFile(self.path) as archive:
                return archive.read("Thumbnails/thumbnail.png")
        except (OSError, KeyError, zipfile.BadZipFile, EOFError, ValueError):
            return None


class AutosaveSlot:
    """The autosave files of one open canvas."""

    def __init__(self, folder: Path | None = None, slot_id: str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else autosave_dir()
        self.slot_id = slot_id or f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    @property
    def path(self) -> Path:
        return self.folder / f"{self.slot_id}.ora"

    @property
    def sidecar(self) -> Path:
        return self.folder / f"{self.slot_id}.json"

    def write(self, project: Project, *, name: str, source: str | None, history_limit: int | None) -> Path:
        """Write the project, then the sidecar; raises ``OSError`` with the previous autosave intact."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_project(self.path, project, history_limit=history_limit)
        self.claim(name=name, source=source)
        return self.path

    def claim(self, *, name: str, source: str | None) -> None:
        """(Re)write the sidecar with this process's id: the slot now belongs to this window."""
        record = {"name": name, "saved_at": time.time(), "source": source, "pid": os.getpid()}
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
        write_atomically(self.sidecar, lambda file: _write(file, data))

    def remove(self) -> None:
        """Delete the autosave (clean exit, or the canvas was saved or discarded)."""
        for path in (self.path, self.sidecar, *self.folder.glob(f".{self.slot_id}.*.tmp")):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:
                log.warning("could not remove autosave %s: %s", path, error)


def _write(file: IO[bytes], data: bytes) -> None:
    file.write(data)


def list_autosaves(folder: Path | None = None) -> list[AutosaveRecord]:
    """Autosaves left by processes that are gone (crashes), newest first."""
    folder = Path(folder) if folder is not None else autosave_dir()
    try:
        projects = sorted(folder.glob("*.ora"))
    except OSError:
        return []
    records = []
    for path in projects:
        record = _record(path)
        if record.pid != os.getpid() and _process_alive(record.pid):
            continue  # another GenCanvas window is running and owns it
        records.append(record)
    return sorted(records, key=lambda record: record.saved_at, reverse=True)


def _record(path: Path) -> AutosaveRecord:
    """The sidecar's facts; a missing or damaged sidecar falls back to the file's name and time."""
    slot_id = path.stem
    try:
        fallback_time = path.stat().st_mtime
    except OSError:
        fallback_time = 0.0
    try:
        data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("sidecar is not an object")
    except (OSError, ValueError):
        data = {}
    name, saved_at, source, pid = data.get("name"), data.get("saved_at"), data.get("source"), data.get("pid")
    return AutosaveRecord(
        slot_id,
        path,
        name if isinstance(name, str) else "Untitled",
        float(saved_at) if isinstance(saved_at, (int, float)) else fallback_time,
        source if isinstance(source, str) else None,
        pid if isinstance(pid, int) else 0,
    )


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate the process on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def move_aside(record: AutosaveRecord) -> Path:
    """Move a damaged autosave (and its sidecar) to ``damaged/``; returns where the project went."""
    target_folder = record.path.parent / DAMAGED_FOLDER
    target_folder.mkdir(parents=True, exist_ok=True)
    target = target_folder / record.path.name
    shutil.move(record.path, target)
    sidecar = record.path.with_suffix(".json")
    if sidecar.exists():
        shutil.move(sidecar, target_folder / sidecar.name)
    return target


def discard(record: AutosaveRecord) -> None:
    """Delete an autosave the artist chose not to recover."""
    AutosaveSlot(record.path.parent, record.slot_id).remove()


Job = Callable[[], object]
Done = Callable[[object, BaseException | None], None]


class AutosaveWriter:
    """One background thread that runs save jobs, newest wins; ``done`` is called on that thread."""

    def __init__(self, done: Done | None = None) -> None:
        self._done = done
        self._condition = threading.Condition()
        self._pending: Job | None = None
        self._busy = False
        self._closed = False
        self.dropped = 0  # requests replaced by a newer one before they ran
        self._thread = threading.Thread(target=self._loop, name="gencanvas-autosave", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        """Queue ``job``, replacing one still waiting. After :meth:`close` nothing runs jobs, so one submitted then
        (a generation that finishes while the window closes) is dropped rather than left for ``flush`` to wait on."""
        with self._condition:
            if self._closed:
                self.dropped += 1
                log.debug("autosave requested after the writer closed: dropped")
                return
            if self._pending is not None:
                self.dropped += 1
            self._pending = job
            self._condition.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has finished; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._condition:
            while self._pending is not None or self._busy:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._condition.wait(remaining)
        return True

    def close(self, timeout: float | None = None) -> None:
        """Finish what was submitted, then stop the thread."""
        self.flush(timeout)
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._closed:
                    self._condition.wait()
                if self._pending is None:
                    return
                job, self._pending, self._busy = self._pending, None, True
            result: object = None
            error: BaseException | None = None
            try:
                result = job()
            except Exception as exc:  # reported through ``done``; the thread keeps serving
                error = exc
                log.warning("autosave failed: %s", exc)
            if self._done is not None:
                try:
                    self._done(result, error)
                except Exception:
                    log.exception("autosave callback failed")
            with self._condition:
                self._busy = False
                self._condition.notify_all()
