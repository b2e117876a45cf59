"""The docked panel: choose a plugin, set its parameters, Generate.

One form per plugin is created the first time it is shown and kept, so switching plugins
never loses what the artist typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
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
from gencanvas.core.plugin_api import Plugin
from gencanvas.qt.param_form import ParamForm


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

    def __init__(self, plugins: dict[str, type[Plugin]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plugins = plugins
        self.forms: dict[str, ParamForm] = {}
        self.chooser = QComboBox(objectName="pluginChooser")
        for plugin_id, plugin_type in plugins.items():
            self.chooser.addItem(plugin_type.title, plugin_id)
        self.description = QLabel(wordWrap=True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack = QStackedWidget()
        scroll = QScrollArea(widgetResizable=True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # forms fit the width
        scroll.setWidget(self.stack)
        self.setMinimumWidth(340)  # room for a label, a slider and its value
        self.live = QCheckBox("Live: re-run as I draw and change parameters")
        self.generate_button = QPushButton("Generate", objectName="generateButton")
        self.generate_button.setShortcut("Ctrl+Return")
        self.generate_button.setToolTip("Generate (Ctrl+Enter)")
        self.restore_bar = RestoreBar()

        layout = QVBoxLayout(self)
        layout.addWidget(self.chooser)
        layout.addWidget(self.description)
        layout.addWidget(self.restore_bar)
        layout.addWidget(scroll, stretch=1)
        layout.addWidget(self.live)
        layout.addWidget(self.generate_button)

        self.chooser.currentIndexChanged.connect(self._show_current)
        self.generate_button.clicked.connect(self.generateRequested)
        self.restore_bar.restoreClicked.connect(lambda meta: self.restore(meta.plugin_id, meta.params))
        if plugins:
            self._show_current()

    # ---- queries ----
    def current_id(self) -> str:
        return self.chooser.currentData()

    def current_plugin(self) -> type[Plugin]:
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
        if index < 0:
            raise KeyError(f"no plugin {plugin_id!r} in the panel")
        self.chooser.setCurrentIndex(index)

    def restore(self, plugin_id: str, params: dict[str, Any]) -> None:
        """Switch to ``plugin_id`` and show ``params``, locking the seed so Generate repeats it."""
        self.set_plugin(plugin_id)
        form = self.current_form()
        accepted, refused = restorable_params(self.plugins[plugin_id].Params, params)
        form.set_values(accepted)
        if refused:
            self.paramsRefused.emit(refused_notice(refused))
        if form.seed_widget is not None:
            form.seed_widget.lock.setChecked(True)

    def offer_restore(self, metadata: GenerationMetadata) -> None:
        if metadata.plugin_id in self.plugins:
            self.restore_bar.offer(metadata, self.plugins[metadata.plugin_id].title)

    def _show_current(self) -> None:
        plugin_id = self.current_id()
        plugin_type = self.plugins[plugin_id]
        if plugin_id not in self.forms:
            form = ParamForm(plugin_type.Params)
            form.changed.connect(self.paramsChanged)
            form.edited.connect(
                lambda name, form=form, plugin_type=plugin_type: form.set_values(
                    plugin_type.linked_values(name, form.values())
                )
            )
            self.forms[plugin_id] = form
            self.stack.addWidget(form)
        self.stack.setCurrentWidget(self.forms[plugin_id])
        self.description.setText(plugin_type.description)
        self.live.setVisible(plugin_type.interactive)
        self.live.setChecked(plugin_type.interactive)
        self.pluginChanged.emit(plugin_id)
