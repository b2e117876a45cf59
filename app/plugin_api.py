"""The public plugin API of GenCanvas: everything a plugin author imports, and its version.

Third-party plugins import from here and nowhere else; every other module of the
``gencanvas`` package is internal and may change without notice. ``API_VERSION`` follows
semantic versioning: a minor release only adds, a major release may break plugins.

    from gencanvas.plugin_api import Plugin, ParamsBase, PluginInputs, InputKind, RunContext, slider
"""

from __future__ import annotations

from gencanvas.core.animation import tile
from gencanvas.core.params import model_choice, prompt, seed, slider, spin
from gencanvas.core.plugin_api import (
    InputKind,
    JobCancelled,
    MissingInputError,
    ParamsBase,
    Plugin,
    PluginError,
    PluginInputs,
    RunContext,
    as_rgb_uint8,
)

API_VERSION = "1.0"

__all__ = [
    "API_VERSION",
    "InputKind",
    "JobCancelled",
    "MissingInputError",
    "ParamsBase",
    "Plugin",
    "PluginError",
    "PluginInputs",
    "RunContext",
    "as_rgb_uint8",
    "model_choice",
    "prompt",
    "seed",
    "slider",
    "spin",
    "tile",
]
