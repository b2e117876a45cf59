"""Every registered plugin honours the contract: inputs, schema, frames, cancel, determinism."""

from __future__ import annotations

import ast
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import gencanvas.plugin_api
import gencanvas.testing
from gencanvas.core.registry import PluginRegistry, default_registry
from gencanvas.testing import ContractCase, PluginContract, check_plugin, run_plugin

# Model-based plugins run their real code path with fewer steps so the contract stays quick.
FAST_PARAMS = {
    "diffusion-txt2img": {"steps": 3},
    "diffusion-inpaint": {"steps": 5, "resamples": 2, "jump_length": 2},
    "vae-interpolate": {"frames": 4},
    "vae-latent-grid": {"side": 3},
    "stylegan-edit": {"pc1": 1.0},
    "upscale-hires": {"steps": 4},
    **{f"sd-{task}": {"steps": 2} for task in ("txt2img", "img2img", "inpaint", "controlnet")},
}

REGISTRY = default_registry()


class TestEveryRegisteredPlugin(PluginContract):
    """The checks plugin authors get from gencanvas.testing, over every registered plugin."""

    @pytest.fixture(params=REGISTRY.ids())
    def contract_case(self, request, tiny_diffusion, tiny_vae, tiny_pix2pix, tiny_stylegan, tiny_sd) -> ContractCase:
        """Model-based plugins run on tiny random weights here."""
        return ContractCase.of(REGISTRY.get(request.param), FAST_PARAMS.get(request.param, {}))


README = Path(__file__).parents[1] / "plugins" / "README.md"


def readme_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_documented_example_plugin_works():
    """The worked example in plugins/README.md is real code that passes the contract."""
    (example,) = [block for block in readme_blocks("python") if block.startswith("# my_gencanvas_plugins/posterize.py")]
    namespace: dict = {}
    exec(compile(example, "plugins/README.md", "exec"), namespace)
    check_plugin(namespace["Posterize"])
    result, frames = run_plugin(ContractCase.of(namespace["Posterize"]))
    assert len(frames) == 8 and len(np.unique(result)) <= 4


def test_readme_plugin_samples_load_through_the_registry(monkeypatch):
    """Every self-contained sample (one that imports gencanvas.plugin_api) defines plugins the
    registry accepts (API version, defaults, fields the form can show) and that pass the contract."""
    samples = [block for block in readme_blocks("python") if "from gencanvas.plugin_api import" in block]
    loaded = []
    for number, block in enumerate(samples):
        module = types.ModuleType(f"readme_sample_{number}")
        monkeypatch.setitem(sys.modules, module.__name__, module)  # pydantic resolves annotations there
        exec(compile(block, "plugins/README.md", "exec"), module.__dict__)
        plugins = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, gencanvas.plugin_api.Plugin)
            if value.__module__ == module.__name__
        ]
        assert plugins, f"README sample {number} defines no plugin"
        registry = PluginRegistry()
        for plugin_type in plugins:
            registry.register(plugin_type.id, plugin_type)
            assert registry.get(plugin_type.id) is plugin_type, registry.failures
            check_plugin(plugin_type)
            params = plugin_type.params_for({})()  # live mode asks this of every request
            assert plugin_type.live_triggers(params) <= plugin_type.canvas_inputs()
            loaded.append(plugin_type.id)
    assert {"recolour", "latent-edit", "tint", "posterize"} <= set(loaded)


def test_readme_samples_compile_and_import_only_the_public_api():
    """Authors copy these: every sample parses, and imports from gencanvas only what the public modules export."""
    public = {"gencanvas.plugin_api": gencanvas.plugin_api, "gencanvas.testing": gencanvas.testing}
    blocks = readme_blocks("python")
    assert len(blocks) >= 5
    for block in blocks:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gencanvas"):
                assert node.module in public, f"README imports the internal module {node.module}"
                exported = set(public[node.module].__all__)
                assert {alias.name for alias in node.names} <= exported, f"README imports what {node.module} lacks"


def test_readme_entry_point_names_the_example_class():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    (pyproject,) = [tomllib.loads(block) for block in readme_blocks("toml")]
    assert "gencanvas" in pyproject["project"]["dependencies"]
    assert pyproject["project"]["entry-points"]["gencanvas.plugins"] == {
        "posterize": "my_gencanvas_plugins.posterize:Posterize"
    }
