"""Every registered plugin honours the contract: inputs, schema, frames, cancel, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import InputKind, JobCancelled, ParamsBase, Plugin, PluginInputs
from gencanvas.core.registry import PluginRegistry, default_registry

SIDE = 48
# Model-based plugins run their real code path with fewer steps so the contract stays quick.
FAST_PARAMS = {
    "diffusion-txt2img": {"steps": 3},
    "diffusion-inpaint": {"steps": 5, "resamples": 2, "jump_length": 2},
    "vae-interpolate": {"frames": 4},
    "vae-latent-grid": {"side": 3},
    "stylegan-edit": {"pc1": 1.0},
    **{f"sd-{task}": {"steps": 2} for task in ("txt2img", "img2img", "inpaint", "controlnet")},
}


def tiny_inputs(plugin_type: type[Plugin]) -> PluginInputs:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8)
    sketch = np.zeros((SIDE, SIDE, 4), np.uint8)
    sketch[10:12, 5:40] = (0, 0, 0, 255)
    mask = np.zeros((SIDE, SIDE), bool)
    mask[16:28, 16:28] = True
    layers = {"image": image, "sketch": sketch, "mask": mask}
    return PluginInputs(SIDE, SIDE, **{k.value: layers[k.value] for k in plugin_type.inputs})


def fast_params(plugin_type: type[Plugin]) -> ParamsBase:
    return plugin_type.Params(**FAST_PARAMS.get(plugin_type.id, {}))


def collect_run(plugin_type: type[Plugin], seed: int = 7):
    frames: list[tuple[np.ndarray, int, int]] = []
    job = Job(plugin_type(), fast_params(plugin_type), tiny_inputs(plugin_type), seed=seed)
    result = JobRunner(device="cpu").run(job, lambda f, s, t: frames.append((f.copy(), s, t)))
    return result, frames


REGISTRY = default_registry()


@pytest.fixture(params=REGISTRY.ids())
def plugin_type(request, tiny_diffusion, tiny_vae, tiny_pix2pix, tiny_stylegan, tiny_sd) -> type[Plugin]:
    """Every registered plugin; model-based ones run on tiny random weights here."""
    return REGISTRY.get(request.param)


def test_declares_identity_inputs_and_schema(plugin_type):
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", plugin_type.id)
    assert plugin_type.title and isinstance(plugin_type.description, str)
    assert set(plugin_type.inputs) <= set(InputKind)
    assert issubclass(plugin_type.Params, ParamsBase)
    plugin_type.Params()  # defaults must validate
    assert "properties" in plugin_type.Params.model_json_schema() or not plugin_type.Params.model_fields


def test_runs_on_tiny_inputs_and_streams_frames_in_order(plugin_type):
    result, frames = collect_run(plugin_type)
    assert result.dtype == np.uint8 and result.ndim == 3 and result.shape[2] == 3
    assert frames, "a plugin must stream at least one frame"
    steps = [step for _, step, _ in frames]
    assert steps == sorted(steps) and all(1 <= s <= t for _, s, t in frames)
    assert all(f.dtype == np.uint8 and f.shape[2] == 3 for f, _, _ in frames)


def test_same_seed_same_image(plugin_type):
    first, _ = collect_run(plugin_type, seed=3)
    second, _ = collect_run(plugin_type, seed=3)
    np.testing.assert_array_equal(first, second)


def test_cancel_at_first_frame_stops_the_run(plugin_type):
    """Cancelling during the first frame: no further frame, and no result is delivered."""
    job = Job(plugin_type(), fast_params(plugin_type), tiny_inputs(plugin_type))
    frames: list[int] = []

    def sink(frame, step, total):
        frames.append(step)
        job.cancel()

    with pytest.raises(JobCancelled):
        JobRunner(device="cpu").run(job, sink)
    assert len(frames) == 1, "no frame may be emitted after cancel"


def test_documented_example_plugin_works():
    """The worked example in plugins/README.md is real code that runs."""
    readme = (Path(__file__).parents[1] / "plugins" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(# my_gencanvas_plugins/posterize.py.*?)```", readme, re.S).group(1)
    namespace: dict = {}
    exec(compile(example, "plugins/README.md", "exec"), namespace)
    registry = PluginRegistry()
    registry.register("posterize", namespace["Posterize"])
    result, frames = collect_run(registry.get("posterize"))
    assert len(frames) == 8 and len(np.unique(result)) <= 4
