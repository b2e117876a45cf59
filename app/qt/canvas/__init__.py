"""The painting canvas: layered document, brush tools, undo, zoom/pan and drag & drop.

The window imports only these names; the layer stack and undo commands are internals.
"""

from gencanvas.qt.canvas.layers import Layer
from gencanvas.qt.canvas.tools import MAX_BRUSH_SIZE, MAX_ZOOM, MIN_BRUSH_SIZE, MIN_ZOOM, Tool
from gencanvas.qt.canvas.view import CanvasView

__all__ = ["MAX_BRUSH_SIZE", "MAX_ZOOM", "MIN_BRUSH_SIZE", "MIN_ZOOM", "CanvasView", "Layer", "Tool"]
