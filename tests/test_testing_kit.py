"""gencanvas.testing catches each way a plugin can break the contract, and pytest loads it by itself."""

from __future__ import annotations

import threading
from importlib.metadata import entry_points
from typing import ClassVar, Literal

import numpy as np
import pytest

from gencanvas.plugin_api import InputKind, JobCancelled, ParamsBase, Plugin, seed, slider
from gencanvas.testing import (
    ContractCase,
    PluginContract,
    check_cancel,
    check_declaration,
    check_determinism,
    check_frames,
    check_no_thread_left,
    check_plugin,
    contract_tests,
    tiny_inputs,
)


class GoodParams(ParamsBase):
    strength: float = slider(0.5, ge=0.0, le=1.0)
    seed: int = seed(0)


class Good(Plugin):
    """Seeded noise over the photo in three frames: passes every check."""

    id = "kit-good"
    title = "Kit good"
    inputs = frozenset({InputKind.IMAGE})
    Params = GoodParams

    def run(self, inputs, params, ctx):
        image = inputs.require(InputKind.IMAGE).astype(np.float32)
        out = image + params.strength * ctx.rng.normal(0, 40, image.shape)
        for step in range(1, 4):
            ctx.emit(out.clip(0, 255).astype(np.uint8), step, 3)
        return out.clip(0, 255).astype(np.uint8)


class SliderAboveMax(ParamsBase):
    strength: float = slider(2.0, ge=0.0, le=1.0)


class ChoiceNotAmongChoices(ParamsBase):
    mode: Literal["soft", "hard"] = "medium"  # type: ignore[assignment]


def variant(name: str, **attrs) -> type[Plugin]:
    return type(name, (Good,), {"id": f"kit-{name.lower()}", **attrs})


def run_unseeded(self, inputs, params, ctx):
    frame = np.random.default_rng().integers(0, 256, (inputs.height, inputs.width, 3), dtype=np.uint8)
    ctx.emit(frame, 1, 1)
    return frame


def run_backwards(self, inputs, params, ctx):
    frame = np.zeros((inputs.height, inputs.width, 3), np.uint8)
    for step in (2, 1):
        ctx.emit(frame, step, 2)
    return frame


def run_silently(self, inputs, params, ctx):
    return np.zeros((inputs.height, inputs.width, 3), np.uint8)


def run_ignoring_cancel(self, inputs, params, ctx):
    frame = np.zeros((inputs.height, inputs.width, 3), np.uint8)
    for step in range(1, 4):
        try:
            ctx.emit(frame, step, 3)
        except JobCancelled:
            ctx.sink(frame, step, 3)  # keeps streaming past the cancel
    return frame


LEAKED_STOP = threading.Event()


def run_leaking_a_thread(self, inputs, params, ctx):
    threading.Thread(target=LEAKED_STOP.wait, name="kit-leak", daemon=True).start()
    return Good.run(self, inputs, params, ctx)


def test_a_good_plugin_passes_every_check():
    check_plugin(Good, {"strength": 0.2})


@pytest.mark.parametrize(
    ("broken", "check", "complaint"),
    [
        (variant("BadSlider", Params=SliderAboveMax), check_declaration, "defaults its own schema rejects"),
        (variant("BadChoice", Params=ChoiceNotAmongChoices), check_declaration, "defaults its own schema rejects"),
        (variant("Bad_Id", id="Bad Id"), check_declaration, "lowercase"),
        (variant("NoFrames", run=run_silently), check_frames, "at least one frame"),
        (variant("Backwards", run=run_backwards), check_frames, "step order"),
        (variant("Unseeded", run=run_unseeded), check_determinism, "differ"),
        (variant("DeafToCancel", run=run_ignoring_cancel), check_cancel, "after cancel"),
    ],
)
def test_each_broken_rule_fails_its_check_with_a_reason(broken, check, complaint):
    check(ContractCase.of(Good))  # the same check passes on the unbroken plugin
    with pytest.raises(AssertionError, match=complaint):
        check(ContractCase.of(broken))


def test_a_thread_left_running_after_each_run_fails():
    check_no_thread_left(ContractCase.of(Good))
    LEAKED_STOP.clear()
    try:
        with pytest.raises(AssertionError, match="kit-leak"):
            check_no_thread_left(ContractCase.of(variant("Leaky", run=run_leaking_a_thread)))
    finally:
        LEAKED_STOP.set()


def test_optional_inputs_are_offered_and_may_be_missing():
    class Sees(Good):
        id = "kit-sees"
        optional_inputs = frozenset({InputKind.MASK})
        seen: ClassVar[list[bool]] = []

        def run(self, inputs, params, ctx):
            Sees.seen.append(inputs.mask is not None)
            return super().run(inputs, params, ctx)

    assert tiny_inputs(Sees).mask is not None and tiny_inputs(Sees, optional=False).mask is None
    check_frames(ContractCase.of(Sees))
    assert Sees.seen == [True, False]


def test_contract_tests_makes_a_collectable_class_per_plugin():
    cls = contract_tests(Good, {"strength": 0.1})
    assert cls.__name__ == "TestGoodContract" and issubclass(cls, PluginContract)
    tests = sorted(name for name in dir(cls) if name.startswith("test_"))
    assert tests == [
        "test_cancel_within_one_emit",
        "test_declaration_and_defaults",
        "test_no_thread_left_running",
        "test_same_seed_same_image",
        "test_streams_frames_in_order",
    ]
    assert contract_tests("inpaint-classical").__name__ == "TestInpaintClassicalContract"


def test_a_plugin_id_loads_through_the_registry():
    case = ContractCase.of("inpaint-classical", {})
    assert case.plugin_type.id == "inpaint-classical"


def test_pytest_loads_the_kit_from_its_entry_point(request, check_plugin):
    assert any(ep.value == "gencanvas.testing" for ep in entry_points(group="pytest11"))
    assert request.config.pluginmanager.has_plugin("gencanvas")
    check_plugin(Good)


TestGoodPluginThroughTheKit = contract_tests(Good)
