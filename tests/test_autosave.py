"""Autosave slots: listing for recovery, clean removal, damaged files moved aside, kill -9 mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from gencanvas.core import autosave
from gencanvas.core.autosave import AutosaveSlot, AutosaveWriter, discard, list_autosaves, move_aside
from gencanvas.core.project_file import Project, ProjectLayer
from gencanvas.core.project_reader import read_project


def _project(value: int) -> Project:
    return Project(16, 8, [ProjectLayer("sketch", np.full((8, 16, 4), value, np.uint8))])


def test_autosave_dir_follows_gencanvas_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENCANVAS_HOME", str(tmp_path))
    assert AutosaveSlot().folder == tmp_path / "autosave"


def test_crashed_slot_is_listed_with_name_time_and_thumbnail(tmp_path, monkeypatch):
    slot = AutosaveSlot(tmp_path)
    slot.write(_project(7), name="cat.ora", source="/art/cat.ora", history_limit=50)
    assert list_autosaves(tmp_path)[0].name == "cat.ora"  # our own slot (this process) is listed too
    monkeypatch.setattr(autosave.os, "getpid", lambda: -1)  # as seen from a later launch
    monkeypatch.setattr(autosave, "_process_alive", lambda pid: False)
    [record] = list_autosaves(tmp_path)
    assert (record.name, record.source, record.path) == ("cat.ora", "/art/cat.ora", slot.path)
    assert time.time() - record.saved_at < 60
    assert record.thumbnail_png().startswith(b"\x89PNG")
    assert read_project(record.path).layers[0].pixels[0, 0, 0] == 7


def test_slot_of_a_running_window_is_not_offered(tmp_path, monkeypatch):
    AutosaveSlot(tmp_path).write(_project(1), name="a", source=None, history_limit=None)
    monkeypatch.setattr(autosave.os, "getpid", lambda: -1)
    assert len(list_autosaves(tmp_path)) == 0  # the writing process (this one) is alive


def test_clean_exit_removes_the_slot(tmp_path):
    slot = AutosaveSlot(tmp_path)
    slot.write(_project(1), name="a", source=None, history_limit=None)
    slot.remove()
    assert list(tmp_path.iterdir()) == []


def test_damaged_autosave_is_moved_aside_not_deleted(tmp_path):
    (tmp_path / "x.ora").write_bytes(b"not a zip")
    (tmp_path / "x.json").write_text("{broken")
    [record] = list_autosaves(tmp_path)
    assert record.name == "Untitled" and record.thumbnail_png() is None
    moved = move_aside(record)
    assert moved.read_bytes() == b"not a zip" and moved.parent.name == "damaged"
    assert list_autosaves(tmp_path) == []


def test_discard_deletes(tmp_path, monkeypatch):
    slot = AutosaveSlot(tmp_path)
    slot.write(_project(1), name="a", source=None, history_limit=None)
    [record] = list_autosaves(tmp_path)
    discard(record)
    assert not slot.path.exists() and not slot.sidecar.exists()


def test_writer_runs_jobs_off_the_calling_thread_newest_wins(tmp_path):
    results: list[tuple[object, BaseException | None]] = []
    gate = threading.Event()
    writer = AutosaveWriter(lambda result, error: results.append((result, error)))
    try:
        writer.submit(lambda: (gate.wait(5), threading.current_thread().name)[1])
        time.sleep(0.05)
        writer.submit(lambda: "older")
        writer.submit(lambda: "newest")
        gate.set()
        assert writer.flush(5)
    finally:
        writer.close(5)
    assert [r for r, _ in results] == ["gencanvas-autosave", "newest"] and writer.dropped == 1


def test_a_job_submitted_after_close_is_dropped_so_flush_cannot_hang():
    """A generation finishing while the window closes submits after close; a second close then flushes."""
    ran = []
    writer = AutosaveWriter()
    writer.close(5)
    writer.submit(lambda: ran.append("late"))
    started = time.monotonic()
    assert writer.flush(2) and time.monotonic() - started < 1  # before the fix: pending forever, flush timed out
    assert ran == [] and writer.dropped == 1


def test_writer_reports_errors_and_keeps_going():
    results = []
    writer = AutosaveWriter(lambda result, error: results.append((result, type(error).__name__ if error else None)))
    try:
        writer.submit(lambda: (_ for _ in ()).throw(OSError(28, "No space left on device")))
        writer.flush(5)
        writer.submit(lambda: "ok")
        writer.flush(5)
    finally:
        writer.close(5)
    assert results == [(None, "OSError"), ("ok", None)]


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from gencanvas.core import project_file
    from gencanvas.core.autosave import AutosaveSlot
    from gencanvas.core.project_file import Project, ProjectLayer

    slot = AutosaveSlot(sys.argv[1], "slot")
    def project(value):
        return Project(64, 64, [ProjectLayer("sketch", np.full((64, 64, 4), value, np.uint8))])
    slot.write(project(11), name="first", source=None, history_limit=None)
    write = project_file.write_png
    def slow(stream, pixels, **options):
        print("writing", flush=True)
        time.sleep(30)
        write(stream, pixels, **options)
    project_file.write_png = slow
    slot.write(project(22), name="second", source=None, history_limit=None)
    """
)


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_kill_during_an_autosave_write_leaves_the_previous_one_recoverable(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # killed with a half-written temporary
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        child.kill()
        child.stdout.close()
    [record] = list_autosaves(tmp_path)
    assert record.name == "first" and record.pid == child.pid
    assert read_project(record.path).layers[0].pixels[0, 0, 0] == 11
