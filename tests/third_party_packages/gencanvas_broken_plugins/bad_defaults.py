"""A plugin whose defaults its own schema rejects: a slider default above its maximum."""

from __future__ import annotations

import numpy as np

from gencanvas.plugin_api import ParamsBase, Plugin, PluginInputs, RunContext, choice, slider


class BadDefaultsParams(ParamsBase):
    radius: int = slider(80, ge=1, le=50)
    style: str = choice("neon", ("pastel", "ink"))


class BadDefaults(Plugin[BadDefaultsParams]):
    id = "bad-defaults"
    title = "Bad defaults"
    Params = BadDefaultsParams
    runs = 0

    def run(self, inputs: PluginInputs, params: BadDefaultsParams, ctx: RunContext) -> np.ndarray:
        BadDefaults.runs += 1
        return np.zeros((inputs.height, inputs.width, 3), np.uint8)
