"""Regional prompts in the real window: the Regions panel, the Region brush, undo, and what plugins get."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from gencanvas.core.live_policy import request_key
from gencanvas.core.plugin_api import InputKind, Plugin, PluginInputs, Region
from gencanvas.qt.canvas import Layer, Tool
from tests.test_canvas import drag

JOB_MS = 10_000


def commit_prompt(qtbot, window, key: int, text: str) -> None:
    """Type a prompt into a region's row and press Enter, as an artist does."""
    edit = window.regions_panel.rows[key].prompt
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_add_paint_rename_delete_each_undo_one_step(qtbot, window):
    panel, regions, stack = window.regions_panel, window.canvas.regions, window.canvas.undo_stack
    assert window.regions_dock.widget() is panel and "No regions yet" in panel.hint.text()
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    [key] = regions.ordered_keys()
    assert regions.selected == key and window.canvas.tool is Tool.REGION_BRUSH  # ready to paint
    assert window.actions_by_name["tool_region_brush"].isChecked()
    assert panel.rows[key].swatch.isChecked()
    assert not any(radio.isChecked() for radio in window.layers_panel.paint.values())  # no layer is painted
    steps = stack.count()

    drag(qtbot, window.canvas, [(20, 30), (120, 30)])  # the Region brush, with the real mouse
    painted = regions.mask(key)
    assert painted[30, 60] == 255 and painted[200, 60] == 0
    assert not window.canvas.mask_array().any()  # the inpainting mask is untouched
    commit_prompt(qtbot, window, key, "a red fox")
    assert regions.prompt(key) == "a red fox" and stack.count() == steps + 2

    qtbot.mouseClick(panel.rows[key].delete, Qt.MouseButton.LeftButton)
    assert regions.ordered_keys() == [] and key not in panel.rows and regions.selected is None
    stack.undo()  # the delete
    assert regions.ordered_keys() == [key] and panel.rows[key].prompt.text() == "a red fox"
    np.testing.assert_array_equal(regions.mask(key), painted)
    stack.undo()  # the prompt
    assert regions.prompt(key) == "" and panel.rows[key].prompt.text() == ""
    stack.undo()  # the stroke
    assert not regions.mask(key).any()
    stack.undo()  # the add
    assert regions.ordered_keys() == [] and panel.rows == {}
    for _ in range(4):
        stack.redo()
    assert regions.ordered_keys() == [] and stack.count() == steps + 3
    stack.undo()
    np.testing.assert_array_equal(regions.mask(key), painted)
    assert regions.prompt(key) == "a red fox"


def test_eraser_follows_the_region_brush_and_other_brushes_take_it_back(qtbot, window):
    canvas, regions = window.canvas, window.canvas.regions
    first = window.regions_panel.add_region()
    canvas.paint_region_stroke(first, [QPointF(10, 50), QPointF(200, 50)], 30)
    second = window.regions_panel.add_region()  # the newest is listed first and selected
    assert list(window.regions_panel.rows)[-1] == second and regions.selected == second
    window.regions_panel.rows[first].swatch.click()
    assert regions.selected == first and canvas.tool is Tool.REGION_BRUSH
    canvas.set_tool(Tool.ERASER)
    drag(qtbot, canvas, [(100, 50), (100, 51)])
    assert regions.mask(first)[50, 100] == 0 and regions.mask(first)[50, 20] == 255
    canvas.set_tool(Tool.MASK_BRUSH)
    assert window.layers_panel.paint[Layer.MASK].isChecked()
    canvas.set_tool(Tool.ERASER)
    drag(qtbot, canvas, [(20, 50), (20, 51)])  # now erases the mask, not the region
    assert regions.mask(first)[50, 20] == 255


def test_region_brush_with_no_region_starts_one(qtbot, window):
    window.canvas.set_tool(Tool.REGION_BRUSH)
    drag(qtbot, window.canvas, [(40, 40), (60, 40)])
    [key] = window.canvas.regions.ordered_keys()
    assert window.canvas.regions.mask(key)[40, 50] == 255 and window.regions_panel.rows[key].swatch.isChecked()


def test_hiding_a_region_hides_its_overlay_but_keeps_it_for_plugins(window):
    regions = window.canvas.regions
    key = regions.add("a boat")
    window.canvas.paint_region_stroke(key, [QPointF(10, 10), QPointF(90, 10)], 12)
    window.regions_panel.rows[key].shown.setChecked(False)
    assert not regions.item(key).isVisible()
    inputs = window.canvas.plugin_inputs(frozenset({InputKind.REGIONS}))
    assert inputs.regions is not None and inputs.regions[0].prompt == "a boat"


class RegionsProbe(Plugin):
    """Records what the canvas hands it; reads regions when ``wants_regions``."""

    id = "test-regions-probe"
    title = "Regions probe"
    optional_inputs = frozenset({InputKind.REGIONS})
    seen: ClassVar[list[PluginInputs]] = []

    def run(self, inputs, params, ctx):
        type(self).seen.append(inputs)
        return np.zeros((inputs.height, inputs.width, 3), np.uint8)


