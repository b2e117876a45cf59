"""File › Export animation…: the current result's frames as an animated GIF/WebP or a PNG strip.

The window keeps the last result's pixels at the size the plugin made them (the canvas
shows them stretched to the document); the frames are cut from those with the layout
rules of :mod:`gencanvas.core.animation`, so nothing is resampled on the way out. The
window is seen only as a :class:`~gencanvas.qt.window_host.ResultSource`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from gencanvas.core.animation import (
    EXPORT_FILTER,
    EXPORT_SUFFIXES,
    export_sequence,
    frames_of_result,
)

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.qt.window_host import ResultSource

DEFAULT_FPS = 8.0


def export_animation_to(window: ResultSource, path: str | Path, *, fps: float = DEFAULT_FPS) -> bool:
    """Write the current result's frames to ``path`` (.gif, .webp or .png strip); False with a message on failure."""
    path = Path(path)
    if window.result_pixels is None:
        window.status.failed("Nothing to export: generate a result first (for example with Latent interpolation).")
        return False
    if path.suffix.lower() not in EXPORT_SUFFIXES:
        window.show_error(f"Unsupported animation format {path.suffix or '(no suffix)'!r}: use .gif, .webp or .png.")
        return False
    metadata = window.result_metadata
    frames = frames_of_result(window.result_pixels, metadata.params if metadata else None)
    try:
        export_sequence(path, frames, fps=fps, metadata=metadata)
    except (OSError, ValueError) as exc:
        window.show_error(f"Could not export {path.name}: {exc}")
        return False
    window.status.idle(f"Exported {len(frames)} frame(s) to {path.name}")
    return True


def export_animation_dialog(window: ResultSource) -> None:
    start = (window.document_path or Path("untitled")).with_suffix(".gif")
    path, chosen = QFileDialog.getSaveFileName(window.qt_window, "Export animation", str(start), EXPORT_FILTER)
    if path:
        if not Path(path).suffix:
            path += ".png" if "png" in chosen.lower() else ".webp" if "webp" in chosen.lower() else ".gif"
        export_animation_to(window, path)
