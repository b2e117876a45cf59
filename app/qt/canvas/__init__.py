"""The painting canvas: layered document, brush tools, undo, zoom/pan and drag & drop.

The window imports only these names; the layer stack and undo commands are internals.
"""

from gencanvas.qt.canvas.layers import Layer
from gencanvas.qt.canvas.navigation import MAX_ZOOM, MIN_ZOOM
from gencanvas.qt.canvas.strokes import MAX_BRUSH_SIZE, MIN_BRUSH_SIZE, Tool
from gencanvas.qt.canvas.view import CanvasView

__all__ = ["MAX_BRUSH_SIZE", "MAX_ZOOM", "MIN_BRUSH_SIZE", "MIN_ZOOM", "CanvasView", "Layer", "Tool"]