class NoRegionsProbe(RegionsProbe):
    id = "test-no-regions-probe"
    title = "No regions probe"
    optional_inputs = frozenset()
    seen: ClassVar[list[PluginInputs]] = []


class LiveRegionsProbe(RegionsProbe):
    id = "test-live-regions-probe"
    title = "Live regions probe"
    interactive = True
    seen: ClassVar[list[PluginInputs]] = []


@pytest.fixture
def probe_window(qtbot, registry):
    from gencanvas.core.settings import Settings
    from gencanvas.qt.main_window import MainWindow

    probes = (RegionsProbe, NoRegionsProbe, LiveRegionsProbe)
    plugins = {**registry.load_all(), **{probe.id: probe for probe in probes}}
    win = MainWindow(plugins, Settings())
    win.ask_unsaved = lambda _w: QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def generate(qtbot, window, plugin_id: str) -> None:
    window.panel.set_plugin(plugin_id)
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS):
        window.generation.generate()


def test_a_plugin_that_asks_for_regions_gets_them_and_others_do_not(qtbot, probe_window):
    window, regions = probe_window, probe_window.canvas.regions
    fox = regions.add("  a red fox ")
    window.canvas.paint_region_stroke(fox, [QPointF(10, 20), QPointF(100, 20)], 10)
    regions.add("no coverage: skipped")
    blank_prompt = regions.add("")
    window.canvas.paint_region_stroke(blank_prompt, [QPointF(10, 200), QPointF(100, 200)], 10)
    sky = regions.add("blue sky")
    window.canvas.paint_region_stroke(sky, [QPointF(0, 300), QPointF(511, 300)], 40)
    generate(qtbot, window, RegionsProbe.id)
    generate(qtbot, window, NoRegionsProbe.id)

    got = RegionsProbe.seen[-1].regions
    assert got is not None and [r.prompt for r in got] == ["a red fox", "blue sky"]  # stripped, in order
    for region, key in zip(got, (fox, sky), strict=True):
        assert region.mask.dtype == np.float32 and region.mask.shape == (512, 512)
        np.testing.assert_array_equal(region.mask, regions.mask(key) / np.float32(255))
    assert got[0].mask[20, 50] == 1.0 and got[0].mask[300, 50] == 0.0
    assert NoRegionsProbe.seen[-1].regions is None


def last_prompts(probe: type[RegionsProbe]) -> list[str]:
    return [region.prompt for region in probe.seen[-1].regions or ()] if probe.seen else []


def test_live_mode_reruns_when_a_region_is_painted_or_renamed(qtbot, probe_window):
    window, regions = probe_window, probe_window.canvas.regions
    window.panel.set_plugin(LiveRegionsProbe.id)
    assert window.panel.live_enabled()
    key = regions.add("a fox")
    window.canvas.paint_region_stroke(key, [QPointF(10, 20), QPointF(100, 20)], 10)
    qtbot.waitUntil(lambda: last_prompts(LiveRegionsProbe) == ["a fox"], timeout=JOB_MS)
    regions.set_prompt(key, "a wolf")
    qtbot.waitUntil(lambda: last_prompts(LiveRegionsProbe) == ["a wolf"], timeout=JOB_MS)
    qtbot.waitUntil(lambda: not window.generation.worker.busy, timeout=JOB_MS)


def test_no_region_with_a_prompt_gives_none(window):
    window.canvas.regions.add("")
    assert window.canvas.plugin_inputs(frozenset({InputKind.REGIONS})).regions is None


def test_live_key_follows_region_content_not_objects():
    mask = np.zeros((4, 4), np.float32)
    mask[1, 1] = 1.0

    def key(prompt: str, m: np.ndarray) -> str:
        inputs = PluginInputs(4, 4, regions=(Region(prompt, m),))
        return request_key("p", {}, inputs, [InputKind.REGIONS])

    assert key("fox", mask) == key("fox", mask.copy())
    assert key("fox", mask) != key("cat", mask)
    assert key("fox", mask) != key("fox", np.roll(mask, 1))


def test_regions_dock_is_in_the_view_menu(window):
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    toggle = window.regions_dock.toggleViewAction()
    assert toggle in view_menu.actions() and window.regions_dock.isVisible()
    toggle.trigger()
    assert not window.regions_dock.isVisible()


def test_undo_shows_the_old_prompt_even_in_the_field_being_typed_in(qtbot, window):
    key = window.regions_panel.add_region()
    commit_prompt(qtbot, window, key, "a red fox")
    edit = window.regions_panel.rows[key].prompt
    edit.setFocus()
    window.canvas.undo_stack.undo()
    assert window.canvas.regions.prompt(key) == "" and edit.text() == ""
    qtbot.keyClicks(edit, "half typed")
    window.canvas.undo_stack.undo()  # the add: the row goes, nothing typed is committed
    assert window.canvas.regions.ordered_keys() == []
