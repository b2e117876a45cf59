"""Which Stable Diffusion models the user has: the scan of the models folder and the choice among them.

Models are recognised by ``gencanvas.models.sd.importer``. Nothing is read at import time:
``scan`` reads the folder when called (every run and every availability check does, so a
newly added file is used by "auto" without a restart), and ``listed_names`` makes the one
scan the drop-downs list, the first time it is asked.
"""

from __future__ import annotations

import functools

from gencanvas.models.sd import scan as sd_scan
from gencanvas.models.sd.importer import ModelInfo
from gencanvas.plugins import sd_settings


def scan_result() -> sd_scan.ScanResult:
    """The models folder and the extra search folders, walked now (models and skipped files)."""
    return sd_scan.scan_folders(sd_settings.search_folders(), sd_settings.ckpt_allowed())


def scan() -> list[ModelInfo]:
    return scan_result().models


@functools.cache
def _listed() -> tuple[ModelInfo, ...]:
    try:
        return tuple(scan())
    except OSError:  # an unreadable folder lists nothing; runs say why
        return ()


def refresh() -> None:
    """Forget the drop-downs' scan (after a model was added or removed)."""
    _listed.cache_clear()


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


def no_checkpoint_message(skipped: list[sd_scan.Skipped] | None = None) -> str:
    """Where GenCanvas looked, what to do, and which files it passed over and why."""
    skipped = scan_result().skipped if skipped is None else skipped
    named = "; ".join(f"{s.path.name}: {s.reason}" for s in skipped[:3])
    more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
    return (
        f"No Stable Diffusion checkpoint found in {sd_settings.models_folder()}. Put a .safetensors checkpoint "
        f"(SD 1.5, SD 2.x or SDXL) or a diffusers folder there (any sub-folder works, as does an A1111 or ComfyUI "
        f"folder), or point {sd_settings.SETTING_HINT} at the folder of another tool."
        + (f" Skipped: {named}{more}." if named else "")
    )


def unavailable() -> str | None:
    result = scan_result()
    return None if pick(result.models, "checkpoint", "auto") else no_checkpoint_message(result.skipped)
