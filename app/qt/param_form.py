"""A form built from a pydantic model: plugin parameters and the Settings dialog alike.

Each field becomes a widget chosen from its annotation and ``widget`` hint (see
app/core/params.py): superqt's labelled sliders for bounded numbers, spin boxes, combo
boxes for ``Literal``, text boxes (a prompt whose field lists ``suggestions`` in its
``json_schema_extra`` completes from them), and a seed widget with lock and re-roll.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)
from superqt import QLabeledDoubleSlider, QLabeledSlider

from gencanvas.core.params import (
    SEED_MAX,
    defaults_of,
    field_bounds,
    field_choices,
    field_step,
    reroll_seed,
    widget_hint,
)


class SeedWidget(QWidget):
    """Seed spin box, a lock, and a dice button. Unlocked seeds re-roll on every Generate."""

    valueChanged = Signal(int)

    def __init__(self, value: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = QSpinBox(maximum=SEED_MAX, value=value)
        self.lock = QCheckBox("Lock")
        self.lock.setToolTip("Keep this seed for the next Generate")
        self.dice = QToolButton()
        self.dice.setText("🎲")
        self.dice.setToolTip("New random seed")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.spin, self.lock, self.dice):
            layout.addWidget(widget)
        self.spin.valueChanged.connect(self.valueChanged)
        self.dice.clicked.connect(self.reroll)

    @property
    def value(self) -> int:
        return self.spin.value()

    @value.setter
    def value(self, seed: int) -> None:
        self.spin.setValue(seed)

    def reroll(self) -> None:
        self.spin.setValue(reroll_seed())

    def seed_for_next_run(self) -> int:
        """The seed a Generate should use: the shown one when locked, else a fresh one (then shown)."""
        if not self.lock.isChecked():
            self.reroll()
        return self.value


def _label(name: str, info: FieldInfo) -> str:
    return info.title or name.replace("_", " ").capitalize()


@dataclass
class FieldEditor:
    """One field's widget with uniform access, whatever Qt widget backs it."""

    widget: QWidget
    get: Callable[[], Any]
    set: Callable[[Any], None]
    changed: SignalInstance

    @property
    def value(self) -> Any:
        return self.get()

    @value.setter
    def value(self, new: Any) -> None:
        self.set(new)


def _number_editor(annotation: Any, info: FieldInfo, value: Any) -> FieldEditor:
    """A slider when the field asks for one, else a spin box; ints and floats get their own widgets."""
    low, high = field_bounds(info)
    step = field_step(info)
    horizontal = Qt.Orientation.Horizontal
    if annotation is int:
        int_low = int(low) if low is not None else -(2**31)
        int_high = int(high) if high is not None else 2**31 - 1
        int_editor = QLabeledSlider(horizontal) if widget_hint(info) == "slider" else QSpinBox()
        int_editor.setRange(int_low, int_high)
        if step is not None:
            int_editor.setSingleStep(int(step))
        int_editor.setValue(value)
        return FieldEditor(int_editor, int_editor.value, int_editor.setValue, int_editor.valueChanged)
    float_low = float(low) if low is not None else -1e9
    float_high = float(high) if high is not None else 1e9
    float_editor = QLabeledDoubleSlider(horizontal) if widget_hint(info) == "slider" else QDoubleSpinBox()
    if isinstance(float_editor, QDoubleSpinBox):
        float_editor.setDecimals(3)
    float_editor.setRange(float_low, float_high)
    if step is not None:
        float_editor.setSingleStep(float(step))  # type: ignore[arg-type]  # superqt's stub says int; it takes float
    float_editor.setValue(value)
    return FieldEditor(float_editor, float_editor.value, float_editor.setValue, float_editor.valueChanged)


def _choice_editor(choices: list[Any], value: Any) -> FieldEditor:
    combo = QComboBox()
    for choice in choices:
        combo.addItem(str(choice), choice)
    combo.setCurrentIndex(max(0, combo.findData(value)))
    return FieldEditor(
        combo, combo.currentData, lambda v: combo.setCurrentIndex(max(0, combo.findData(v))), combo.currentIndexChanged
    )


def _attach_completer(edit: QPlainTextEdit, suggestions: list[str]) -> None:
    """Offer ``suggestions`` containing what the user types (a model's known captions) while the box has focus."""
    completer = QCompleter(suggestions, edit)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setWidget(edit)
    edit.setProperty("completer", completer)  # found by tests and kept alive with the box

    def offer() -> None:
        text = edit.toPlainText().strip()
        if edit.hasFocus() and len(text) >= 2 and text not in suggestions:
            completer.setCompletionPrefix(text)
            if completer.completionCount():
                completer.complete(edit.cursorRect())
                return
        if (popup := completer.popup()) is not None:
            popup.hide()

    def accept(text: str) -> None:
        edit.setPlainText(text)
        edit.moveCursor(QTextCursor.MoveOperation.End)

    edit.textChanged.connect(offer)
    completer.activated.connect(accept)


