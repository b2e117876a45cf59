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

from gencanvas.atomic import write_text_atomically

log = logging.getLogger(__name__)

APP_NAME = "GenCanvas"


def config_dir() -> Path:
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def user_data_folder(name: str) -> Path:
    """A folder of the user's data (``GENCANVAS_HOME/<name>`` when set): models, plugins, autosaves."""
    home = os.environ.get("GENCANVAS_HOME")
    return Path(home) / name if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / name


def default_models_dir() -> Path:
    return user_data_folder("models")


def plugins_dir() -> Path:
    """The per-user plugins folder: wheels and folders dropped here load like installed plugins.

    It is the only way to add a plugin to the frozen app, which has no site-packages; it sits
    with the models in the user's data folder, not in the settings, since the user does not
    choose it (``GENCANVAS_HOME`` moves it like every other per-user folder).
    """
    return user_data_folder("plugins")


def autosave_dir() -> Path:
    """Where open canvases are autosaved for crash recovery (``GENCANVAS_HOME/autosave`` when set)."""
    return user_data_folder("autosave")


class Settings(BaseModel):
    """Everything the user can change in Settings; unknown keys from newer versions are ignored."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    device: Literal["auto", "cuda", "mps", "cpu"] = Field("auto", description="Where generators run")
    precision: Literal["auto", "fp32", "fp16", "bf16"] = Field("auto", description="Number format on the GPU")
    models_dir: Path = Field(
        default_factory=default_models_dir,
        description="Folder with your own models: Stable Diffusion checkpoints, ControlNets, VAEs, TAESD",
    )
    extra_model_dirs: str = Field(
        "",
        description="Other tools' model folders, read in place; separate with ';' "
        "(an A1111 or ComfyUI folder, or its models/Stable-diffusion, models/Lora, embeddings...)",
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

    def model_folders(self) -> list[Path]:
        """The models folder, then the extra folders of other tools (read in place, never copied)."""
        extra = [Path(part.strip()).expanduser() for part in self.extra_model_dirs.split(";") if part.strip()]
        return [Path(self.models_dir).expanduser(), *extra]


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
    return write_text_atomically(path, settings.model_dump_json(indent=2))
