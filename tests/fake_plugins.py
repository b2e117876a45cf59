"""Tiny deterministic plugins for worker, window and contract tests."""

from __future__ import annotations

import threading
import time

import numpy as np

from gencanvas.core.params import seed, slider
from gencanvas.core.plugin_api import InputKind, ParamsBase, Plugin, PluginInputs, RunContext


class StreamParams(ParamsBase):
    steps: int = slider(5, ge=1, le=1000)
    step_seconds: float = slider(0.0, ge=0.0, le=5.0)
    seed: int = seed(0)


class StreamPlugin(Plugin):
    """Emits ``steps`` frames whose pixel value is the step number, then a seeded image."""

    id = "test-stream"
    title = "Test stream"
    Params = StreamParams
    interactive = True
    steps_run: list[int]

    def __init__(self) -> None:
        self.steps_run = []
        self.started = threading.Event()

    def run(self, inputs: PluginInputs, params: StreamParams, ctx: RunContext) -> np.ndarray:
        self.started.set()
        for step in range(1, params.steps + 1):
            if params.step_seconds:
                time.sleep(params.step_seconds)
            self.steps_run.append(step)
            ctx.emit(np.full((inputs.height, inputs.width, 3), step % 256, np.uint8), step, params.steps)
        return ctx.rng.integers(0, 256, (inputs.height, inputs.width, 3), dtype=np.uint8)


class FailingPlugin(Plugin):
    id = "test-fail"
    title = "Test failure"

    def run(self, inputs, params, ctx):
        raise ValueError("the plugin broke on purpose")


class OutOfMemoryError(RuntimeError):
    """Same class name as torch.cuda.OutOfMemoryError, without needing a GPU."""


class OomPlugin(Plugin):
    id = "test-oom"
    title = "Test out-of-memory"

    def run(self, inputs, params, ctx):
        ctx.models.get(("big-model",), lambda: object())
        raise OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


class SketchEchoPlugin(Plugin):
    """Returns the sketch composited on white: checks the sketch input path end to end."""

    id = "test-sketch-echo"
    title = "Test sketch echo"
    inputs = frozenset({InputKind.SKETCH})

    def run(self, inputs, params, ctx):
        sketch = inputs.require(InputKind.SKETCH).astype(np.float32)
        alpha = sketch[..., 3:4] / 255
        out = sketch[..., :3] * alpha + 255 * (1 - alpha)
        ctx.emit(out.astype(np.uint8), 1, 1)
        return out.round().astype(np.uint8)


class LiveSketchParams(ParamsBase):
    gain: int = slider(0, ge=0, le=100)
    use_sketch: bool = True


class LiveSketchPlugin(Plugin):
    """A live plugin that reads the sketch only while ``use_sketch`` is on (as StyleGAN reads
    the photo only with *Source: canvas image*); the result's red channel is ``gain``."""

    id = "test-live-sketch"
    title = "Test live sketch"
    inputs = frozenset({InputKind.SKETCH})
    Params = LiveSketchParams
    interactive = True

    @classmethod
    def live_triggers(cls, params: LiveSketchParams) -> frozenset[InputKind]:  # type: ignore[override]
        return cls.inputs if params.use_sketch else frozenset()

    def run(self, inputs: PluginInputs, params: LiveSketchParams, ctx: RunContext) -> np.ndarray:
        out = np.zeros((inputs.height, inputs.width, 3), np.uint8)
        out[..., 0] = params.gain
        if params.use_sketch:
            out[..., 1] = inputs.require(InputKind.SKETCH)[..., 3]
        ctx.emit(out, 1, 1)
        return out


FAKE_PLUGINS: tuple[type[Plugin], ...] = (StreamPlugin, FailingPlugin, OomPlugin, SketchEchoPlugin, LiveSketchPlugin)
