"""The mask sliders every inpainting plugin shares: grow/shrink and feather.

A plugin's parameters inherit :class:`SoftMaskParams`; its run asks :func:`soft_mask_for`
(with the painted coverage, ``inputs.mask_alpha``) for the region to generate in and
:func:`gencanvas.core.mask_ops.composite` puts the fill back, so unmasked pixels stay exact
outside the feather in every plugin alike.
"""

from __future__ import annotations

import numpy as np

from gencanvas.core.mask_ops import SoftMask, soft_mask
from gencanvas.plugin_api import ParamsBase, slider


def grow_field(default: int = 0) -> int:
    """The grow/shrink slider (a plugin may give it another default)."""
    result: int = slider(default, ge=-32, le=64, description="Grow the mask by this many pixels (negative: shrink it)")
    return result


def feather_field(default: int = 0) -> int:
    """The feather slider (a plugin may give it another default)."""
    result: int = slider(
        default, ge=0, le=64, description="Soften the mask's edge over this many pixels; beyond it nothing changes"
    )
    return result


class SoftMaskParams(ParamsBase):
    """Mixed into an inpainting plugin's parameters."""

    grow_mask: int = grow_field()
    feather: int = feather_field()


def soft_mask_for(mask: np.ndarray, params: SoftMaskParams, alpha: np.ndarray | None = None) -> SoftMask:
    """The region and alpha the plugin fills: ``mask`` (and its painted coverage ``alpha``,
    ``inputs.mask_alpha``, so a soft brush edge blends softly) grown and feathered by the sliders."""
    return soft_mask(mask, params.grow_mask, params.feather, alpha)
