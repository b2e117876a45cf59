"""Running one plugin job, Qt-free, shared by the GUI worker thread and the CLI.

The GUI worker and ``gencanvas generate`` differ only in where frames go; everything
that decides *how* a job runs (validation, seeding, cancellation, model cache, turning
exceptions into messages an artist can read) lives here once.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from gencanvas.core.param_values import validate_values
from gencanvas.core.params import seed_field_name
from gencanvas.core.plugin_api import (
    FrameSink,
    JobCancelled,
    ParamsBase,
    Plugin,
    PluginError,
    PluginInputs,
    RunContext,
    as_rgb_uint8,
)

log = logging.getLogger(__name__)

_job_ids = itertools.count(1)
T = TypeVar("T")


@dataclass
class Job:
    """One request: a plugin, its validated parameters, a snapshot of the canvas inputs."""

    plugin: Plugin
    params: ParamsBase
    inputs: PluginInputs
    seed: int = 0
    id: int = field(default_factory=lambda: next(_job_ids))
    notices: list[str] = field(default_factory=list)  # messages for the user from a job that succeeded
    frames_sent: int = 0  # frames the plugin emitted (the GUI may show fewer: latest wins)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()


@dataclass(frozen=True)
class JobReport:
    """How one job ended; callers match their own job by ``job_id``, never by plugin or order.

    ``frames_sent`` counts the plugin's ``ctx.emit`` calls, ``frames_shown`` those the
    canvas displayed (fewer when the GUI was busy: only the newest frame is shown).
    """

    job_id: int
    plugin_id: str
    state: str  # finished, superseded (a live result made stale by a newer job), cancelled, failed, dropped
    frames_sent: int = 0
    frames_shown: int = 0
    seconds: float = 0.0  # from the request to its end
    message: str = ""

    def line(self) -> str:
        return (
            f"job {self.job_id} ({self.plugin_id}) {self.state} in {self.seconds * 1000:.0f} ms: "
            f"{self.frames_sent} frames sent, {self.frames_shown} shown"
        )


class ModelCache:
    """Loaded models keyed by (name, device, ...); the worker keeps it for its lifetime."""

    def __init__(self) -> None:
        self._items: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._items:
                log.info("loading model %s", key)
                self._items[key] = load()
            return self._items[key]

    def clear(self) -> None:
        """Drop everything, e.g. after an out-of-memory error or a device change."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def validate_params(plugin_type: type[Plugin], values: dict[str, Any]) -> ParamsBase:
    """Build the plugin's parameters (in the schema ``values`` select) or raise PluginError listing every bad field."""
    return validate_values(plugin_type, values)


def job_for(plugin: Plugin, params: ParamsBase, inputs: PluginInputs) -> Job:
    """A job whose seed is the parameters' seed field (0 for plugins without randomness)."""
    seed_name = seed_field_name(type(params))
    return Job(plugin, params, inputs, seed=int(getattr(params, seed_name)) if seed_name else 0)


def check_inputs(plugin: Plugin, inputs: PluginInputs) -> PluginInputs:
    """The inputs the plugin's ``run`` receives; raises MissingInputError naming what it needs."""
    return type(plugin).prepare_inputs(inputs)


def is_out_of_memory(exc: BaseException) -> bool:
    """torch's OutOfMemoryError, an MPS/CUDA 'out of memory' RuntimeError, or MemoryError."""
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def user_message(exc: BaseException, plugin: Plugin) -> str:
    """The sentence shown in the status bar / error dialog for a failed job."""
    if isinstance(exc, PluginError):
        return str(exc)
    if is_out_of_memory(exc):
        return (
            f"{plugin.title} ran out of memory. Try a smaller canvas or fewer steps, "
            "or switch the device to CPU in Settings. Your canvas is unchanged."
        )
    return f"{plugin.title} failed: {type(exc).__name__}: {exc}"


class JobRunner:
    """Runs jobs one at a time with a persistent model cache and the user's device setting."""

    def __init__(self, device: str = "auto", precision: str = "auto") -> None:
        self.models = ModelCache()
        self.device = device
        self.precision = precision

    def run(self, job: Job, sink: FrameSink) -> np.ndarray:
        """Run ``job`` to completion; raises JobCancelled, PluginError or the plugin's exception."""
        inputs = check_inputs(job.plugin, job.inputs)

        def counted(frame: np.ndarray, step: int, total: int) -> None:
            job.frames_sent += 1
            sink(frame, step, total)

        job_ctx = RunContext(
            seed=job.seed,
            models=self.models,
            sink=counted,
            is_cancelled=lambda: job.is_cancelled,
            device_preference=self.device,
            precision_preference=self.precision,
            notice_sink=job.notices.append,
        )
        try:
            result = job.plugin.run(inputs, job.params, job_ctx)
        except JobCancelled:
            raise
        except BaseException as exc:
            if is_out_of_memory(exc):
                self.models.clear()  # free what we can so the next job has a chance
            raise
        job_ctx.check_cancelled()  # a cancel during the last step still counts
        return as_rgb_uint8(result)


class LatestSlot(Generic[T]):
    """A one-item, thread-safe mailbox where a newer item replaces an unread older one.

    Used twice: for frames (worker → GUI; the GUI only ever shows the newest frame) and
    for requests (GUI → worker; rapid interactive requests collapse into the latest).
    """

    def __init__(self) -> None:
        self._item: T | None = None
        self._lock = threading.Lock()
        self.replaced = 0  # how many unread items were dropped, for tests and benchmarks

    def put(self, item: T) -> T | None:
        """Store ``item``; return the unread item it replaced (or None)."""
        with self._lock:
            previous, self._item = self._item, item
            if previous is not None:
                self.replaced += 1
            return previous

    def take(self) -> T | None:
        with self._lock:
            item, self._item = self._item, None
            return item
