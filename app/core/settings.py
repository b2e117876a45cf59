"""User settings, declared once as a pydantic model and persisted as JSON per user.

The same declaration drives validation, the Settings dialog (built from the schema like
a plugin's parameter form) and the CLI. ``GENCANVAS_HOME`` relocates every per-user
folder, which tests and portable installs use.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

APP_NAME = "GenCanvas"


def config_dir() -> Path:
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_models_dir() -> Path:
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / "models" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "models"


def autosave_dir() -> Path:
    """Where open canvases are autosaved for crash recovery (``GENCANVAS_HOME/autosave`` when set)."""
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / "autosave" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "autosave"


class Settings(BaseModel):
    """Everything the user can change in Settings; unknown keys from newer versions are ignored."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    device: Literal["auto", "cuda", "mps", "cpu"] = Field("auto", description="Where generators run")
    precision: Literal["auto", "fp32", "fp16", "bf16"] = Field("auto", description="Number format on the GPU")
    models_dir: Path = Field(
        default_factory=default_models_dir,
        description="Folder with your own models: Stable Diffusion checkpoints, ControlNets, VAEs, TAESD",
    )
    allow_ckpt: bool = Field(False, description="Also load .ckpt/.pt pickle checkpoints (opened weights-only)")
    theme: Literal["system", "light", "dark"] = Field("system", description="Window colours")
    history_limit: int = Field(
        50,
        ge=1,
        le=1000,
        title="History limit",
        description="History results a project or autosave keeps (the oldest are dropped when it is written)",
    )
    autosave_seconds: int = Field(
        30,
        ge=5,
        le=600,
        title="Autosave every",
        description="Seconds between autosaves while there are unsaved changes",
    )


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings() -> Settings:
    """Read the user's settings; a missing or broken file gives defaults and a log line, never a crash."""
    path = settings_path()
    if not path.exists():
        return Settings()
    try:
        return Settings.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()


def save_settings(settings: Settings) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(settings.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path
