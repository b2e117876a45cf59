"""Render resources/icons/gencanvas.svg to a 512 px PNG for the executable icon.

PyInstaller turns a .png into the .ico (Windows) or .icns (macOS) it needs, using Pillow,
so the SVG stays the only icon source in the repository.

    python build_scripts/render_icon.py build/gencanvas.png
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SVG = Path(__file__).resolve().parents[1] / "resources" / "icons" / "gencanvas.svg"
SIDE = 512


def render(out: Path, side: int = SIDE) -> Path:
    _app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(side, side, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise OSError(f"could not write {out}")
    return out


if __name__ == "__main__":
    print(render(Path(sys.argv[1] if len(sys.argv) > 1 else "build/gencanvas.png")))
