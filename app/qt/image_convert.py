"""numpy <-> QImage conversions, always copying so neither side aliases the other's memory."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def qimage_from_array(array: np.ndarray) -> QImage:
    """RGB (H, W, 3) or RGBA (H, W, 4) uint8, or bool/uint8 (H, W) grey, to an owned QImage."""
    array = np.ascontiguousarray(array)
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    if array.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {array.dtype}")
    if array.ndim == 2:
        fmt, channels = QImage.Format.Format_Grayscale8, 1
    elif array.ndim == 3 and array.shape[2] == 3:
        fmt, channels = QImage.Format.Format_RGB888, 3
    elif array.ndim == 3 and array.shape[2] == 4:
        fmt, channels = QImage.Format.Format_RGBA8888, 4
    else:
        raise ValueError(f"cannot show an array of shape {array.shape}")
    height, width = array.shape[:2]
    image = QImage(array.data, width, height, width * channels, fmt)
    return image.copy()  # detach from the numpy buffer


def array_from_qimage(image: QImage, channels: int = 4) -> np.ndarray:
    """A QImage as an owned uint8 array with 4 (RGBA), 3 (RGB) or 1 (grey, 2-D) channels."""
    formats = {
        4: QImage.Format.Format_RGBA8888,
        3: QImage.Format.Format_RGB888,
        1: QImage.Format.Format_Grayscale8,
    }
    converted = image.convertToFormat(formats[channels])
    width, height = converted.width(), converted.height()
    stride = converted.bytesPerLine()
    buffer = np.frombuffer(converted.constBits(), dtype=np.uint8, count=stride * height)
    rows = buffer.reshape(height, stride)[:, : width * channels]
    array = rows.reshape(height, width, channels) if channels > 1 else rows.reshape(height, width)
    return array.copy()
