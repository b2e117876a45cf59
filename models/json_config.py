"""The one ``config.json`` format of every model the project trains, and the one way to tell model folders apart.

Each model's configuration is a dataclass deriving from :class:`JsonConfig` (as diffusers'
``ConfigMixin``): ``save`` writes its fields plus a ``kind`` ("diffusion", "vae", "pix2pix",
"stylegan") and ``load`` rebuilds it, turning JSON lists back into the tuples the fields
declare. :func:`model_kind` reads that ``kind``, so a plugin finds its folders under
resources/weights by asking one function instead of searching config.json for a key it hopes
only its own model writes. Folders saved before ``kind`` existed are recognised by the one
field each model alone has (:data:`LEGACY_MARKERS`).

Plain json and dataclasses, no torch: plugins call this while the window starts.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar

from typing_extensions import Self

from gencanvas.atomic import write_text_atomically

CONFIG_FILE = "config.json"

# Folders written before configs carried ``kind``: the field only that model's config has.
LEGACY_MARKERS: tuple[tuple[str, str], ...] = (
    ("num_train_timesteps", "diffusion"),
    ("sketch_styles", "pix2pix"),
    ("mapping_layers", "stylegan"),
)


def read_config(folder: Path) -> dict[str, Any]:
    """The parsed ``config.json`` of ``folder``; OSError when absent, ValueError when not a JSON object."""
    data = json.loads((Path(folder) / CONFIG_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{Path(folder) / CONFIG_FILE} is not a JSON object")
    return data


def model_kind(folder: Path) -> str | None:
    """The kind of model saved in ``folder`` ("diffusion", "vae", ...), or None when it holds none we know.

    The ``kind`` field decides; a config without one (saved by an older version) is recognised
    by :data:`LEGACY_MARKERS`. A missing or unreadable config.json is not a model folder.
    """
    try:
        data = read_config(folder)
    except (OSError, ValueError):
        return None
    kind = data.get("kind")
    if isinstance(kind, str):
        return kind
    return next((kind for key, kind in LEGACY_MARKERS if key in data), None)


def model_folders(root: Path, kind: str) -> list[Path]:
    """The folders directly under ``root`` that hold a model of ``kind``, sorted by name."""
    return sorted(config.parent for config in Path(root).glob(f"*/{CONFIG_FILE}") if model_kind(config.parent) == kind)


class JsonConfig:
    """Base of the model configurations (dataclasses): ``config.json`` save/load with a ``kind`` field.

    ``kind`` is a class constant, not a dataclass field: it names the class, so it is written
    with every save and checked on load (a StyleGAN folder refuses to load as a VAE), never
    passed to the constructor. ``legacy_keys`` are keys older versions wrote that are now
    ignored on load.
    """

    kind: ClassVar[str]
    legacy_keys: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON-ready data, with ``kind``."""
        assert dataclasses.is_dataclass(self)
        return dataclasses.asdict(self) | {"kind": self.kind}

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomically(folder / CONFIG_FILE, json.dumps(self.to_json(), indent=2))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """Rebuild from saved data: lists become tuples where the field is a tuple; unknown legacy keys go."""
        data = {k: v for k, v in data.items() if k != "kind" and k not in cls.legacy_keys}
        assert dataclasses.is_dataclass(cls)
        for field in dataclasses.fields(cls):
            if str(field.type).startswith("tuple") and isinstance(data.get(field.name), list):
                data[field.name] = tuple(data[field.name])
        return cls(**data)

    @classmethod
    def load(cls, folder: Path) -> Self:
        """The configuration saved in ``folder``; ValueError when that folder holds another kind of model."""
        data = read_config(folder)
        found = data.get("kind", cls.kind)
        if found != cls.kind:
            raise ValueError(f"{folder} holds a {found} model, not a {cls.kind}")
        return cls.from_json(data)
