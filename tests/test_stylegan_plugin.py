"""The StyleGAN edit plugin on tiny weights: monotonic edits, layer ranges, projection cache, live coalescing."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginError, PluginInputs
from gencanvas.plugins.stylegan_edit import DIRECTIONS, StyleGANEdit, StyleGANEditParams
from gencanvas.plugins.stylegan_support import model_directions

SIDE = 40


def photo(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.full((SIDE, SIDE, 3), 230, np.uint8)
    image[8:32, 8:32] = rng.integers(0, 256, 3, dtype=np.uint8)  # a coloured square on a light ground
    return image


def run(runner: JobRunner, image: np.ndarray | None = None, seed: int = 3, **params):
    frames: list[tuple[int, int]] = []
    job = Job(
        StyleGANEdit(),
        StyleGANEdit.params_for(params)(**params),
        PluginInputs(SIDE, SIDE, image=photo() if image is None else image),
        seed=seed,
    )
    result = runner.run(job, lambda f, s, t: frames.append((s, t)))
    return result.astype(np.float64), frames


@pytest.fixture
def runner(tiny_stylegan) -> JobRunner:
    return JobRunner(device="cpu")


def test_sliders_cover_principal_and_labelled_directions_and_layers(tiny_stylegan):
    fields = StyleGANEdit.params_for({}).model_fields
    assert {"pc1", "pc2", "pc3", "pc4", "pc5"} <= set(DIRECTIONS) <= set(fields)
    assert {"seed", "truncation", "layer_start", "layer_end", "source", "model"} <= set(fields)
    with pytest.raises(ValueError):
        StyleGANEdit.params_for({})(pc1=99)


def test_each_model_has_only_its_own_direction_sliders(tmp_path, monkeypatch):
    """The schema follows the chosen model: a slider the model lacks would do nothing."""
    import json

    import gencanvas.plugins.stylegan_edit as plugin
    import gencanvas.plugins.stylegan_support as support

    for model, names in (("stylegan-emoji", ["pc1", "flag", "face"]), ("stylegan-fashion", ["pc1", "dress"])):
        (tmp_path / model).mkdir()
        (tmp_path / model / "directions.json").write_text(json.dumps({"names": names}), "utf-8")
    monkeypatch.setattr(support, "weights_root", lambda: tmp_path)
    monkeypatch.setattr(plugin, "MODELS", ("stylegan-emoji", "stylegan-fashion"))
    emoji = StyleGANEdit.params_for({"model": "stylegan-emoji"})
    fashion = StyleGANEdit.params_for({"model": "stylegan-fashion", "dress": 2.0})
    assert {"flag", "face"} <= set(emoji.model_fields) and "dress" not in emoji.model_fields
    assert "dress" in fashion.model_fields and not {"flag", "face"} & set(fashion.model_fields)
    assert issubclass(fashion, StyleGANEditParams) and fashion is StyleGANEdit.params_for({"model": "stylegan-fashion"})
    assert StyleGANEdit.params_for({"model": "no-such-model"}) is emoji  # unknown: the first model
    params = fashion(model="stylegan-fashion", dress=2.0)
    assert params.direction_values() == {"pc1": 0.0, "dress": 2.0}
    with pytest.raises(ValueError, match="dress"):
        emoji(model="stylegan-emoji", dress=2.0)  # another model's slider is refused, not ignored
    with pytest.raises(ValueError, match="less than or equal to 3"):
        emoji(model="stylegan-emoji", pc1=4.0)  # past ±3 std the generator draws codes it never trained on
    assert model_directions("stylegan-fashion") == ("pc1", "dress")


@pytest.mark.parametrize("name", DIRECTIONS[:2] + DIRECTIONS[-1:])
def test_distance_from_the_unedited_image_grows_with_the_slider(runner, name):
    base, frames = run(runner)
    assert frames == [(1, 1)]
    for sign in (1, -1):
        distances = [np.abs(run(runner, **{name: sign * v})[0] - base).mean() for v in (0.5, 1.5, 2.25, 3.0)]
        assert distances[0] > 0 and distances == sorted(distances), (name, sign, distances)


def test_edit_moves_w_along_the_direction_only_in_the_layer_range(runner, tiny_stylegan):
    import torch

    from gencanvas.models.stylegan.directions import Directions

    directions = Directions.load(tiny_stylegan / "stylegan-emoji-faces")
    vector = directions.vectors[directions.names.index("pc1")]
    captured = {}
    import gencanvas.models.stylegan.directions as module

    original = module.apply_edit

    def spy(ws, offset, start, end):
        captured["ws"] = original(ws, offset, start, end)
        return captured["ws"]

    module.apply_edit = spy
    try:
        projections = []
        for value in (-2.0, 0.0, 1.0, 3.0):
            run(runner, pc1=value, layer_start=2, layer_end=4)
            projections.append(float(captured["ws"][0, 3] @ vector))
            untouched = captured["ws"][0, [0, 1, 5]]
            assert torch.allclose(untouched, untouched[0].expand_as(untouched))
    finally:
        module.apply_edit = original
    assert projections == sorted(projections) and projections[-1] > projections[0]


def test_layer_range_limits_the_edit_and_empty_range_is_an_error(runner):
    base, _ = run(runner)
    everywhere, _ = run(runner, pc1=3.0)
    late_only, _ = run(runner, pc1=3.0, layer_start=5, layer_end=7)
    assert 0 < np.abs(late_only - base).mean() < np.abs(everywhere - base).mean()
    with pytest.raises(PluginError, match="layer range is empty"):
        run(runner, layer_start=5, layer_end=2)


def test_seed_truncation_and_noise_change_the_image(runner):
    assert StyleGANEdit.Params().noise == "fixed"  # the setting the bundled models score best with
    a, _ = run(runner, seed=1, noise="off")
    b, _ = run(runner, seed=2, noise="off")
    flat, _ = run(runner, seed=1, truncation=0.0, noise="off")
    flat2, _ = run(runner, seed=2, truncation=0.0, noise="off")
    assert np.abs(a - b).mean() > 0 and np.array_equal(flat, flat2)
    noisy, _ = run(runner, seed=1, noise="fixed")
    assert np.abs(noisy - a).mean() > 0 and np.array_equal(noisy, run(runner, seed=1, noise="fixed")[0])


def test_projection_streams_once_then_edits_from_the_cache(runner):
    image = photo(1)
    first, frames = run(runner, image, source="canvas image", projection_steps=20)
    assert [s for s, _ in frames] == [5, 10, 15, 20, 21] and frames[-1] == (21, 21)
    again, frames = run(runner, image, source="canvas image", projection_steps=20)
    assert frames == [(21, 21)] and np.array_equal(first, again)  # cached: no optimisation frames
    edited, frames = run(runner, image, source="canvas image", projection_steps=20, pc1=2.0)
    assert frames == [(21, 21)] and np.abs(edited - first).mean() > 0
    _, frames = run(runner, photo(2), source="canvas image", projection_steps=20)
    assert len(frames) == 5  # a different picture is projected anew


def test_projection_fits_the_canvas_picture_better_than_a_random_face(runner):
    from PIL import Image

    image = photo(4)
    target = np.asarray(Image.fromarray(image).resize((16, 16), Image.Resampling.BOX), np.float64)
    projected, _ = run(runner, image, source="canvas image", projection_steps=60)
    seeded, _ = run(runner, image, truncation=1.0)
    assert np.abs(projected - target).mean() < np.abs(seeded - target).mean()


def test_missing_weights_say_how_to_train(monkeypatch, tmp_path):
    import gencanvas.plugins.stylegan_support as support

    monkeypatch.setattr(support, "weights_root", lambda: tmp_path)
    with pytest.raises(PluginError, match=re.escape("gencanvas.models.train stylegan")):
        run(JobRunner(device="cpu"))


def test_rapid_slider_requests_coalesce_to_the_latest(qtbot, tiny_stylegan):
    from gencanvas.qt.worker import GenerationWorker

    worker = GenerationWorker(JobRunner(device="cpu"))
    worker.start()
    finished, dropped = [], []
    worker.jobFinished.connect(lambda outcome: finished.append(outcome))
    worker.jobDropped.connect(dropped.append)
    plugin = StyleGANEdit()
    jobs = [
        Job(plugin, StyleGANEdit.params_for({})(pc1=v), PluginInputs(SIDE, SIDE, image=photo()), seed=3)
        for v in np.linspace(-3, 3, 60)
    ]
    try:
        for job in jobs:
            worker.submit(job)
        qtbot.waitUntil(
            lambda: bool(finished) and finished[-1].job.id == jobs[-1].id and not worker.busy, timeout=20_000
        )
    finally:
        assert worker.shutdown(5000)
    assert len(finished) + len(dropped) == len(jobs) and len(finished) < len(jobs)
    expected, _ = run(JobRunner(device="cpu"), pc1=3.0)
    np.testing.assert_array_equal(finished[-1].pixels, expected.astype(np.uint8))
