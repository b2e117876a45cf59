"""Find every model under the user's folders, as A1111, ComfyUI and people lay them out.

Users keep models in sub-folders (``Stable-diffusion/SD1.5/x.safetensors``), point at a
webui's or ComfyUI's root rather than its ``models/`` folder, and mix in pickles and files
of other tools. The walk is recursive but bounded (depth and entries), reads only headers,
never descends into a diffusers folder it recognised, and keeps what it could not use with
the reason, so "no model found" can name those files instead of saying nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gencanvas.models.sd.importer import (
    PICKLE_SUFFIXES,
    WEIGHT_SUFFIXES,
    ModelInfo,
    UnsafeCheckpointError,
    classify_folder,
    classify_path,
)

log = logging.getLogger(__name__)
MAX_DEPTH = 6  # models/Stable-diffusion/SDXL/photo/v2/x.safetensors is depth 5 below a webui root
MAX_ENTRIES = 20_000  # a mistaken pick of a home folder stops quickly instead of hanging the panel
SKIP_DIRS = frozenset({"__pycache__", "venv", ".venv", "node_modules", "site-packages", "outputs", "output"})
# What of a webui root holds models (the ControlNet extension keeps its own folder).
A1111_PARTS = ("models", "embeddings", "extensions/sd-webui-controlnet/models")


@dataclass(frozen=True)
class Skipped:
    """A file that looked like weights but is not used, and why (shown to the user)."""

    path: Path
    reason: str


@dataclass
class ScanResult:
    models: list[ModelInfo] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def search_roots(folder: Path) -> list[Path]:
    """Where to look in ``folder``: a webui or ComfyUI root is read through its model folders."""
    folder = Path(folder).expanduser()
    if (folder / "models" / "Stable-diffusion").is_dir():  # an A1111 / Forge webui root
        return [folder / part for part in A1111_PARTS if (folder / part).is_dir()]
    if (folder / "models" / "checkpoints").is_dir():  # a ComfyUI root
        return [folder / "models"]
    return [folder]


def _skip_reason(path: Path, exc: Exception) -> str:
    if isinstance(exc, UnsafeCheckpointError):
        return "pickle file (.ckpt/.pt/.pth/.bin), which can run code when opened: allow .ckpt files in Settings"
    return f"unreadable ({type(exc).__name__}: {exc})"


def scan_folders(
    folders: list[Path], allow_ckpt: bool = False, *, max_depth: int = MAX_DEPTH, max_entries: int = MAX_ENTRIES
) -> ScanResult:
    """Every model under ``folders`` (webui/ComfyUI roots expanded), sorted by kind and name."""
    result = ScanResult()
    found: dict[Path, ModelInfo] = {}
    seen_dirs: set[Path] = set()
    budget = [max_entries]

    def visit(path: Path, depth: int) -> None:
        if path.is_dir():
            real = path.resolve()
            if real in seen_dirs:
                return  # a link back up the tree, or two roots overlapping
            seen_dirs.add(real)
            if depth > 0 and _take(path, allow_ckpt, found, result):
                return
            if depth >= max_depth:
                return
            try:
                children = sorted(path.iterdir())
            except OSError as exc:
                result.skipped.append(Skipped(path, f"unreadable folder ({exc.strerror or exc})"))
                return
            for child in children:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
                if child.name.startswith(".") or child.name in SKIP_DIRS:
                    continue
                visit(child, depth + 1)
        elif path.suffix.lower() in WEIGHT_SUFFIXES:
            _take(path, allow_ckpt, found, result)

    for folder in folders:
        for root in search_roots(Path(folder)):
            if root.is_dir():
                visit(root, 0)
    if budget[0] <= 0:
        result.skipped.append(Skipped(Path(folders[0]), f"search stopped after {max_entries} entries"))
    result.models = sorted(found.values(), key=lambda m: (m.kind, m.name.lower()))
    return result


def _take(path: Path, allow_ckpt: bool, found: dict[Path, ModelInfo], result: ScanResult) -> bool:
    """Classify one file or folder into ``found`` or ``result.skipped``; True when it was a model."""
    try:
        info = classify_folder(path) if path.is_dir() else classify_path(path, allow_ckpt)
    except Exception as exc:  # a truncated download, a foreign format, a pickle without the opt-in
        result.skipped.append(Skipped(path, _skip_reason(path, exc)))
        return False
    if info is None:
        if not path.is_dir():
            result.skipped.append(Skipped(path, "unknown tensors: not a model kind GenCanvas recognises"))
        return False
    found.setdefault(path.resolve(), info)
    return True


def is_pickle(path: Path) -> bool:
    return path.suffix.lower() in PICKLE_SUFFIXES


def scan_models(root: Path, allow_ckpt: bool = False, warn: Callable[[str], None] = log.info) -> list[ModelInfo]:
    """Every model under ``root`` (searched recursively, see ``scan.scan_folders``), sorted by kind and name.

    Files that are not SD models, pickles without the opt-in and broken files are skipped
    with a message through ``warn``, never an exception: one bad download must not hide
    the rest of the folder.
    """
    result = scan_folders([Path(root)], allow_ckpt)
    for skipped in result.skipped:
        warn(f"{skipped.path.name} skipped: {skipped.reason}")
    return result.models
