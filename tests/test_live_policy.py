"""The live scheduling policy on its own: no Qt, times are plain numbers."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from gencanvas.core.live_policy import LivePolicy, request_key
from gencanvas.core.plugin_api import InputKind, PluginInputs


def test_first_input_starts_at_once_then_one_frame_in_flight_latest_wins():
    policy = LivePolicy()
    assert policy.start_in(0.0) is None  # nothing asked yet
    policy.input_changed(0.0)
    assert policy.start_in(0.0) == 0.0
    assert policy.take("a")
    policy.started("a")
    for t in (0.001, 0.002, 0.003):  # inputs while the frame renders collapse into one pending request
        policy.input_changed(t)
        assert policy.start_in(t) is None
    policy.finished("a", 0.005)
    assert policy.start_in(0.006) == 0.0  # the newest input starts as soon as the frame is done
    assert policy.take("b")
    policy.started("b")
    policy.finished("b", 0.005)
    assert not policy.pending and policy.start_in(0.02) is None


def test_a_request_identical_to_the_last_finished_or_running_one_is_skipped():
    policy = LivePolicy()
    policy.input_changed(0.0)
    assert policy.take("k")
    policy.started("k")
    policy.input_changed(0.001)
    policy.finished("k", 0.004)
    policy.input_changed(0.01)
    assert not policy.take("k") and policy.skipped == 1 and not policy.pending
    policy.started("x")  # e.g. a Generate of exactly this request still running
    policy.input_changed(0.02)
    assert not policy.take("x")
    policy.finished("x", None)  # failed: nothing new on the canvas
    policy.forget_last()  # and the canvas went back to an older result
    policy.input_changed(0.03)
    assert policy.take("k")


def test_slow_frames_wait_for_a_short_quiet_spell_but_never_longer_than_a_frame():
    policy = LivePolicy(immediate_s=0.1, grace_s=0.25)
    for _ in range(3):
        policy.input_changed(0.0)
        policy.take("k")
        policy.started("k")
        policy.finished("k", 0.4)
    assert policy.expected_frame_s() == pytest.approx(0.4)
    policy.input_changed(1.0)
    assert policy.start_in(1.0) == pytest.approx(0.2)  # quiet for half a frame
    policy.input_changed(1.15)
    assert policy.start_in(1.15) == pytest.approx(0.2)  # the artist is still moving: wait on
    policy.input_changed(1.3)
    assert policy.start_in(1.3) == pytest.approx(0.1)  # but at most one frame after the first pending input
    assert policy.start_in(1.5) == 0.0


def test_one_slow_frame_such_as_a_model_load_does_not_switch_to_waiting():
    policy = LivePolicy(immediate_s=0.1)
    for seconds in (1.5, 0.02):  # the first frame loaded the model
        policy.input_changed(0.0)
        policy.take(seconds)
        policy.started(seconds)
        policy.finished(seconds, seconds)
    policy.input_changed(2.0)
    assert policy.start_in(2.0) == 0.0


def test_an_interaction_stays_open_while_held_or_busy_and_ends_after_the_settle_time():
    policy = LivePolicy(settle_s=0.4)
    assert policy.settle_in(0.0, holding=False) is None
    policy.input_changed(0.0)
    first = policy.session
    assert first and policy.settle_in(0.0, holding=False) == policy.settle_s  # pending input
    policy.take("a")
    policy.started("a")
    assert policy.settle_in(0.5, holding=False) == policy.settle_s  # still rendering
    policy.finished("a", 0.01)
    assert policy.settle_in(0.5, holding=True) == policy.settle_s  # the mouse is still down
    assert policy.settle_in(0.2, holding=False) == pytest.approx(0.2)
    assert policy.settle_in(0.5, holding=False) == 0.0
    policy.end_session()
    policy.input_changed(1.0)
    assert policy.session not in (0, first)


def simulate(compute_s: float, overhead_s: float = 0.004, hz: float = 60.0, seconds: float = 1.0):
    """Drive the policy like the controller does, with inputs at ``hz`` and frames of a fixed cost.

    Events are (time, order, kind, started, key); a request's key is the time of the newest
    input it contains. Returns (updates per second during the drag, last input -> its
    result on screen, renders).
    """
    policy = LivePolicy()
    events: list[tuple[float, int, str, float, float]] = []
    order = iter(range(10**9))
    inputs = [i / hz for i in range(int(seconds * hz) + 1)]
    for t in inputs:
        heapq.heappush(events, (t, next(order), "input", t, t))
    shown: list[tuple[float, float]] = []  # (time on screen, newest input it contains)
    newest = -1.0

    def try_start(now: float) -> None:
        start = policy.start_in(now)
        if start is None:
            return
        if start > 0:
            heapq.heappush(events, (now + start, next(order), "timer", now, newest))
            return
        if policy.take(newest):
            policy.started(newest)
            heapq.heappush(events, (now + compute_s + overhead_s, next(order), "done", now, newest))

    while events:
        now, _, kind, started, key = heapq.heappop(events)
        if kind == "input":
            newest = key
            policy.input_changed(now)
        elif kind == "done":
            policy.finished(key, now - started)
            shown.append((now, key))
        try_start(now)
    during = [t for t, _ in shown if t <= inputs[-1]]
    last = inputs[-1]
    latency = min(t for t, key in shown if key >= last) - last
    return len(during) / seconds, latency, len(shown)


@pytest.mark.parametrize("compute_ms", [1, 5, 7, 12, 19])
def test_fast_frames_show_the_last_input_within_50_ms_and_update_15_times_a_second(compute_ms):
    updates, latency, _ = simulate(compute_ms / 1000)
    assert latency <= 0.050
    assert updates >= 15


def test_slow_frames_still_update_during_a_long_drag():
    updates, latency, renders = simulate(0.3, seconds=3.0)
    assert updates >= 2.5  # about one render per frame time, not only when the drag ends
    assert latency <= 2 * (0.3 + 0.004)  # at worst the frame in flight, then its own
    assert renders < 3 * 60 / 10  # stale inputs were skipped, not queued


def inputs_with(sketch_value: int, image_value: int = 0) -> PluginInputs:
    sketch = np.zeros((8, 8, 4), np.uint8)
    sketch[2, 2] = sketch_value
    return PluginInputs(8, 8, image=np.full((8, 8, 3), image_value, np.uint8), sketch=sketch)


def test_request_key_covers_plugin_parameters_and_only_the_inputs_read():
    reads = frozenset({InputKind.SKETCH})
    key = request_key("p", {"gain": 1}, inputs_with(9), reads)
    assert key == request_key("p", {"gain": 1}, inputs_with(9), reads)
    assert key == request_key("p", {"gain": 1}, inputs_with(9, image_value=200), reads)  # the photo is not read
    assert key != request_key("p", {"gain": 1}, inputs_with(10), reads)  # one sketch pixel differs
    assert key != request_key("p", {"gain": 2}, inputs_with(9), reads)
    assert key != request_key("q", {"gain": 1}, inputs_with(9), reads)
    both = reads | {InputKind.IMAGE}
    assert request_key("p", {}, inputs_with(9), both) != request_key("p", {}, inputs_with(9, image_value=200), both)
