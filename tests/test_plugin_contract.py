"""Every registered plugin honours the contract: inputs, schema, frames, cancel, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from gencanvas.core.registry import default_registry
from gencanvas.testing import ContractCase, PluginContract, check_plugin, run_plugin

# Model-based plugins run their real code path with fewer steps so the contract stays quick.
FAST_PARAMS = {
    "diffusion-txt2img": {"steps": 3},
    "diffusion-inpaint": {"steps": 5, "resamples": 2, "jump_length": 2},
    "vae-interpolate": {"frames": 4},
    "vae-latent-grid": {"side": 3},
    "stylegan-edit": {"pc1": 1.0},
    **{f"sd-{task}": {"steps": 2} for task in ("txt2img", "img2img", "inpaint", "controlnet")},
}

REGISTRY = default_registry()


class TestEveryRegisteredPlugin(PluginContract):
    """The checks plugin authors get from gencanvas.testing, over every registered plugin."""

    @pytest.fixture(params=REGISTRY.ids())
    def contract_case(self, request, tiny_diffusion, tiny_vae, tiny_pix2pix, tiny_stylegan, tiny_sd) -> ContractCase:
        """Model-based plugins run on tiny random weights here."""
        return ContractCase.of(REGISTRY.get(request.param), FAST_PARAMS.get(request.param, {}))


def test_documented_example_plugin_works():
    """The worked example in plugins/README.md is real code that runs."""
    readme = (Path(__file__).parents[1] / "plugins" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(# my_gencanvas_plugins/posterize.py.*?)```", readme, re.S).group(1)
    namespace: dict = {}
    exec(compile(example, "plugins/README.md", "exec"), namespace)
    check_plugin(namespace["Posterize"])
    result, frames = run_plugin(ContractCase.of(namespace["Posterize"]))
    assert len(frames) == 8 and len(np.unique(result)) <= 4
