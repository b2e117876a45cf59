"""Menus, toolbar and shortcuts of the main window, declared in one place.

Standard key sequences (QKeySequence.StandardKey) are used where Qt has them, so every
platform gets its own conventions (Cmd on macOS, Ctrl elsewhere). The window is reached only
through the :class:`~gencanvas.qt.window_host.StudioWindow` protocol, never imported: the
window imports this module to build its menus.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QColorDialog, QLabel, QMenu, QToolBar, QToolButton
from superqt import QLabeledSlider

from gencanvas.core.recent import recent_files
from gencanvas.qt.about_dialog import show_about
from gencanvas.qt.animation_export import export_animation_dialog
from gencanvas.qt.canvas import CanvasView, Layer, Tool
from gencanvas.qt.expand_dialog import expand_canvas_dialog
from gencanvas.qt.model_manager import ModelManager
from gencanvas.qt.outpaint_dialog import outpaint_dialog
from gencanvas.qt.settings_dialog import SettingsDialog

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.qt.window_host import StudioWindow

Shortcut = QKeySequence.StandardKey | str | None
CANVAS_PRESETS = (64, 128, 256, 512, 768, 1024)

TOOLS = (
    (Tool.BRUSH, "Brush", "B"),
    (Tool.ERASER, "Eraser", "E"),
    (Tool.MASK_BRUSH, "Mask brush", "M"),
    (Tool.REGION_BRUSH, "Region brush", "R"),
    (Tool.PICKER, "Colour picker", "I"),
    (Tool.PAN, "Pan", "H"),
)


def _action(window: StudioWindow, text: str, slot: Callable[[], object], shortcut: Shortcut = None) -> QAction:
    action = QAction(text, window.qt_window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: slot())
    return action


def _pick_brush_colour(window: StudioWindow) -> None:
    colour = QColorDialog.getColor(window.canvas.brush_color, window.qt_window, "Brush colour")
    if colour.isValid():
        window.canvas.set_brush_color(colour)


def _tool_actions(window: StudioWindow, actions: dict[str, QAction]) -> QActionGroup:
    group = QActionGroup(window.qt_window)
    for tool, text, key in TOOLS:
        action = _action(window, text, partial(window.canvas.set_tool, tool), key)
        action.setCheckable(True)
        action.setChecked(tool is Tool.BRUSH)
        group.addAction(action)
        actions[f"tool_{tool.name.lower()}"] = action
    window.canvas.toolChanged.connect(lambda tool: actions[f"tool_{tool.name.lower()}"].setChecked(True))
    return group


def _toolbar(window: StudioWindow, group: QActionGroup) -> None:
    """The tools, the brush colour swatch, the window's own brush-size slider, then hardness."""
    bar = QToolBar("Tools", window.qt_window)
    bar.setObjectName("toolsToolbar")
    bar.addActions(group.actions())
    bar.addWidget(_colour_swatch(window))
    bar.addSeparator()
    bar.addWidget(QLabel(" Size "))
    bar.addWidget(window.brush_size_slider)
    bar.addWidget(QLabel(" Hardness "))
    bar.addWidget(_hardness_slider(window.canvas))
    window.qt_window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)


def _hardness_slider(canvas: CanvasView) -> QLabeledSlider:
    """Brush hardness in percent for every paint tool: 100 (the default) is the hard brush."""
    hardness = QLabeledSlider(Qt.Orientation.Horizontal)
    hardness.setObjectName("brushHardness")
    hardness.setToolTip("Brush hardness: lower values fade the brush's edge (a soft mask edge blends softly)")
    hardness.setRange(0, 100)
    hardness.setValue(canvas.brush_hardness)
    hardness.setMaximumWidth(160)
    hardness.valueChanged.connect(canvas.set_brush_hardness)
    return hardness


def _follow_visibility(canvas: CanvasView, layer: Layer, toggle: QAction, changed: Layer) -> None:
    """Keep View › Show <layer> in step with the Layers panel and opened projects."""
    if changed is layer:
        toggle.setChecked(canvas.layer_visible(layer))


