"""The feather preview: the red mask overlay shows the mask as the selected plugin will use it.

While the chosen plugin has the shared grow/feather sliders (``grow_mask`` and ``feather``,
see ``plugins/mask_support.py``), the overlay shows :func:`gencanvas.core.mask_ops.soft_mask`
of the painted mask -- the grown area and the fading band -- so the artist sees the feather
before running. Slider moves and mask edits are debounced; the computation (about 0.1-0.8 s
for a large mask at 2048², far over a frame) runs on a worker thread, the newest request
wins, and a result for an older mask or older settings is dropped by its stamp. Any edit of
the mask shows the painted mask again at once (the canvas drops the preview itself).
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from gencanvas.core.mask_ops import soft_mask
from gencanvas.core.plugin_api import PluginError
from gencanvas.qt.canvas import CanvasView, Layer
from gencanvas.qt.image_convert import array_from_qimage
from gencanvas.qt.plugin_panel import PluginPanel

DEBOUNCE_MS = 80  # a slider drag sends many values: compute for the one it rests on
GROW, FEATHER = "grow_mask", "feather"  # the shared sliders' field names
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mask-preview")


def preview_rgba(coverage: np.ndarray, grow: int, feather: int) -> np.ndarray | None:
    """The overlay for a painted ``coverage`` (float32 0..1): red at the soft mask's alpha, as
    premultiplied RGBA (the red channel equals alpha); None when there is nothing to show."""
    if not coverage.any():
        return None
    try:
        soft = soft_mask(coverage > 0, grow, feather, coverage)
    except PluginError:  # shrunk to nothing: the plugin will say so when run
        return None
    rgba = np.zeros((*coverage.shape, 4), np.uint8)
    rgba[..., 0] = rgba[..., 3] = np.rint(soft.alpha * 255).astype(np.uint8)
    return rgba


def _compute(mask: QImage, grow: int, feather: int) -> QImage | None:
    """Off the GUI thread: the mask image is a shared copy, which a later stroke detaches from."""
    coverage = array_from_qimage(mask, 4)[..., 3].astype(np.float32) / 255
    rgba = preview_rgba(coverage, grow, feather)
    if rgba is None:
        return None
    height, width = rgba.shape[:2]
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888_Premultiplied).copy()


class MaskPreview(QObject):
    """Keeps the canvas's mask overlay in step with the selected plugin's grow/feather sliders."""

    _ready = Signal(int, object)  # stamp, the overlay QImage or None; emitted from the pool thread

    def __init__(self, canvas: CanvasView, panel: PluginPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas, self.panel = canvas, panel
        self._stamp = 0
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self._ready.connect(self._show, Qt.ConnectionType.QueuedConnection)
        panel.pluginChanged.connect(self.schedule)
        panel.paramsChanged.connect(self.schedule)
        canvas.undo_stack.indexChanged.connect(self.schedule)  # strokes, undo, redo, new masks
        canvas.documentResized.connect(self.schedule)
        self.schedule()

    def settings(self) -> tuple[int, int] | None:
        """The current plugin's (grow, feather), or None when it has no such sliders or they do nothing."""
        values: dict[str, Any] = self.panel.current_values() if self.panel.plugins else {}
        grow, feather = values.get(GROW), values.get(FEATHER)
        if not isinstance(grow, int) or not isinstance(feather, int) or (grow, feather) == (0, 0):
            return None
        return grow, feather

    def schedule(self) -> None:
        """Recompute after the input has rested for ``DEBOUNCE_MS``."""
        self._stamp += 1  # whatever is computing now describes an older state
        self._timer.start()

    def refresh(self) -> Future[QImage | None] | None:
        """Start computing the preview for the current mask and sliders (the debounce timer's slot)."""
        self._stamp += 1
        settings = self.settings()
        if settings is None:
            self.canvas.set_mask_preview(None)
            return None
        stamp, mask = self._stamp, self.canvas.snapshot()[Layer.MASK]
        future = _POOL.submit(_compute, mask, *settings)
        future.add_done_callback(lambda done: self._deliver(stamp, done))
        return future

    def _deliver(self, stamp: int, future: Future[QImage | None]) -> None:
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile: nobody to show it to
            self._ready.emit(stamp, future.result())

    def _show(self, stamp: int, overlay: QImage | None) -> None:
        if stamp != self._stamp:
            return  # the mask or the sliders changed since: a newer result is on its way
        self.canvas.set_mask_preview(overlay)
