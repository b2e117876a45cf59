"""Regions in project files, autosaves and Expand canvas: kept exactly, and invisible to other programs."""

from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from gencanvas.core.autosave import list_autosaves
from gencanvas.core.expand import Margins
from gencanvas.core.plugin_api import InputKind
from gencanvas.core.project_file import Project, ProjectLayer, ProjectRegion, write_project
from gencanvas.core.project_reader import read_project
from gencanvas.qt.canvas import CanvasView
from gencanvas.qt.canvas.regions import RegionData
from gencanvas.qt.expand_dialog import apply_expand


def paint_two_regions(window) -> list[tuple[str, np.ndarray, bool]]:
    """A soft-edged fox region, a sky region hidden from view, and an empty one; returns what to expect."""
    canvas, regions = window.canvas, window.canvas.regions
    fox = regions.add("a red fox")
    canvas.paint_region_stroke(fox, [QPointF(30, 60), QPointF(200, 90)], 33, hardness=40)  # soft: fractional edges
    sky = regions.add("blue sky, clouds")
    canvas.paint_region_stroke(sky, [QPointF(0, 10), QPointF(511, 10)], 20)
    canvas.paint_region_stroke(sky, [QPointF(300, 10), QPointF(300, 12)], 8, erase=True)
    regions.set_visible(sky, False)
    regions.add("")
    return [(regions.prompt(k), regions.mask(k), regions.is_visible(k)) for k in regions.ordered_keys()]


def region_contents(window) -> list[tuple[str, np.ndarray, bool]]:
    regions = window.canvas.regions
    return [(regions.prompt(k), regions.mask(k), regions.is_visible(k)) for k in regions.ordered_keys()]


def assert_same(got, expected) -> None:
    assert [(p, v) for p, _, v in got] == [(p, v) for p, _, v in expected]
    for (_, mask, _), (_, want, _) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mask, want)


def test_save_and_open_restore_regions_exactly(window, tmp_path):
    expected = paint_two_regions(window)
    fox = expected[0][1]
    assert np.any((fox > 0) & (fox < 255))  # soft brush edges must survive too
    assert window.save_to(tmp_path / "regions.ora")
    window.new_document(64, 64)
    assert window.canvas.regions.ordered_keys() == [] and window.regions_panel.rows == {}
    assert window.open_path(tmp_path / "regions.ora")
    assert_same(region_contents(window), expected)
    rows = window.regions_panel.rows
    assert [row.prompt.text() for row in rows.values()][::-1] == ["a red fox", "blue sky, clouds", ""]
    assert window.canvas.undo_stack.count() == 0 and not window.document.is_modified()


def test_other_programs_see_only_the_four_layers(window, tmp_path):
    paint_two_regions(window)
    assert window.save_to(tmp_path / "regions.ora")
    with zipfile.ZipFile(tmp_path / "regions.ora") as archive:
        stack = archive.read("stack.xml").decode()
        names = archive.namelist()
    assert "fox" not in stack and stack.count("<layer ") == 4
    assert "gencanvas/regions/000.png" in names and "gencanvas/regions/002.png" in names
    project = read_project(tmp_path / "regions.ora")
    assert [layer.name for layer in project.layers] == ["photo", "result", "sketch", "mask"]


def test_a_project_without_regions_still_opens(window, tmp_path):
    paint_two_regions(window)
    layers = [ProjectLayer("photo", np.full((20, 30, 4), 200, np.uint8))]
    write_project(tmp_path / "old.ora", Project(30, 20, layers))
    assert window.open_path(tmp_path / "old.ora")
    assert window.canvas.document_size() == (30, 20) and window.canvas.regions.ordered_keys() == []


def test_a_damaged_region_is_skipped_with_a_notice(tmp_path):
    mask = np.zeros((20, 30), np.uint8)
    mask[3:9, 4:12] = 255
    project = Project(30, 20, [], regions=[ProjectRegion("good", mask), ProjectRegion("bad", mask, False)])
    write_project(tmp_path / "p.ora", project)
    broken = tmp_path / "broken.ora"
    with zipfile.ZipFile(tmp_path / "p.ora") as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "gencanvas/regions/001.png":
                target.writestr(info, source.read(info))
    read = read_project(broken)
    assert [(r.prompt, r.visible) for r in read.regions] == [("good", True)]
    np.testing.assert_array_equal(read.regions[0].mask, mask)
    assert any("1 region" in notice for notice in read.notices)


def test_wrongly_sized_regions_are_refused_before_writing(tmp_path):
    project = Project(30, 20, [], regions=[ProjectRegion("x", np.zeros((20, 31), np.uint8))])
    with pytest.raises(ValueError, match="Region 'x'"):
        write_project(tmp_path / "p.ora", project)
    assert not (tmp_path / "p.ora").exists()


def test_recovered_autosave_keeps_regions(window, tmp_path):
    expected = paint_two_regions(window)
    assert window.autosave.write_now()  # the real autosave writer, as the timer runs it
    shutil.copy(window.autosave.slot.path, tmp_path / "crashed.ora")
    (tmp_path / "crashed.json").write_text('{"name": "lost regions", "saved_at": 1.0, "source": null, "pid": 0}')
    window.new_document(64, 64)
    window.choose_recovery = lambda _w, records: records[0]
    assert window.offer_recovery(list_autosaves(tmp_path))
    assert_same(region_contents(window), expected)


def test_expand_grows_regions_with_the_new_area_uncovered_in_one_step(qtbot):
    canvas = CanvasView(40, 30)
    qtbot.addWidget(canvas)
    mask = np.zeros((30, 40), np.uint8)
    mask[2:20, 5:39] = 255
    mask[25, 1] = 77
    canvas.regions.load([RegionData("fox", mask), RegionData("sky", 255 - mask)])
    steps = canvas.undo_stack.count()
    apply_expand(canvas, Margins(left=8, top=2, right=16, bottom=4))
    assert canvas.document_size() == (64, 36) and canvas.undo_stack.count() == steps + 1
    for key, original in zip(canvas.regions.ordered_keys(), (mask, 255 - mask), strict=True):
        grown = canvas.regions.mask(key)
        np.testing.assert_array_equal(grown[2:32, 8:48], original)
        grown[2:32, 8:48] = 0
        assert not grown.any()  # the new area belongs to no region
    regions = canvas.plugin_inputs(frozenset({InputKind.REGIONS})).regions
    assert regions is not None and regions[0].mask.shape == (36, 64)
    canvas.undo_stack.undo()
    assert canvas.document_size() == (40, 30)
    for key, original in zip(canvas.regions.ordered_keys(), (mask, 255 - mask), strict=True):
        np.testing.assert_array_equal(canvas.regions.mask(key), original)


def test_opening_a_photo_of_another_size_scales_regions_and_undo_restores_them(qtbot):
    from PySide6.QtGui import QImage

    canvas = CanvasView(40, 30)
    qtbot.addWidget(canvas)
    mask = np.zeros((30, 40), np.uint8)
    mask[10:20, 10:30] = 255
    canvas.regions.load([RegionData("fox", mask)])
    photo = QImage(80, 60, QImage.Format.Format_RGB32)
    photo.fill(0xFF336699)
    canvas.replace_photo(photo)
    [key] = canvas.regions.ordered_keys()
    scaled = canvas.regions.mask(key)
    assert scaled.shape == (60, 80) and scaled[30, 40] == 255 and scaled[5, 5] == 0
    canvas.undo_stack.undo()
    np.testing.assert_array_equal(canvas.regions.mask(key), mask)