def _text_editor(info: FieldInfo, value: str) -> FieldEditor:
    if widget_hint(info) == "prompt":
        edit = QPlainTextEdit(value)
        edit.setMaximumHeight(90)
        suggestions = info.json_schema_extra.get("suggestions") if isinstance(info.json_schema_extra, dict) else None
        if isinstance(suggestions, list) and suggestions:
            _attach_completer(edit, [str(s) for s in suggestions])
        return FieldEditor(edit, edit.toPlainText, edit.setPlainText, edit.textChanged)
    line = QLineEdit(value)
    return FieldEditor(line, line.text, line.setText, line.textChanged)


def _path_editor(value: Path) -> FieldEditor:
    line = QLineEdit(str(value))
    browse = QToolButton()
    browse.setText("…")
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(line)
    layout.addWidget(browse)

    def pick() -> None:
        folder = QFileDialog.getExistingDirectory(box, "Choose folder", line.text())
        if folder:
            line.setText(folder)

    browse.clicked.connect(pick)
    return FieldEditor(box, lambda: Path(line.text()), lambda v: line.setText(str(v)), line.textChanged)


def make_editor(info: FieldInfo, value: Any) -> FieldEditor:
    """The widget for one field, from its annotation and ``widget`` hint."""
    annotation = info.annotation
    if widget_hint(info) == "seed":
        seed_widget = SeedWidget(int(value))
        return FieldEditor(
            seed_widget,
            lambda: seed_widget.value,
            lambda v: setattr(seed_widget, "value", int(v)),
            seed_widget.valueChanged,
        )
    choices = field_choices(info)
    if choices is not None:
        return _choice_editor(choices, value)
    if annotation is bool:
        check = QCheckBox()
        check.setChecked(bool(value))
        return FieldEditor(check, check.isChecked, check.setChecked, check.toggled)
    if annotation in (int, float):
        return _number_editor(annotation, info, value)
    if annotation is str:
        return _text_editor(info, value)
    if annotation is Path:
        return _path_editor(value)
    raise TypeError(f"no editor for a field of type {annotation!r}")


class ParamForm(QWidget):
    """Widgets for every field of ``schema``; ``values()`` is ready for ``schema(**values)``."""

    changed = Signal()
    edited = Signal(str)  # a field's name, when the user (not set_values) changed it

    def __init__(self, schema: type[BaseModel], values: dict[str, Any] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.schema = schema
        self._editors: dict[str, FieldEditor] = {}
        self.seed_widget: SeedWidget | None = None
        self._setting_values = False
        self._layout = QFormLayout(self)
        self._build(values or {})

    def set_schema(self, schema: type[BaseModel], values: dict[str, Any]) -> None:
        """Rebuild the widgets for ``schema`` (e.g. another model's sliders), showing ``values``.

        Fields the new schema shares keep the seed lock and the values given; new ones start
        at their default. Emits no ``edited`` (the user did not edit anything) but ``changed``.
        """
        locked = self.seed_widget is not None and self.seed_widget.lock.isChecked()
        while self._layout.rowCount():  # taken, not removed: the edited widget may be mid-signal
            row = self._layout.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.blockSignals(True)
                    widget.setObjectName("")
                    widget.hide()
                    widget.deleteLater()
        self._editors.clear()
        self.seed_widget = None
        self.schema = schema
        self._build(values)
        if self.seed_widget is not None:
            self.seed_widget.lock.setChecked(locked)
        self.changed.emit()

    def _build(self, values: dict[str, Any]) -> None:
        schema = self.schema
        current = defaults_of(schema) | {k: v for k, v in values.items() if k in schema.model_fields}
        layout = self._layout
        for name, info in schema.model_fields.items():
            editor = make_editor(info, current[name])
            editor.widget.setToolTip(info.description or "")
            editor.widget.setObjectName(f"param_{name}")
            editor.changed.connect(lambda *_args, field=name: self._on_editor_changed(field))
            if isinstance(editor.widget, SeedWidget):
                self.seed_widget = editor.widget
            label = QLabel(_label(name, info))
            label.setToolTip(info.description or "")
            layout.addRow(label, editor.widget)
            self._editors[name] = editor

    def _on_editor_changed(self, name: str) -> None:
        if not self._setting_values:
            self.edited.emit(name)
        self.changed.emit()

    def editor(self, name: str) -> FieldEditor:
        return self._editors[name]

    def values(self) -> dict[str, Any]:
        return {name: editor.value for name, editor in self._editors.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Apply known keys (e.g. from a history item or PNG metadata); others are ignored."""
        self._setting_values = True
        try:
            for name, value in values.items():
                if name in self._editors:
                    self._editors[name].value = value
        finally:
            self._setting_values = False
