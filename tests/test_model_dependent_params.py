"""Forms that depend on a choice: the panel rebuilds them, restores onto the right model, and the CLI agrees."""

from __future__ import annotations

import pytest

from gencanvas.cli import _build_job
from gencanvas.core.param_values import resolve_values
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.plugins.diffusion_support import default_guidance
from gencanvas.plugins.diffusion_txt2img import DiffusionTextToImage
from gencanvas.plugins.stylegan_edit import StyleGANEdit
from gencanvas.qt.plugin_panel import PluginPanel
from tests.third_party_fixtures import third_party_plugins  # noqa: F401


def choose(panel: PluginPanel, field: str, value: str) -> None:
    """Pick ``value`` in a drop-down as the user would (an edit, not set_values)."""
    combo = panel.current_form().editor(field).widget
    combo.setCurrentIndex(combo.findData(value))


def slider_names(panel: PluginPanel) -> set[str]:
    return set(panel.current_form().values())


@pytest.fixture
def stylegan_panel(qtbot) -> PluginPanel:
    panel = PluginPanel({"stylegan-edit": StyleGANEdit})
    qtbot.addWidget(panel)
    return panel


def test_stylegan_shows_only_the_chosen_models_directions(stylegan_panel, qtbot):
    panel = stylegan_panel
    assert panel.current_values()["model"] == "stylegan-emoji-faces"
    faces = slider_names(panel)
    assert {"pc1", "pc5"} <= faces and not {"trouser", "sneaker", "bag", "dress"} & faces
    panel.current_form().set_values({"seed": 99, "truncation": 0.4})
    choose(panel, "model", "stylegan-fashion")
    names = slider_names(panel)
    assert {"pc1", "trouser", "sneaker", "bag", "dress"} <= names
    assert panel.current_values()["seed"] == 99 and panel.current_values()["truncation"] == 0.4  # kept
    assert panel.findChild(object, "param_dress") is not None
    StyleGANEdit.params_for(panel.current_values())(**panel.current_values())  # what Generate validates


def test_stored_parameters_restore_onto_their_model(stylegan_panel):
    panel = stylegan_panel
    choose(panel, "model", "stylegan-fashion")
    stored = StyleGANEdit.params_for({"model": "stylegan-emoji-faces"})(model="stylegan-emoji-faces", pc2=2.5, seed=4)
    panel.restore("stylegan-edit", stored.model_dump(mode="json"))
    values = panel.current_values()
    assert values["model"] == "stylegan-emoji-faces" and values["pc2"] == 2.5 and "dress" not in values
    assert panel.current_form().seed_widget.lock.isChecked()
    stored = StyleGANEdit.params_for({"model": "stylegan-fashion"})(model="stylegan-fashion", dress=-1.5)
    panel.restore("stylegan-edit", stored.model_dump(mode="json"))
    assert panel.current_values()["dress"] == -1.5 and panel.current_values()["pc2"] == 0.0


def test_cli_and_panel_give_a_model_the_same_defaults(qtbot):
    panel = PluginPanel({"diffusion-txt2img": DiffusionTextToImage})
    qtbot.addWidget(panel)
    other = next(m for m in ("fashion", "emoji") if m != panel.current_values()["model"])
    choose(panel, "model", other)
    in_panel = panel.current_values()["guidance"]
    assert in_panel == default_guidance(other)
    assert resolve_values(DiffusionTextToImage, {"model": other})["guidance"] == in_panel
    job = _build_job(DiffusionTextToImage, [f"model={other}"], PluginInputs(32, 32))
    assert job.params.guidance == in_panel
    job = _build_job(DiffusionTextToImage, [f"model={other}", "guidance=9"], PluginInputs(32, 32))
    assert job.params.guidance == 9.0  # what the user gives wins


def test_fashion_guidance_on_the_command_line_is_its_own():
    """The issue's case: ``--param model=fashion`` ran at the emoji model's guidance 5."""
    job = _build_job(DiffusionTextToImage, ["model=fashion"], PluginInputs(32, 32))
    assert job.params.guidance == default_guidance("fashion") != default_guidance("emoji")


@pytest.mark.usefixtures("third_party_plugins")
def test_a_third_party_form_follows_its_choice_in_the_panel(qtbot):
    from gencanvas.core.registry import default_registry

    tint = default_registry().get("demo-tint")
    panel = PluginPanel({"demo-tint": tint})
    qtbot.addWidget(panel)
    assert slider_names(panel) == {"palette", "strength", "warmth"}
    choose(panel, "palette", "cool")
    assert slider_names(panel) == {"palette", "strength", "chill"}
    assert panel.current_values()["strength"] == 0.25  # the palette's own default, as on the command line
    assert resolve_values(tint, {"palette": "cool"}) == panel.current_values()


def test_the_window_generates_with_the_chosen_models_sliders_and_restores_them(qtbot, window):
    """Through the real window: Generate validates in the chosen model's schema; History restores onto it."""
    window.panel.set_plugin("stylegan-edit")
    window.panel.live.setChecked(False)  # one Generate, no live re-runs
    choose(window.panel, "model", "stylegan-fashion")
    window.panel.current_form().set_values({"dress": 1.5})
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=30_000) as blocker:
        assert window.generation.generate() is not None
    stored = blocker.args[0].metadata.params
    assert stored["model"] == "stylegan-fashion" and stored["dress"] == 1.5
    choose(window.panel, "model", "stylegan-emoji-faces")
    assert "dress" not in window.panel.current_values()
    window.panel.restore("stylegan-edit", stored)
    assert window.panel.current_values()["dress"] == 1.5
