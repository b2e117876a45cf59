"""Render the README screenshot from the real window (offscreen): open a sample, mask, inpaint.

QT_QPA_PLATFORM=offscreen .venv/bin/python build_scripts/make_screenshot.py resources/screenshots/main-window.png
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QPointF
from PySide6.QtGui import QColor

from gencanvas.core.resources import sample_images
from gencanvas.core.settings import Settings
from gencanvas.qt.app import build_window, create_application
from gencanvas.qt.canvas import Layer


def main(out: Path) -> None:
    app = create_application()
    window = build_window(Settings())
    window.resize(1280, 820)
    window.show()
    window.open_path(sample_images()[0])  # the astronaut
    # Paint out the rocket on the right, as an artist would with the mask brush.
    window.canvas.paint_stroke(Layer.MASK, [QPointF(430, 40), QPointF(440, 200)], 44, QColor("white"))
    loop = QEventLoop()
    window.generation.resultCommitted.connect(lambda _e: loop.quit())
    window.generation.generate()
    loop.exec()
    window.canvas.set_layer_visible(Layer.MASK, False)
    app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    window.canvas.undo_stack.setClean()
    window.close()
    print(out)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshots/main-window.png"))
