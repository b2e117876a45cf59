"""The generation thread: streaming order, cancel, latest-wins, errors, shutdown."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.qt.image_convert import array_from_qimage
from gencanvas.qt.worker import GenerationWorker
from tests.fake_plugins import FailingPlugin, OomPlugin, StreamParams, StreamPlugin

INPUTS = PluginInputs(16, 16)


@pytest.fixture
def worker(qtbot):
    w = GenerationWorker(JobRunner(device="cpu"))
    w.start()
    yield w
    assert w.shutdown(5000)


def stream_job(plugin=None, **params) -> Job:
    return Job(plugin or StreamPlugin(), StreamParams(**params), INPUTS, seed=params.get("seed", 0))


def test_frames_arrive_in_order_then_the_result(qtbot, worker):
    seen: list[tuple[str, int]] = []
    worker.frameReady.connect(lambda: (f := worker.frames.take()) and seen.append(("frame", f.step)))
    worker.jobFinished.connect(lambda outcome: seen.append(("done", outcome.job.id)))
    job = stream_job(steps=6, step_seconds=0.02, seed=11)
    with qtbot.waitSignal(worker.jobFinished, timeout=5000) as blocker:
        worker.submit(job)
    qtbot.wait(20)
    steps = [s for kind, s in seen if kind == "frame"]
    assert steps and steps == sorted(steps) and steps[-1] == 6
    assert seen[-1] == ("done", job.id)
    assert job.frames_sent == 6  # counted by the runner, whatever the GUI managed to show
    expected = np.random.default_rng(11).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    np.testing.assert_array_equal(blocker.args[0].pixels, expected)
    np.testing.assert_array_equal(array_from_qimage(blocker.args[0].image, 3), expected)


def test_cancel_takes_effect_within_one_step(qtbot, worker):
    plugin = StreamPlugin()
    job = stream_job(plugin, steps=1000, step_seconds=0.02)
    worker.submit(job)
    qtbot.waitUntil(lambda: len(plugin.steps_run) >= 3, timeout=5000)
    with qtbot.waitSignal(worker.jobCancelled, timeout=2000) as blocker:
        steps_at_cancel = len(plugin.steps_run)
        worker.cancel()
    assert blocker.args == [job.id]
    assert len(plugin.steps_run) - steps_at_cancel <= 1
    qtbot.waitUntil(lambda: not worker.busy, timeout=1000)


def test_latest_request_wins_under_200_rapid_requests(qtbot, worker):
    plugin = StreamPlugin()
    finished: list[int] = []
    dropped: list[int] = []
    worker.jobFinished.connect(lambda outcome: finished.append(outcome.job.id))
    worker.jobDropped.connect(dropped.append)
    jobs = [stream_job(plugin, steps=1, step_seconds=0.005, seed=i) for i in range(200)]
    for job in jobs:
        worker.submit(job)
    qtbot.waitUntil(lambda: bool(finished) and finished[-1] == jobs[-1].id and not worker.busy, timeout=10_000)
    assert len(finished) < 50, f"{len(finished)} of 200 requests ran: stale requests were not dropped"
    assert len(finished) + len(dropped) == 200
    assert finished == sorted(finished)


def test_plugin_exception_becomes_an_error_message_and_worker_lives_on(qtbot, worker):
    with qtbot.waitSignal(worker.jobFailed, timeout=5000) as blocker:
        worker.submit(Job(FailingPlugin(), FailingPlugin.Params(), INPUTS))
    assert "broke on purpose" in blocker.args[1] and "Test failure" in blocker.args[1]
    with qtbot.waitSignal(worker.jobFinished, timeout=5000):
        worker.submit(stream_job(steps=2))


def test_out_of_memory_gives_advice_and_empties_the_model_cache(qtbot, worker):
    with qtbot.waitSignal(worker.jobFailed, timeout=5000) as blocker:
        worker.submit(Job(OomPlugin(), OomPlugin.Params(), INPUTS))
    assert "ran out of memory" in blocker.args[1] and "canvas is unchanged" in blocker.args[1]
    assert len(worker.runner.models) == 0


def test_models_stay_cached_between_jobs(qtbot, worker):
    loads = []
    worker.runner.models.get(("m",), lambda: loads.append(1) or "model")
    worker.runner.models.get(("m",), lambda: loads.append(1) or "model")
    assert loads == [1]


def test_shutdown_with_a_job_running_is_prompt(qtbot):
    worker = GenerationWorker(JobRunner(device="cpu"))
    worker.start()
    plugin = StreamPlugin()
    worker.submit(stream_job(plugin, steps=1000, step_seconds=0.02))
    assert plugin.started.wait(5)
    started = time.perf_counter()
    assert worker.shutdown(5000)
    assert time.perf_counter() - started < 1.0
    assert not worker.isRunning()
