"""The public plugin API of GenCanvas: everything a plugin author imports, and its version.

Third-party plugins import from here and nowhere else; every other module of the
``gencanvas`` package is internal and may change without notice. ``API_VERSION`` follows
semantic versioning: a minor release only adds, a major release may break plugins. A
plugin declares the version it was written for (``api_version = "1.0"``); the app refuses
one that needs another major version or a newer minor version than it offers, and lists
it as failed with the reason.

    from gencanvas.plugin_api import InputKind, ParamsBase, Plugin, PluginInputs, RunContext, slider

    class PosterizeParams(ParamsBase):
        levels: int = slider(4, ge=2, le=16)

    class Posterize(Plugin[PosterizeParams]):
        id = "posterize"
        title = "Posterize"
        api_version = "1.0"
        inputs = frozenset({InputKind.IMAGE})        # required: no run without them
        optional_inputs = frozenset({InputKind.MASK})  # None when the canvas has none
        Params = PosterizeParams

        def run(self, inputs: PluginInputs, params: PosterizeParams, ctx: RunContext) -> np.ndarray: ...

Parameters whose options are found at run time (installed models) are ``str`` fields made
with ``model_choice(default, names)`` or ``choice(default, names)``; a form that depends on
such a choice overrides ``Plugin.params_for(values)``, and settings that follow a choice
(a model's own default guidance) ``Plugin.linked_values``.
"""

from __future__ import annotations

from gencanvas.core.animation import tile
from gencanvas.core.params import choice, model_choice, prompt, seed, slider, spin
from gencanvas.core.plugin_api import (
    API_VERSION,
    FrameSink,
    InputKind,
    JobCancelled,
    MissingInputError,
    ModelCache,
    ParamsBase,
    Plugin,
    PluginError,
    PluginInputs,
    Region,
    RunContext,
    as_rgb_uint8,
)

__all__ = [
    "API_VERSION",
    "FrameSink",
    "InputKind",
    "JobCancelled",
    "MissingInputError",
    "ModelCache",
    "ParamsBase",
    "Plugin",
    "PluginError",
    "PluginInputs",
    "Region",
    "RunContext",
    "as_rgb_uint8",
    "choice",
    "model_choice",
    "prompt",
    "seed",
    "slider",
    "spin",
    "tile",
]
