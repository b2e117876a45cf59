"""The Layers panel and the brush colour swatch, through the real window."""

from __future__ import annotations

from PySide6.QtGui import QColor

from gencanvas.qt.canvas import Layer, Tool


def test_visibility_and_opacity_follow_the_panel_and_the_view_menu(window):
    panel = window.layers_panel
    panel.visible[Layer.SKETCH].setChecked(False)
    assert not window.canvas.layer_visible(Layer.SKETCH)
    assert not window.actions_by_name["show_sketch"].isChecked()  # the View menu follows
    window.actions_by_name["show_sketch"].setChecked(True)
    assert panel.visible[Layer.SKETCH].isChecked() and window.canvas.layer_visible(Layer.SKETCH)
    panel.opacity[Layer.RESULT].setValue(40)
    assert abs(window.canvas.layer_opacity(Layer.RESULT) - 0.4) < 1e-6
    assert panel.opacity[Layer.MASK].value() == 50  # the mask overlay's own default


def test_choosing_a_layer_to_paint_picks_its_brush_and_back(window):
    panel = window.layers_panel
    panel.paint[Layer.MASK].setChecked(True)
    assert window.canvas.tool is Tool.MASK_BRUSH
    window.canvas.set_tool(Tool.BRUSH)
    assert panel.paint[Layer.SKETCH].isChecked()
    assert Layer.PHOTO not in panel.paint  # only sketch and mask take brush strokes


def test_brush_colour_swatch_shows_the_current_colour(window):
    from gencanvas.qt.image_convert import array_from_qimage

    swatch = window.findChild(type(window.layers_panel.paint[Layer.SKETCH]).__mro__[1], "brushColourSwatch")
    window.canvas.set_brush_color(QColor(10, 200, 30))
    pixel = array_from_qimage(swatch.icon().pixmap(20, 20).toImage(), 3)[10, 10]
    assert pixel.tolist() == [10, 200, 30]


def test_an_opened_project_shows_its_layer_settings_in_the_panel(window, tmp_path):
    window.canvas.set_layer_visible(Layer.RESULT, False)
    window.canvas.set_layer_opacity(Layer.SKETCH, 0.3)
    assert window.save_to(tmp_path / "p.ora")
    window.new_document(64, 64)
    assert window.layers_panel.visible[Layer.RESULT].isChecked()
    assert window.open_path(tmp_path / "p.ora")
    assert not window.layers_panel.visible[Layer.RESULT].isChecked()
    assert window.layers_panel.opacity[Layer.SKETCH].value() == 30
