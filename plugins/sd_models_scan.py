"""Which Stable Diffusion models the user has: the scan of the models folder and the choice among them.

Models are recognised by ``gencanvas.models.sd.importer``. Nothing is read at import time:
``scan`` reads the folder when called (every run and every availability check does, so a
newly added file is used by "auto" without a restart), and ``listed_names`` makes the one
scan the drop-downs list, the first time it is asked.
"""

from __future__ import annotations

import functools

from gencanvas.models.sd.importer import ModelInfo, scan_models
from gencanvas.plugins import sd_settings


def scan() -> list[ModelInfo]:
    return scan_models(sd_settings.models_folder(), sd_settings.ckpt_allowed())


@functools.cache
def _listed() -> tuple[ModelInfo, ...]:
    try:
        return tuple(scan())
    except OSError:  # an unreadable folder lists nothing; runs say why
        return ()


def listed_names(kind: str) -> tuple[str, ...]:
    """Names of the models of ``kind`` for the drop-downs: what was there when first asked."""
    return tuple(m.name for m in _listed() if m.kind == kind)


def pick(
    models: list[ModelInfo], kind: str, name: str, *, family: str | None = None, inpaint: bool | None = None
) -> ModelInfo | None:
    """The named model, or for "auto" the first of the kind (preferring ``inpaint`` and ``family``)."""
    candidates = [m for m in models if m.kind == kind]
    if name not in ("auto", "checkpoint"):
        return next((m for m in candidates if m.name == name), None)
    if family is not None:
        candidates = [m for m in candidates if m.family == family]
    if inpaint is not None:
        candidates.sort(key=lambda m: m.inpaint != inpaint)
    return candidates[0] if candidates else None


def no_checkpoint_message() -> str:
    return (
        f"No Stable Diffusion checkpoint found in {sd_settings.models_folder()}. Put a .safetensors checkpoint "
        f"(SD 1.5, SD 2.x or SDXL) or a diffusers folder there (checkpoints/, controlnet/ and vae/ subfolders work "
        f"too), or point {sd_settings.SETTING_HINT} at the folder of another tool."
    )


def unavailable() -> str | None:
    return None if pick(scan(), "checkpoint", "auto") else no_checkpoint_message()
