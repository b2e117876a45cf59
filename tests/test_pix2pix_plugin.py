"""The sketch-to-photo plugin: canvas ↔ model sizes, clear errors, and live updates where the newest sketch wins."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import MissingInputError, PluginError, PluginInputs
from gencanvas.plugins.pix2pix_sketch import SketchToPhoto, fit_to_canvas, sketch_input


def sketch_layer(height: int = 40, width: int = 60, row: int = 20, colour=(0, 0, 0)) -> np.ndarray:
    layer = np.zeros((height, width, 4), np.uint8)
    cv2.line(layer, (5, row), (width - 5, row), (*colour, 255), 2)
    return layer


def run_plugin(layer: np.ndarray, runner: JobRunner | None = None, **params) -> np.ndarray:
    inputs = PluginInputs(layer.shape[1], layer.shape[0], sketch=layer)
    job = Job(SketchToPhoto(), SketchToPhoto.Params(**params), inputs)
    return (runner or JobRunner(device="cpu")).run(job, lambda *_: None)


def test_result_has_the_canvas_size(tiny_pix2pix):
    result = run_plugin(sketch_layer(40, 60))
    assert result.shape == (40, 60, 3) and result.dtype == np.uint8


def test_different_sketches_give_different_pictures(tiny_pix2pix):
    assert not np.array_equal(run_plugin(sketch_layer(row=8)), run_plugin(sketch_layer(row=30)))


def test_empty_sketch_and_white_only_strokes_are_explained(tiny_pix2pix):
    with pytest.raises(MissingInputError, match=r"Sketch to photo \(pix2pix\) needs a sketch"):
        run_plugin(np.zeros((32, 32, 4), np.uint8))
    with pytest.raises(PluginError, match="no dark strokes"):
        run_plugin(sketch_layer(colour=(255, 255, 255)))


def test_missing_weights_name_the_training_command(monkeypatch, tmp_path):
    import gencanvas.plugins.pix2pix_sketch as plugin

    monkeypatch.setattr(plugin, "weights_root", lambda: tmp_path)
    with pytest.raises(PluginError, match=re.escape("python -m gencanvas.models.train pix2pix")):
        run_plugin(sketch_layer())


def test_colour_hints_reach_the_model_only_when_enabled():
    red = sketch_layer(64, 64, colour=(230, 20, 20))
    hinted, plain = sketch_input(red, 16, colour_hints=True), sketch_input(red, 16, colour_hints=False)
    strokes = plain[..., 0] < 128
    assert strokes.any() and (hinted[strokes, 0] > hinted[strokes, 1] + 60).all()
    assert (plain[..., 0] == plain[..., 2]).all(), "without hints strokes are plain ink"


def test_fit_to_canvas_undoes_the_square_padding():
    square = np.zeros((16, 16, 3), np.uint8)
    square[4:12] = 200  # the band a 2:1 canvas occupies inside its padded square
    out = fit_to_canvas(square, 64, 32)
    assert out.shape == (32, 64, 3) and out[2:-2].min() == 200


def test_rapid_sketch_updates_end_with_the_newest_sketch(qtbot, tiny_pix2pix):
    """Live mode: a burst of sketch updates (one per stroke) collapses; the last result is the newest sketch's."""
    from gencanvas.qt.worker import GenerationWorker

    runner = JobRunner(device="cpu")
    worker = GenerationWorker(runner)
    worker.start()
    try:
        finished: list = []
        dropped: list[int] = []
        worker.jobFinished.connect(finished.append)
        worker.jobDropped.connect(dropped.append)
        layers = [sketch_layer(row=4 + i) for i in range(30)]  # the stroke moves with every update
        jobs = [Job(SketchToPhoto(), SketchToPhoto.Params(), PluginInputs(60, 40, sketch=layer)) for layer in layers]
        for job in jobs:
            worker.submit(job)
        qtbot.waitUntil(
            lambda: bool(finished) and finished[-1].job.id == jobs[-1].id and not worker.busy, timeout=10_000
        )
        ids = [outcome.job.id for outcome in finished]
        assert ids == sorted(ids) and len(ids) + len(dropped) == len(jobs)
        np.testing.assert_array_equal(finished[-1].pixels, run_plugin(layers[-1], runner))
        assert not np.array_equal(finished[-1].pixels, run_plugin(layers[0], runner))
    finally:
        assert worker.shutdown(5000)