def _colour_swatch(window: StudioWindow) -> QToolButton:
    """The brush colour as a swatch; clicking it picks a new one, the picker tool updates it."""
    swatch = QToolButton()
    swatch.setObjectName("brushColourSwatch")
    swatch.setToolTip("Brush colour (C)")

    def show(colour: QColor) -> None:
        pixmap = QPixmap(20, 20)
        pixmap.fill(colour)
        swatch.setIcon(QIcon(pixmap))

    show(window.canvas.brush_color)
    window.canvas.brushColorChanged.connect(show)
    swatch.clicked.connect(lambda _checked=False: _pick_brush_colour(window))
    return swatch


def _redo_shortcuts() -> list[QKeySequence]:
    """The platform's Redo keys plus Ctrl+Shift+Z, each once: the same key twice on one action
    makes Qt report an ambiguous shortcut and do nothing."""
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    extra = QKeySequence("Ctrl+Shift+Z")
    return keys if extra in keys else [*keys, extra]


def _recent_menu(window: StudioWindow, menu: QMenu) -> None:
    """Filled each time it opens, so files saved or opened meanwhile are there."""
    menu.setObjectName("recentMenu")

    def fill() -> None:
        menu.clear()
        files = recent_files()
        for path in files:
            action = menu.addAction(path.name, partial(window.open_path, path))
            action.setToolTip(str(path))
        if not files:
            menu.addAction("No recent files").setEnabled(False)

    menu.aboutToShow.connect(fill)


