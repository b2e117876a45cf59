"""The plugin contract as a pytest plugin: the checks every built-in passes, for any plugin.

GenCanvas's own suite runs these checks over every registered plugin; shipping the same
code to plugin authors (napari ships ``make_napari_viewer`` the same way) means a
third-party plugin is held to exactly the contract the app relies on, with no second copy
to drift. Installing ``gencanvas`` registers this module with pytest (entry point group
``pytest11``), so a plugin package needs one line in a test module:

    TestContract = contract_tests(MyPlugin, params={"steps": 2})

which collects one test per check (declaration and defaults, frames in order, determinism
per seed, cancel within one emit, no thread left running), or the ``check_plugin`` fixture
for all checks in one test. A plugin can be named by class or by id; an id is loaded
through the app's registry (entry points and the per-user plugins folder), as the app does.

Everything runs headless through the app's own ``JobRunner`` on a 48×48 canvas; nothing
here imports Qt or torch.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner, validate_params
from gencanvas.core.params import seed_field_name
from gencanvas.core.plugin_api import InputKind, JobCancelled, ParamsBase, Plugin, PluginInputs, Region

SIDE = 48
THREAD_GRACE_S = 2.0  # how long a plugin's helper threads may take to finish after run returns

Frame = tuple[np.ndarray, int, int]


@dataclass(frozen=True)
class ContractCase:
    """One plugin under test and the parameter overrides that keep its runs quick."""

    plugin_type: type[Plugin]
    params: Mapping[str, Any] = field(default_factory=dict)
    side: int = SIDE

    @classmethod
    def of(cls, plugin: type[Plugin] | str, params: Mapping[str, Any] | None = None) -> ContractCase:
        """A case from a plugin class, or from an id loaded through the app's registry."""
        if isinstance(plugin, str):
            from gencanvas.core.registry import default_registry

            plugin = default_registry().get(plugin)
        return cls(plugin, dict(params or {}))

    @property
    def optional_inputs(self) -> frozenset[InputKind]:
        return frozenset(getattr(self.plugin_type, "optional_inputs", frozenset()))


