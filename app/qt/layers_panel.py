"""The Layers panel: each canvas layer with its visibility and opacity, and where the brush paints.

The sketch and mask overlays used to hide the result unless switched off in the View
menu; here every layer can be shown, hidden or faded, top layer first as in other
painting programs. Choosing *paint* on the sketch or the mask picks the matching brush.
The panel only mirrors the canvas (``layerLookChanged``, ``toolChanged``), so the View
menu, a loaded project and the panel never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QGridLayout, QLabel, QRadioButton, QSlider, QWidget

from gencanvas.qt.canvas import CanvasView, Layer, Tool

PAINTABLE = {Layer.SKETCH: Tool.BRUSH, Layer.MASK: Tool.MASK_BRUSH}


class LayersPanel(QWidget):
    def __init__(self, canvas: CanvasView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layersPanel")
        self._canvas = canvas
        self.visible: dict[Layer, QCheckBox] = {}
        self.opacity: dict[Layer, QSlider] = {}
        self.paint: dict[Layer, QRadioButton] = {}
        grid = QGridLayout(self)
        grid.addWidget(QLabel("Show"), 0, 0)
        grid.addWidget(QLabel("Opacity"), 0, 1)
        grid.addWidget(QLabel("Paint"), 0, 2)
        group = self._group = QButtonGroup(self)
        for row, layer in enumerate(reversed(Layer), start=1):  # top layer first
            name = layer.name.lower()
            check = QCheckBox(name.capitalize())
            check.setObjectName(f"show_{name}")
            check.toggled.connect(lambda on, layer=layer: canvas.set_layer_visible(layer, on))
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"opacity_{name}")
            slider.setRange(0, 100)
            slider.valueChanged.connect(lambda value, layer=layer: canvas.set_layer_opacity(layer, value / 100))
            grid.addWidget(check, row, 0)
            grid.addWidget(slider, row, 1)
            self.visible[layer], self.opacity[layer] = check, slider
            if layer in PAINTABLE:
                radio = QRadioButton()
                radio.setObjectName(f"paint_{name}")
                radio.setToolTip(f"Paint on the {name} layer")
                radio.toggled.connect(lambda on, layer=layer: self._paint_on(layer, on))
                group.addButton(radio)
                grid.addWidget(radio, row, 2)
                self.paint[layer] = radio
        grid.setRowStretch(len(Layer) + 1, 1)
        canvas.layerLookChanged.connect(self._show_look)
        canvas.toolChanged.connect(self._show_tool)
        for layer in Layer:
            self._show_look(layer)
        self._show_tool(canvas.tool)

    def _paint_on(self, layer: Layer, chosen: bool) -> None:
        if chosen:
            self._canvas.set_tool(PAINTABLE[layer])

    def _show_look(self, layer: Layer) -> None:
        check, slider = self.visible[layer], self.opacity[layer]
        check.blockSignals(True)
        slider.blockSignals(True)
        check.setChecked(self._canvas.layer_visible(layer))
        slider.setValue(round(self._canvas.layer_opacity(layer) * 100))
        check.blockSignals(False)
        slider.blockSignals(False)

    def _show_tool(self, tool: Tool) -> None:
        if tool is Tool.REGION_BRUSH:  # painting a region (Regions panel): neither layer is painted
            self._group.setExclusive(False)
        for layer, radio in self.paint.items():
            if PAINTABLE[layer] is tool or tool is Tool.REGION_BRUSH:
                radio.blockSignals(True)
                radio.setChecked(tool is not Tool.REGION_BRUSH)
                radio.blockSignals(False)
        self._group.setExclusive(True)
