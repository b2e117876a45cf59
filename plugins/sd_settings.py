"""Where the Stable Diffusion plugins find their files: the user's Settings and the shipped configs.

Read fresh on every call, so a models folder changed in Settings applies to the next run
without a restart. Callers use these through the module (``sd_settings.models_folder()``),
which is also where tests point them at tiny models.
"""

from __future__ import annotations

from pathlib import Path

from gencanvas.core.resources import resource_path
from gencanvas.core.settings import load_settings

SETTING_HINT = "Settings → Models dir"


def models_folder() -> Path:
    return Path(load_settings().models_dir)


def ckpt_allowed() -> bool:
    return bool(load_settings().allow_ckpt)


def configs_root() -> Path:
    """The shipped diffusers configs and CLIP merges that single files are loaded with."""
    return resource_path("sd_configs")
