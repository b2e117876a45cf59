"""A third-party plugin package: it imports gencanvas.plugin_api and nothing else of GenCanvas.

``Tint`` shows the parts of API 1.0 an author combines: a required and an optional input,
a model choice whose options are found at run time, a form that depends on that choice
(``params_for``) and a setting that follows it (``linked_values``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from pydantic import create_model

from gencanvas.plugin_api import (
    InputKind,
    ParamsBase,
    Plugin,
    PluginInputs,
    RunContext,
    model_choice,
    slider,
)


def installed_palettes() -> tuple[str, ...]:
    """Stands in for a scan of the author's model folder: known only at run time."""
    return ("warm", "cool")


PALETTES = installed_palettes()
COLOURS = {"warm": (255, 140, 0), "cool": (0, 120, 255)}
OWN_STRENGTH = {"warm": 0.5, "cool": 0.25}  # each palette's evaluated default, like a model's guidance


class TintParams(ParamsBase):
    palette: str = model_choice(PALETTES[0], PALETTES, description="Installed palette")
    strength: float = slider(0.5, ge=0.0, le=1.0, step=0.05, description="How much of the colour to mix in")


@lru_cache
def palette_params(palette: str) -> type[TintParams]:
    """Each palette adds its own slider (``warmth`` or ``chill``), as a model adds its own directions."""
    extra: dict[str, Any] = {
        "warmth" if palette == "warm" else "chill": (float, slider(0.0, ge=0.0, le=1.0, description="Extra shift")),
    }
    return create_model(
        f"TintParams{palette.capitalize()}",
        __base__=TintParams,
        palette=(str, model_choice(palette, PALETTES, description="Installed palette")),
        **extra,
    )


class Tint(Plugin[TintParams]):
    id = "demo-tint"
    title = "Tint (demo)"
    description = "Tints the photo, only inside the mask when one is painted."
    api_version = "1.0"
    inputs = frozenset({InputKind.IMAGE})
    optional_inputs = frozenset({InputKind.MASK})
    Params = palette_params(PALETTES[0])
    seen_masks: ClassVar[list[bool]] = []  # whether each run got a mask: the tests read it

    @classmethod
    def params_for(cls, values: Mapping[str, Any]) -> type[TintParams]:
        palette = values.get("palette")
        return palette_params(palette if isinstance(palette, str) and palette in PALETTES else PALETTES[0])

    @classmethod
    def linked_values(cls, edited: str, values: dict[str, Any]) -> dict[str, Any]:
        return {"strength": OWN_STRENGTH[values["palette"]]} if edited == "palette" else {}

    def run(self, inputs: PluginInputs, params: TintParams, ctx: RunContext) -> np.ndarray:
        image = inputs.require(InputKind.IMAGE)
        Tint.seen_masks.append(inputs.mask is not None)
        colour = np.array(COLOURS[params.palette], np.float32)
        tinted = (image * (1 - params.strength) + colour * params.strength).round().astype(np.uint8)
        result = image.copy()
        where = inputs.mask if inputs.mask is not None else np.ones(image.shape[:2], bool)
        result[where] = tinted[where]
        ctx.emit(result, 1, 1)
        return result