def tiny_inputs(plugin_type: type[Plugin], side: int = SIDE, *, optional: bool = True) -> PluginInputs:
    """A seeded photo, a one-stroke sketch, a square mask and a region on it: only the layers the plugin declares."""
    rng = np.random.default_rng(0)
    sketch = np.zeros((side, side, 4), np.uint8)
    sketch[side // 5 : side // 5 + 2, side // 10 : side - side // 6] = (0, 0, 0, 255)
    mask = np.zeros((side, side), bool)
    mask[side // 3 : side * 7 // 12, side // 3 : side * 7 // 12] = True
    region_mask = np.zeros((side, side), np.float32)
    region_mask[:, side // 2 :] = 1.0
    kinds = set(plugin_type.inputs) | (set(getattr(plugin_type, "optional_inputs", ())) if optional else set())
    return PluginInputs(
        side,
        side,
        image=rng.integers(0, 256, (side, side, 3), dtype=np.uint8) if InputKind.IMAGE in kinds else None,
        sketch=sketch if InputKind.SKETCH in kinds else None,
        mask=mask if InputKind.MASK in kinds else None,
        regions=(Region("a red square", region_mask),) if InputKind.REGIONS in kinds else None,
    )


def run_plugin(
    case: ContractCase,
    seed: int = 7,
    *,
    inputs: PluginInputs | None = None,
    on_frame: Callable[[Job], None] | None = None,
) -> tuple[np.ndarray, list[Frame]]:
    """Run the plugin once through the app's JobRunner; returns the result and every frame.

    ``seed`` goes to the job and, where the schema has a seed field, to that field too,
    exactly as the panel and the CLI do. ``on_frame`` is called with the job after each
    frame (the cancel check cancels from there).
    """
    params = validate_params(case.plugin_type, dict(case.params))
    if seed_name := seed_field_name(case.plugin_type.Params):
        params = validate_params(case.plugin_type, {**params.model_dump(), seed_name: seed})
    job = Job(case.plugin_type(), params, inputs or tiny_inputs(case.plugin_type, case.side), seed=seed)
    frames: list[Frame] = []

    def sink(frame: np.ndarray, step: int, total: int) -> None:
        frames.append((np.array(frame, copy=True), step, total))
        if on_frame is not None:
            on_frame(job)

    return JobRunner(device="cpu").run(job, sink), frames


# --- the checks: plain functions, so they run from pytest, a script or a notebook alike ---


def check_declaration(case: ContractCase) -> None:
    """Identity, inputs and schema are declared; defaults (and the quick overrides) validate."""
    plugin_type = case.plugin_type
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", plugin_type.id), f"id {plugin_type.id!r}: use lowercase and hyphens"
    assert plugin_type.title, "a plugin needs a title for the panel"
    assert isinstance(plugin_type.description, str)
    assert set(plugin_type.inputs) <= set(InputKind), "inputs must be InputKind members"
    assert case.optional_inputs <= set(InputKind), "optional inputs must be InputKind members"
    assert not case.optional_inputs & set(plugin_type.inputs), "an input is either required or optional"
    api_version = getattr(plugin_type, "api_version", None)
    assert api_version is None or re.fullmatch(r"\d+\.\d+", str(api_version)), "api_version looks like '1.0'"
    check_defaults(plugin_type.Params)
    validate_params(plugin_type, dict(case.params))


def check_defaults(params_type: type[ParamsBase]) -> None:
    """Every default is valid against its own field, as stored in PNG metadata and restored.

    pydantic does not validate defaults, so a slider default above its maximum or a choice
    default outside its choices would run from the CLI while the panel shows another value;
    round-tripping the defaults through JSON catches both.
    """
    assert issubclass(params_type, ParamsBase), "Params must derive from ParamsBase"
    defaults = params_type()
    try:
        restored = params_type.model_validate_json(defaults.model_dump_json())
    except ValueError as exc:
        raise AssertionError(f"{params_type.__name__} has defaults its own schema rejects: {exc}") from None
    assert restored == defaults, "defaults must survive the metadata round trip unchanged"
    assert "properties" in params_type.model_json_schema() or not params_type.model_fields


def check_frames(case: ContractCase) -> None:
    """A run streams at least one RGB frame, steps in order, then returns an RGB uint8 image."""
    result, frames = run_plugin(case)
    assert result.dtype == np.uint8 and result.ndim == 3 and result.shape[2] == 3
    assert frames, "a plugin must stream at least one frame through ctx.emit"
    steps = [step for _, step, _ in frames]
    assert steps == sorted(steps), f"frames must arrive in step order, got steps {steps}"
    assert all(1 <= step <= total for _, step, total in frames), "each frame needs 1 <= step <= total"
    assert all(f.dtype == np.uint8 and f.ndim == 3 and f.shape[2] == 3 for f, _, _ in frames), "frames are RGB uint8"
    if case.optional_inputs:  # a missing optional input arrives as None and must not break the run
        bare, _ = run_plugin(case, inputs=tiny_inputs(case.plugin_type, case.side, optional=False))
        assert bare.dtype == np.uint8 and bare.ndim == 3 and bare.shape[2] == 3


def check_determinism(case: ContractCase) -> None:
    """The same seed gives the same image, so a stored seed reproduces a result."""
    first, _ = run_plugin(case, seed=3)
    second, _ = run_plugin(case, seed=3)
    np.testing.assert_array_equal(first, second, err_msg="two runs with seed 3 differ")


def check_cancel(case: ContractCase) -> None:
    """Cancelling during the first frame: no further frame, and no result is delivered."""
    emitted: list[Job] = []

    def cancel_at_first(job: Job) -> None:
        emitted.append(job)
        job.cancel()

    with pytest.raises(JobCancelled):
        run_plugin(case, on_frame=cancel_at_first)
    assert len(emitted) == 1, f"{len(emitted) - 1} frame(s) emitted after cancel; ctx.emit is the cancellation point"


def check_no_thread_left(case: ContractCase) -> None:
    """A run leaves no thread behind; one started once and reused (a loader pool) is allowed."""
    before = set(threading.enumerate())
    run_plugin(case)
    leftover = _wait_for_threads(before)
    if leftover:  # started on first use: it must not grow with every run
        before |= leftover
        run_plugin(case)
        leftover = _wait_for_threads(before)
    assert not leftover, f"threads left running after run(): {sorted(t.name for t in leftover)}"


def _wait_for_threads(before: set[threading.Thread]) -> set[threading.Thread]:
    deadline = time.monotonic() + THREAD_GRACE_S
    while (extra := {t for t in threading.enumerate() if t not in before and t.is_alive()}) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.02)
    return extra


CHECKS: tuple[Callable[[ContractCase], None], ...] = (
    check_declaration,
    check_frames,
    check_determinism,
    check_cancel,
    check_no_thread_left,
)


def check_plugin(plugin: type[Plugin] | str, params: Mapping[str, Any] | None = None) -> None:
    """Run every contract check on one plugin; raises AssertionError naming the broken rule."""
    case = ContractCase.of(plugin, params)
    for check in CHECKS:
        check(case)


# --- pytest: a test class per plugin, and a fixture ---


class PluginContract:
    """Base of a test class with one test per contract check; set ``plugin`` (and ``params``).

    Subclass it as ``class TestMyPlugin(PluginContract)`` or use :func:`contract_tests`.
    To run over several plugins, override the ``contract_case`` fixture with a
    parametrised one (GenCanvas's own suite does this over every registered plugin).
    """

    plugin: ClassVar[type[Plugin] | str]
    params: ClassVar[Mapping[str, Any]] = {}

    @pytest.fixture
    def contract_case(self) -> ContractCase:
        return ContractCase.of(self.plugin, self.params)

    def test_declaration_and_defaults(self, contract_case: ContractCase) -> None:
        check_declaration(contract_case)

    def test_streams_frames_in_order(self, contract_case: ContractCase) -> None:
        check_frames(contract_case)

    def test_same_seed_same_image(self, contract_case: ContractCase) -> None:
        check_determinism(contract_case)

    def test_cancel_within_one_emit(self, contract_case: ContractCase) -> None:
        check_cancel(contract_case)

    def test_no_thread_left_running(self, contract_case: ContractCase) -> None:
        check_no_thread_left(contract_case)


def contract_tests(plugin: type[Plugin] | str, params: Mapping[str, Any] | None = None) -> type[PluginContract]:
    """A ``PluginContract`` test class for ``plugin``; assign it to a ``Test…`` name to collect it."""
    name = plugin if isinstance(plugin, str) else plugin.__name__
    class_name = "Test" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)
    return type(class_name + "Contract", (PluginContract,), {"plugin": plugin, "params": dict(params or {})})


@pytest.fixture(name="check_plugin")
def _check_plugin_fixture() -> Callable[..., None]:
    """``check_plugin(MyPlugin, params=None)`` inside a test: every contract check at once."""
    return check_plugin


__all__ = [
    "CHECKS",
    "ContractCase",
    "PluginContract",
    "check_cancel",
    "check_declaration",
    "check_defaults",
    "check_determinism",
    "check_frames",
    "check_no_thread_left",
    "check_plugin",
    "contract_tests",
    "run_plugin",
    "tiny_inputs",
]
