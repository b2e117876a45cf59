"""File › Export animation… on a real window: interpolate on tiny weights, export GIF, WebP and a PNG strip."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import Qt

from gencanvas.core.image_io import read_metadata
from gencanvas.qt.animation_export import export_animation_to

JOB_MS = 10_000


def test_export_animation_writes_every_interpolated_frame(qtbot, window, tiny_vae, tmp_path):
    assert window.actions_by_name["export_animation"] in window.menuBar().actions()[0].menu().actions()
    window.panel.restore("vae-interpolate", {"model": "fashion", "frames": 5, "upscale": 2})
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS):
        qtbot.mouseClick(window.panel.generate_button, Qt.MouseButton.LeftButton)
    assert window.result_pixels.shape == (64, 96, 3)  # 3 columns × 2 rows of 32 px frames (16 px model, upscale 2)
    for suffix in (".gif", ".webp"):
        assert export_animation_to(window, tmp_path / f"walk{suffix}")
        with Image.open(tmp_path / f"walk{suffix}") as image:
            assert image.n_frames == 5 and image.size == (32, 32)
    assert export_animation_to(window, tmp_path / "walk.png")
    with Image.open(tmp_path / "walk.png") as image:
        assert image.size == (160, 32)
    assert read_metadata(tmp_path / "walk.png").plugin_id == "vae-interpolate"
    assert window.status.message.text() == "Exported 5 frame(s) to walk.png"


def test_export_without_a_result_says_what_to_do(window, tmp_path):
    assert not export_animation_to(window, tmp_path / "walk.gif")
    assert "generate a result first" in window.status.message.text()
    assert not (tmp_path / "walk.gif").exists()
