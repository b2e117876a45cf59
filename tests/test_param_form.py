"""Forms built from parameter schemas: every field type, round trips, seed lock and re-roll."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QPlainTextEdit
from superqt import QLabeledDoubleSlider, QLabeledSlider

from gencanvas.core.params import choice, model_choice, prompt, seed, slider, spin
from gencanvas.core.plugin_api import ParamsBase
from gencanvas.core.settings import Settings
from gencanvas.qt.param_form import ParamForm
from gencanvas.qt.settings_dialog import SettingsDialog


class EveryKind(ParamsBase):
    text: str = prompt("a red fox")
    steps: int = slider(20, ge=1, le=100)
    guidance: float = slider(7.5, ge=0.0, le=20.0, step=0.5)
    strength: float = spin(0.8, ge=0.0, le=1.0)
    sampler: Literal["ddim", "dpm++"] = Field("ddim")
    model: Literal["fashion", "emoji"] = model_choice("fashion")
    tiled: bool = False
    seed: int = seed(42)


def test_each_field_gets_the_widget_its_type_asks_for(qtbot):
    form = ParamForm(EveryKind)
    qtbot.addWidget(form)
    kinds = {name: type(form.editor(name).widget) for name in EveryKind.model_fields}
    assert kinds["text"] is QPlainTextEdit
    assert kinds["steps"] is QLabeledSlider and kinds["guidance"] is QLabeledDoubleSlider
    assert kinds["strength"] is QDoubleSpinBox
    assert kinds["sampler"] is QComboBox and kinds["model"] is QComboBox
    assert kinds["tiled"] is QCheckBox
    assert form.seed_widget is form.editor("seed").widget


def test_values_round_trip_and_validate(qtbot):
    form = ParamForm(EveryKind)
    qtbot.addWidget(form)
    assert EveryKind(**form.values()) == EveryKind()
    wanted = {
        "text": "a cat",
        "steps": 33,
        "guidance": 3.5,
        "strength": 0.25,
        "sampler": "dpm++",
        "model": "emoji",
        "tiled": True,
        "seed": 7,
    }
    form.set_values(wanted | {"not_a_field": 1})
    assert form.values() == wanted


def test_slider_bounds_come_from_the_schema(qtbot):
    form = ParamForm(EveryKind)
    qtbot.addWidget(form)
    steps = form.editor("steps").widget
    assert (steps.minimum(), steps.maximum()) == (1, 100)
    form.editor("steps").value = 10_000
    assert form.values()["steps"] == 100


def test_any_edit_emits_changed(qtbot):
    form = ParamForm(EveryKind)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.changed, timeout=1000):
        form.editor("tiled").value = True
    with qtbot.waitSignal(form.changed, timeout=1000):
        form.editor("text").value = "a dog"


def test_seed_rerolls_unless_locked(qtbot):
    form = ParamForm(EveryKind)
    qtbot.addWidget(form)
    seeds = {form.seed_widget.seed_for_next_run() for _ in range(5)}
    assert len(seeds) > 1
    form.seed_widget.lock.setChecked(True)
    assert {form.seed_widget.seed_for_next_run() for _ in range(5)} == {form.seed_widget.value}


def test_settings_dialog_is_built_from_the_settings_schema(qtbot, tmp_path):
    dialog = SettingsDialog(Settings(models_dir=tmp_path))
    qtbot.addWidget(dialog)
    dialog.form.set_values({"device": "cpu", "theme": "dark", "models_dir": tmp_path / "mine"})
    dialog.accept()
    assert dialog.result_settings == Settings(device="cpu", theme="dark", models_dir=Path(tmp_path / "mine"))


class RunTimeChoices(ParamsBase):
    model: str = model_choice("small", ("small", "large"))
    look: str = choice("soft", ["soft", "hard"])
    seed: int = seed(5)


class WithExtraSlider(RunTimeChoices):
    extra: float = slider(0.5, ge=0.0, le=1.0)


def test_run_time_choices_are_drop_downs_of_their_options(qtbot):
    form = ParamForm(RunTimeChoices)
    qtbot.addWidget(form)
    combo = form.editor("model").widget
    assert isinstance(combo, QComboBox) and isinstance(form.editor("look").widget, QComboBox)
    assert [combo.itemData(i) for i in range(combo.count())] == ["small", "large"]
    form.set_values({"model": "large"})
    assert RunTimeChoices(**form.values()).model == "large"


def test_set_schema_rebuilds_the_fields_and_keeps_shared_values_and_the_seed_lock(qtbot):
    form = ParamForm(RunTimeChoices)
    qtbot.addWidget(form)
    form.set_values({"look": "hard", "seed": 11})
    form.seed_widget.lock.setChecked(True)
    edited = []
    form.edited.connect(edited.append)
    form.set_schema(WithExtraSlider, form.values())
    assert form.values() == {"model": "small", "look": "hard", "seed": 11, "extra": 0.5}
    assert form.seed_widget.lock.isChecked() and not edited
    form.set_schema(RunTimeChoices, form.values())
    assert "extra" not in form.values() and form.findChild(QLabeledDoubleSlider, "param_extra") is None
