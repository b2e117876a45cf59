"""A canvas view shown at 1:1 on screen, for tests that drive it with real mouse events."""

from __future__ import annotations

import pytest

from gencanvas.qt.canvas import CanvasView

W, H = 120, 90  # the document size of the shown canvas


@pytest.fixture
def canvas(qtbot) -> CanvasView:
    """A W×H canvas in a 480×360 view, exposed, at 100 % zoom: document pixels are screen pixels."""
    view = CanvasView(W, H)
    qtbot.addWidget(view)
    view.resize(480, 360)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_actual()
    return view
