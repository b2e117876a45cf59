"""The docked panel: choose a plugin, set its parameters, Generate.

One form per plugin is created the first time it is shown and kept, so switching plugins
never loses what the artist typed. A form follows its plugin's ``params_for``: when an
edit selects another schema (another model's sliders) the form is rebuilt in place.
Plugins that failed to load are listed too, disabled, with the reason as tooltip. A plugin
that cannot run here (``unavailable()``) says why in a notice as soon as it is chosen;
``refresh_schemas`` re-asks both after the user's models changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gencanvas.core.metadata import GenerationMetadata, refused_notice, restorable_params
from gencanvas.core.param_values import after_edit
from gencanvas.core.params import widget_hint
from gencanvas.core.plugin_api import Plugin
from gencanvas.qt.param_form import ParamForm
from gencanvas.qt.plugin_notice import PluginNotice


class RestoreBar(QFrame):
    """Offers to restore the parameters found in an opened image, without a modal dialog."""

    restoreClicked = Signal(object)  # GenerationMetadata

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(wordWrap=True)
        self.button = QPushButton("Restore parameters")
        self.dismiss = QPushButton("Dismiss")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.dismiss)
        layout.addLayout(row)
        self._metadata: GenerationMetadata | None = None
        self.button.clicked.connect(self._restore)
        self.dismiss.clicked.connect(self.hide)
        self.hide()

    def offer(self, metadata: GenerationMetadata, plugin_title: str) -> None:
        self._metadata = metadata
        self.label.setText(f"This image was made with {plugin_title}. Restore its parameters?")
        self.show()

    def _restore(self) -> None:
        if self._metadata is not None:
            self.restoreClicked.emit(self._metadata)
        self.hide()


class PluginPanel(QWidget):
    generateRequested = Signal()
    paramsRefused = Signal(str)  # a restore left out values that do not validate: the sentence to show
    paramsChanged = Signal()
    pluginChanged = Signal(str)
    addModelRequested = Signal(str)  # the plugin id whose notice offered "Add model…"

    def __init__(
        self,
        plugins: dict[str, type[Plugin[Any]]],
        parent: QWidget | None = None,
        failures: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.plugins = plugins
        self.failures: dict[str, str] = {}
        self.forms: dict[str, ParamForm] = {}
        self.chooser = QComboBox()
        self.chooser.setObjectName("pluginChooser")
        for plugin_id, plugin_type in plugins.items():
            self.chooser.addItem(plugin_type.title, plugin_id)
        self.description = QLabel(wordWrap=True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel(wordWrap=True)  # what the chosen model knows
        self.summary.setObjectName("modelSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack = QStackedWidget()
        scroll = QScrollArea(widgetResizable=True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # forms fit the width
        scroll.setWidget(self.stack)
        self.setMinimumWidth(340)  # room for a label, a slider and its value
        self.live = QCheckBox("Live: re-run as I draw and change parameters")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setShortcut("Ctrl+Return")
        self.generate_button.setToolTip("Generate (Ctrl+Enter)")
        self.restore_bar = RestoreBar()
        self.notice = PluginNotice()
        self.notice.actionClicked.connect(lambda: self.addModelRequested.emit(self.current_id()))

        layout = QVBoxLayout(self)
        layout.addWidget(self.chooser)
        layout.addWidget(self.description)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addWidget(self.restore_bar)
        layout.addWidget(scroll, stretch=1)
        layout.addWidget(self.live)
        layout.addWidget(self.generate_button)

        self.chooser.currentIndexChanged.connect(self._show_current)
        self.generate_button.clicked.connect(self.generateRequested)
        self.restore_bar.restoreClicked.connect(lambda meta: self.restore(meta.plugin_id, meta.params))
        if plugins:
            self._show_current()
        if failures:
            self.show_failures(failures)

    # ---- queries ----
    def current_id(self) -> str:
        return self.chooser.currentData()

    def current_plugin(self) -> type[Plugin[Any]]:
        return self.plugins[self.current_id()]

    def current_form(self) -> ParamForm:
        return self.forms[self.current_id()]

    def current_values(self) -> dict[str, Any]:
        return self.current_form().values()

    def live_enabled(self) -> bool:
        return self.current_plugin().interactive and self.live.isChecked()

    # ---- commands ----
    def set_plugin(self, plugin_id: str) -> None:
        index = self.chooser.findData(plugin_id)
        if index < 0 or plugin_id not in self.plugins:
            why = f": it failed to load ({self.failures[plugin_id]})" if plugin_id in self.failures else ""
            raise KeyError(f"no plugin {plugin_id!r} in the panel{why}")
        self.chooser.setCurrentIndex(index)

    def show_failures(self, failures: Mapping[str, str]) -> None:
        """List plugins that failed to load, disabled, with the reason as tooltip (once each)."""
        model = self.chooser.model()
        for plugin_id, why in failures.items():
            if plugin_id in self.failures or plugin_id in self.plugins:
                continue
            self.failures[plugin_id] = why
            self.chooser.addItem(f"{plugin_id} (failed to load)", plugin_id)
            index = self.chooser.count() - 1
            self.chooser.setItemData(index, f"{plugin_id} failed to load: {why}", Qt.ItemDataRole.ToolTipRole)
            if isinstance(model, QStandardItemModel):
                item = model.item(index)
                if item is not None:
                    item.setEnabled(False)

    def restore(self, plugin_id: str, params: dict[str, Any]) -> None:
        """Switch to ``plugin_id`` and show ``params`` (in the schema they select, e.g. their model's
        sliders), locking the seed so Generate repeats it. Linked values are not applied."""
        self.set_plugin(plugin_id)
        form = self.current_form()
        schema = self.current_plugin().params_for(params)
        accepted, refused = restorable_params(schema, params)
        if schema is not form.schema:
            form.set_schema(schema, accepted)
        else:
            form.set_values(accepted)
        if refused:
            self.paramsRefused.emit(refused_notice(refused))
        if form.seed_widget is not None:
            form.seed_widget.lock.setChecked(True)

    def _on_edited(self, plugin_type: type[Plugin[Any]], form: ParamForm, name: str) -> None:
        """The user edited ``name``: apply linked values, and rebuild the form if the schema changed."""
        schema, values = after_edit(plugin_type, form.values(), name)
        if schema is not form.schema:
            form.set_schema(schema, values)
            return
        current = form.values()
        form.set_values({key: value for key, value in values.items() if current.get(key) != value})

    def refresh_schemas(self) -> None:
        """Re-ask each form's plugin for its schema and the current one why it cannot run.

        For after the user's models changed (added, removed, another folder in Settings): a
        form whose schema changed (other drop-down options) is rebuilt with its values kept.
        """
        for plugin_id, form in self.forms.items():
            values = form.values()
            schema = self.plugins[plugin_id].params_for(values)
            if schema is not form.schema:
                form.set_schema(schema, values)
        self._update_notice()

    def _update_notice(self) -> None:
        """Why the current plugin cannot run here, with *Add model…* if it chooses among models."""
        plugin_type = self.current_plugin()
        try:
            reason = plugin_type.unavailable()
        except Exception as exc:  # a plugin's check must not break the panel; Generate reports it
            reason = f"{plugin_type.title} cannot check its requirements: {exc}"
        schema = self.current_form().schema
        uses_models = any(widget_hint(info) == "model" for info in schema.model_fields.values())
        self.notice.show_reason(reason, "Add model…" if uses_models else None)

    def offer_restore(self, metadata: GenerationMetadata) -> None:
        if metadata.plugin_id in self.plugins:
            self.restore_bar.offer(metadata, self.plugins[metadata.plugin_id].title)

    def _show_current(self) -> None:
        plugin_id = self.current_id()
        if plugin_id not in self.plugins:  # a failed plugin cannot be chosen
            return
        plugin_type = self.plugins[plugin_id]
        if plugin_id not in self.forms:
            form = ParamForm(plugin_type.params_for({}))
            form.changed.connect(self.paramsChanged)
            form.changed.connect(self._show_summary)
            form.edited.connect(
                lambda name, form=form, plugin_type=plugin_type: self._on_edited(plugin_type, form, name)
            )
            self.forms[plugin_id] = form
            self.stack.addWidget(form)
        self.stack.setCurrentWidget(self.forms[plugin_id])
        self.description.setText(plugin_type.description)
        self._show_summary()
        self._update_notice()
        self.live.setVisible(plugin_type.interactive)
        self.live.setChecked(plugin_type.interactive)
        self.pluginChanged.emit(plugin_id)

    def _show_summary(self) -> None:
        """The current plugin's ``model_summary`` for the form's values; hidden when it has none."""
        plugin_id = self.current_id()
        if plugin_id not in self.forms:
            return
        try:
            text = self.plugins[plugin_id].model_summary(self.forms[plugin_id].values())
        except Exception:  # a plugin's summary is a courtesy: never let it break the panel
            text = None
        self.summary.setText(text or "")
        self.summary.setVisible(bool(text))
