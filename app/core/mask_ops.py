"""Soft masks: grow or shrink a painted mask, feather its edge, and composite a fill through it.

Qt-free and torch-free (OpenCV distance transforms), shared by every inpainting plugin so the
same sliders mean the same thing everywhere. The feather is a band centred on the (grown)
mask's edge: inside it the fill fades out with the distance to the edge, and every pixel
``feather / 2 + 1`` or more outside the mask is the original, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gencanvas.core.plugin_api import PluginError


def grow_mask(mask: np.ndarray, pixels: int) -> np.ndarray:
    """The mask dilated by ``pixels`` (a disc), or eroded when ``pixels`` is negative; bool."""
    mask_u8 = mask.astype(np.uint8) * 255
    if pixels == 0:
        return mask_u8 > 0
    radius = abs(pixels)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    grown = cv2.dilate(mask_u8, kernel) if pixels > 0 else cv2.erode(mask_u8, kernel, borderValue=255)
    return grown > 0


@dataclass(frozen=True)
class SoftMask:
    """Where a plugin generates (``region``) and how much of its fill shows (``alpha``)."""

    region: np.ndarray  # bool (H, W): the grown mask and the outer half of the feather band
    alpha: np.ndarray  # float32 (H, W) in 0..1: 1 well inside, 0 from feather/2 + 1 px outside on


def soft_mask(mask: np.ndarray, grow: int = 0, feather: int = 0) -> SoftMask:
    """The painted ``mask`` grown by ``grow`` pixels (shrunk when negative) and feathered over ``feather``.

    Alpha is a ramp over the Euclidean distance to the grown mask's edge, so it falls
    monotonically from 1 to 0 across the band; with ``feather`` 0 it is the hard mask.
    """
    hard = grow_mask(mask, grow)
    if not hard.any():
        raise PluginError(f"Shrinking the mask by {-grow} px leaves nothing to fill; shrink it less.")
    if feather <= 0:
        return SoftMask(hard, hard.astype(np.float32))
    hard_u8 = hard.astype(np.uint8)
    inside = cv2.distanceTransform(hard_u8, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)  # ≥ 1 inside, 0 outside
    outside = cv2.distanceTransform(1 - hard_u8, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)  # ≥ 1 outside
    signed = np.where(hard, inside - 0.5, 0.5 - outside)  # the edge runs between pixels, at 0
    alpha = np.clip(signed / (feather + 1) + 0.5, 0.0, 1.0).astype(np.float32)  # feather 1 is soft too
    return SoftMask(alpha > 0, alpha)


def composite(original: np.ndarray, fill: np.ndarray, soft: SoftMask) -> np.ndarray:
    """``fill`` over ``original`` through the soft mask: exact original wherever alpha is 0."""
    alpha = soft.alpha[..., None]
    blended = original.astype(np.float32) * (1 - alpha) + fill.astype(np.float32) * alpha
    result = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    outside = ~soft.region
    result[outside] = original[outside]  # bit-exact, not merely rounded back
    return result
