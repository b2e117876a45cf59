"""The public plugin API: what it exports, version checks, optional inputs, run-time choices."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from pydantic import ValidationError

import gencanvas.plugin_api as api
from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.registry import PluginRegistry, api_problem, class_problem

ROOT = Path(__file__).resolve().parents[1]


def test_the_public_module_exports_what_an_author_needs():
    needed = {"Plugin", "ParamsBase", "PluginInputs", "InputKind", "RunContext", "PluginError", "API_VERSION"}
    needed |= {"slider", "spin", "choice", "prompt", "seed", "model_choice"}
    assert needed <= set(api.__all__)
    assert all(hasattr(api, name) for name in api.__all__)
    assert api.API_VERSION == "1.1" and api.Plugin.api_version == api.API_VERSION


def test_built_in_plugins_use_the_public_api_not_the_internal_modules():
    internal = {"gencanvas.core.plugin_api", "gencanvas.core.params"}
    for path in sorted((ROOT / "plugins").glob("*.py")):
        imported = {
            node.module for node in ast.walk(ast.parse(path.read_text("utf-8"))) if isinstance(node, ast.ImportFrom)
        }
        assert not imported & internal, f"{path.name} imports {imported & internal}"


@pytest.mark.parametrize(
    ("required", "offered", "ok"),
    [
        ("1.0", "1.0", True),
        ("1.0", "1.3", True),  # minor releases only add
        ("1.2", "1.3", True),
        ("1.4", "1.3", False),  # may use what 1.3 lacks
        ("2.0", "1.3", False),
        ("0.9", "1.0", False),
        ("one", "1.0", False),
        ("1", "1.0", False),
    ],
)
def test_api_versions_are_compatible_within_a_major_up_to_the_offered_minor(required, offered, ok):
    problem = api_problem(required, offered)
    assert (problem is None) is ok, problem
    if not ok:
        assert required in problem and "\n" not in problem


class ImageOnlyParams(api.ParamsBase):
    level: int = api.slider(3, ge=1, le=5)


class SeesLayers(api.Plugin[ImageOnlyParams]):
    id = "sees-layers"
    title = "Sees layers"
    inputs = frozenset({api.InputKind.IMAGE})
    optional_inputs = frozenset({api.InputKind.MASK})
    Params = ImageOnlyParams
    seen: list[api.PluginInputs] = []  # noqa: RUF012 - the tests read what each run got

    def run(self, inputs: api.PluginInputs, params: ImageOnlyParams, ctx: api.RunContext) -> np.ndarray:
        SeesLayers.seen.append(inputs)
        return inputs.require(api.InputKind.IMAGE)


def run_sees_layers(**layers: np.ndarray) -> api.PluginInputs:
    job = Job(SeesLayers(), ImageOnlyParams(), api.PluginInputs(8, 8, **layers))
    JobRunner(device="cpu").run(job, lambda *_: None)
    return SeesLayers.seen[-1]


def test_a_missing_or_empty_optional_input_arrives_as_none():
    image = np.zeros((8, 8, 3), np.uint8)
    assert run_sees_layers(image=image).mask is None
    assert run_sees_layers(image=image, mask=np.zeros((8, 8), bool)).mask is None  # empty counts as missing
    mask = np.zeros((8, 8), bool)
    mask[2, 2] = True
    assert run_sees_layers(image=image, mask=mask).mask is mask


def test_undeclared_layers_are_not_handed_over():
    sketch = np.full((8, 8, 4), 255, np.uint8)
    assert run_sees_layers(image=np.zeros((8, 8, 3), np.uint8), sketch=sketch).sketch is None


def test_a_missing_required_input_names_the_plugin_and_what_it_needs():
    class NeedsTwo(SeesLayers):
        title = "Needs two"
        inputs = frozenset({api.InputKind.SKETCH, api.InputKind.MASK})

    with pytest.raises(api.MissingInputError) as caught:
        NeedsTwo.prepare_inputs(api.PluginInputs(8, 8, mask=np.zeros((8, 8), bool)))
    message = str(caught.value)
    assert message.startswith("Needs two needs a mask and a sketch:") and "paint the area to fill" not in message
    assert caught.value.kinds == (api.InputKind.MASK, api.InputKind.SKETCH)


class ChoiceParams(api.ParamsBase):
    model: str = api.model_choice("small", ("small", "large"), description="Installed model")
    look: str = api.choice("soft", ["soft", "hard"])


def test_run_time_choices_validate_and_appear_in_the_schema():
    assert ChoiceParams(model="large").model == "large"
    with pytest.raises(ValidationError, match="must be one of: small, large"):
        ChoiceParams(model="huge")
    params = ChoiceParams()
    with pytest.raises(ValidationError, match="must be one of: soft, hard"):
        params.look = "loud"  # assignment is validated too
    schema = ChoiceParams.model_json_schema()["properties"]
    assert schema["model"]["enum"] == ["small", "large"] and schema["look"]["enum"] == ["soft", "hard"]


def test_a_plugin_registered_by_class_is_checked_like_an_entry_point():
    class Bad(SeesLayers):
        class Params(api.ParamsBase):  # a choice default not among the choices
            look: str = api.choice("loud", ["soft", "hard"])

    registry = PluginRegistry()
    registry.register("bad", Bad)
    registry.register("good", SeesLayers)
    assert list(registry.load_all()) == ["good"]
    assert "invalid default parameters: look: Value error, must be one of: soft, hard" in registry.failures["bad"]
    with pytest.raises(api.PluginError, match="'bad' failed to load"):
        registry.get("bad")


def test_incomplete_classes_are_refused():
    class NoRun(api.Plugin[api.ParamsBase]):
        id = "no-run"
        title = "No run"

    assert "does not implement run" in class_problem(NoRun)
    assert "not a Plugin subclass" in class_problem(object)


def test_a_field_the_form_cannot_show_is_refused_at_load():
    class ListParams(api.ParamsBase):
        sizes: tuple[int, ...] = (1, 2)

    class Lists(SeesLayers):
        Params = ListParams  # deliberately a schema the form cannot show

    assert "no widget for the type of sizes" in class_problem(Lists)


def test_self_test_values_are_validated_at_load_like_defaults():
    from gencanvas.core.registry import PluginRegistry
    from gencanvas.plugin_api import ParamsBase, Plugin, slider

    class QuickParams(ParamsBase):
        steps: int = slider(20, ge=2, le=50)

    class Quick(Plugin[QuickParams]):
        id = "quick"
        title = "Quick"
        inputs = frozenset()
        Params = QuickParams
        self_test_values: ClassVar[dict[str, Any]] = {"steps": 1}  # below the minimum

        def run(self, inputs, params, ctx):
            raise AssertionError("never runs")

    registry = PluginRegistry()
    registry.register("quick", Quick)
    assert "quick" not in registry.load_all()
    assert "steps" in registry.failures["quick"]
