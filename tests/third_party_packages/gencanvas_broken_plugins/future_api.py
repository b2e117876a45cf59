"""Plugins written for plugin APIs this GenCanvas does not offer."""

from __future__ import annotations

import numpy as np

from gencanvas.plugin_api import ParamsBase, Plugin, PluginInputs, RunContext


class NextMajor(Plugin[ParamsBase]):
    id = "next-major"
    title = "Needs API 2.0"
    api_version = "2.0"

    def run(self, inputs: PluginInputs, params: ParamsBase, ctx: RunContext) -> np.ndarray:
        return np.zeros((inputs.height, inputs.width, 3), np.uint8)


class NewerMinor(NextMajor):
    id = "newer-minor"
    title = "Needs API 1.9"
    api_version = "1.9"