def build_menus(window: StudioWindow) -> dict[str, QAction]:
    canvas, qt_window = window.canvas, window.qt_window
    a: dict[str, QAction] = {}
    a["new"] = _action(
        window, "&New", lambda: window.new_document(*canvas.document_size()), QKeySequence.StandardKey.New
    )
    a["open"] = _action(window, "&Open…", window.open_dialog, QKeySequence.StandardKey.Open)
    a["save"] = _action(window, "&Save", window.save, QKeySequence.StandardKey.Save)
    a["save_as"] = _action(window, "Save &As…", window.save_as_dialog, QKeySequence.StandardKey.SaveAs)
    a["export_image"] = _action(window, "Export &image…", window.export_dialog, "Ctrl+Shift+E")
    a["export_result"] = _action(
        window, "&Export result…", lambda: window.export_dialog(Layer.RESULT, "Export result"), "Ctrl+E"
    )
    a["export_mask"] = _action(window, "Export &mask…", lambda: window.export_dialog(Layer.MASK, "Export mask"))
    a["recover"] = _action(window, "Recover a&utosaves…", window.offer_recovery)
    a["export_animation"] = _action(window, "Export a&nimation…", partial(export_animation_dialog, window))
    a["settings"] = _action(window, "Se&ttings…", lambda: SettingsDialog.edit(window), "Ctrl+,")
    a["models"] = _action(window, "&Models…", lambda: ModelManager.show_for(window))
    a["quit"] = _action(window, "&Quit", qt_window.close, QKeySequence.StandardKey.Quit)
    a["about"] = _action(window, "&About GenCanvas", partial(show_about, qt_window))

    a["undo"] = canvas.undo_stack.createUndoAction(qt_window, "&Undo")
    a["undo"].setShortcut(QKeySequence.StandardKey.Undo)
    a["redo"] = canvas.undo_stack.createRedoAction(qt_window, "&Redo")
    a["redo"].setShortcuts(_redo_shortcuts())
    a["paste"] = _action(window, "&Paste image", window.paste, QKeySequence.StandardKey.Paste)
    a["clear_sketch"] = _action(window, "Clear s&ketch", lambda: canvas.clear_layer(Layer.SKETCH))
    a["clear_mask"] = _action(window, "Clear &mask", lambda: canvas.clear_layer(Layer.MASK), "Ctrl+Shift+M")
    a["apply_result"] = _action(window, "&Apply result to photo", canvas.apply_result_to_photo, "Ctrl+Shift+A")
    a["expand_canvas"] = _action(window, "E&xpand canvas…", partial(expand_canvas_dialog, window))
    a["outpaint"] = _action(window, "&Outpaint…", partial(outpaint_dialog, window))
    a["generate"] = _action(window, "&Generate", window.generation.generate, "Ctrl+G")
    a["cancel"] = _action(window, "&Cancel job", window.generation.cancel)

    a["zoom_in"] = _action(window, "Zoom &in", canvas.zoom_in, QKeySequence.StandardKey.ZoomIn)
    a["zoom_out"] = _action(window, "Zoom &out", canvas.zoom_out, QKeySequence.StandardKey.ZoomOut)
    a["zoom_fit"] = _action(window, "&Fit to window", canvas.zoom_to_fit, "Ctrl+0")
    a["zoom_actual"] = _action(window, "&Actual pixels", canvas.zoom_actual, "Ctrl+1")
    for layer in (Layer.RESULT, Layer.SKETCH, Layer.MASK):
        toggle = QAction(f"Show {layer.name.lower()}", qt_window, checkable=True, checked=True)
        toggle.toggled.connect(partial(canvas.set_layer_visible, layer))
        canvas.layerLookChanged.connect(partial(_follow_visibility, canvas, layer, toggle))
        a[f"show_{layer.name.lower()}"] = toggle
    a["bigger_brush"] = _action(
        window, "Bigger brush", lambda: window.brush_size_slider.setValue(int(canvas.brush_size * 1.25) + 1), "]"
    )
    a["smaller_brush"] = _action(
        window, "Smaller brush", lambda: window.brush_size_slider.setValue(int(canvas.brush_size / 1.25)), "["
    )
    a["brush_colour"] = _action(window, "Brush &colour…", partial(_pick_brush_colour, window), "C")

    tools = _tool_actions(window, a)
    menu_bar = qt_window.menuBar()
    file_menu = menu_bar.addMenu("&File")
    file_menu.addAction(a["new"])
    sizes = file_menu.addMenu("New &canvas size")
    for side in CANVAS_PRESETS:
        a[f"new_{side}"] = _action(window, f"{side} × {side}", partial(window.new_document, side, side))
        sizes.addAction(a[f"new_{side}"])
    file_menu.addAction(a["open"])
    _recent_menu(window, file_menu.addMenu("Open &Recent"))
    file_menu.addActions([a["save"], a["save_as"]])
    file_menu.addSeparator()
    file_menu.addActions([a["export_image"], a["export_result"], a["export_mask"], a["export_animation"]])
    file_menu.addSeparator()
    file_menu.addAction(a["recover"])
    file_menu.addSeparator()
    file_menu.addActions([a["settings"], a["models"], a["quit"]])
    edit_menu = menu_bar.addMenu("&Edit")
    edit_menu.addActions([a["undo"], a["redo"], a["paste"], a["clear_sketch"], a["clear_mask"], a["apply_result"]])
    edit_menu.addSeparator()
    edit_menu.addActions([a["generate"], a["cancel"]])
    menu_bar.addMenu("&Image").addActions([a["expand_canvas"], a["outpaint"]])
    view_menu = menu_bar.addMenu("&View")
    view_menu.addActions([a["zoom_in"], a["zoom_out"], a["zoom_fit"], a["zoom_actual"]])
    view_menu.addSeparator()
    view_menu.addActions([a["show_result"], a["show_sketch"], a["show_mask"]])
    view_menu.addSeparator()
    view_menu.addActions(
        [
            window.panel_dock.toggleViewAction(),
            window.history_dock.toggleViewAction(),
            window.layers_dock.toggleViewAction(),
            window.regions_dock.toggleViewAction(),
        ]
    )
    tools_menu = menu_bar.addMenu("&Tools")
    tools_menu.addActions(tools.actions())
    tools_menu.addSeparator()
    tools_menu.addActions([a["bigger_brush"], a["smaller_brush"], a["brush_colour"]])
    menu_bar.addMenu("&Help").addAction(a["about"])
    _toolbar(window, tools)
    canvas.setFocus()
    return a
