"""Add and remove the user's model files: one implementation for the command line and the window.

A file is identified from its contents (``importer.classify_path``), never its name, and
goes to the subfolder its kind belongs in (ComfyUI's names, which the scan also reads), by
an atomic copy (a cancelled or failed copy leaves no half file the scan would pick up) or,
at the user's choice, a link to where it already is. Removing only ever deletes entries
that sit inside the models folder, so a model read in place from another tool's folder is
never deleted from there.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from gencanvas.atomic import write_atomically
from gencanvas.models.sd.importer import ModelInfo, UnsafeCheckpointError, classify_path

SUBFOLDER = {
    "checkpoint": "checkpoints",
    "controlnet": "controlnet",
    "vae": "vae",
    "taesd": "vae_approx",
    "lora": "loras",
    "embedding": "embeddings",
    "upscaler": "upscale_models",
}


class ModelFileError(ValueError):
    """A file that cannot be added or removed; the message is one sentence for the user."""


def identify(path: Path, allow_ckpt: bool = False) -> ModelInfo:
    """What ``path`` is (kind, base), or one sentence saying why it cannot be used."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ModelFileError(f"{path} does not exist.")
    try:
        info = classify_path(path, allow_ckpt)
    except UnsafeCheckpointError as exc:
        raise ModelFileError(str(exc)) from exc
    except Exception as exc:
        raise ModelFileError(f"{path.name} could not be read ({type(exc).__name__}: {exc}).") from exc
    if info is None:
        raise ModelFileError(
            f"{path.name} is not a model GenCanvas recognises (a Stable Diffusion checkpoint, ControlNet, VAE, "
            "TAESD, LoRA, embedding or upscaler as .safetensors, or a diffusers folder)."
        )
    return info


def add_model(source: Path, models_dir: Path, *, allow_ckpt: bool = False, link: bool = False) -> Path:
    """Copy (or link) ``source`` into the subfolder of ``models_dir`` for its kind; the new path."""
    source = Path(source).expanduser().resolve()
    info = identify(source, allow_ckpt)
    target = Path(models_dir).expanduser() / SUBFOLDER[info.kind] / source.name
    if target.exists() or target.is_symlink():
        raise ModelFileError(f"{target} already exists; remove it first or rename the file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if link:
        os.symlink(source, target, target_is_directory=source.is_dir())
    elif source.is_dir():
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            shutil.copytree(source, partial)
            os.replace(partial, target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    else:
        with open(source, "rb") as src:
            write_atomically(target, lambda out: shutil.copyfileobj(src, out, 16 << 20))
    return target


def inside(path: Path, folder: Path) -> bool:
    """Whether the entry ``path`` itself (a link not followed) lies in ``folder``."""
    entry = Path(os.path.abspath(path))
    return Path(os.path.realpath(entry.parent)).is_relative_to(Path(folder).resolve())


def find_in_folder(name: str, models: list[ModelInfo], models_dir: Path) -> ModelInfo:
    """The one model of the models folder called ``name`` (file name, or name without suffix)."""
    matches = [m for m in models if name in (m.path.name, m.name) and inside(m.path, models_dir)]
    if not matches:
        elsewhere = [m for m in models if name in (m.path.name, m.name)]
        if elsewhere:
            raise ModelFileError(
                f"{elsewhere[0].path} is outside the models folder {models_dir}; GenCanvas only reads it there "
                "and will not delete it."
            )
        raise ModelFileError(f"No model called {name!r} in {models_dir}.")
    if len(matches) > 1:
        raise ModelFileError(f"{name!r} names {len(matches)} files: {', '.join(str(m.path) for m in matches)}.")
    return matches[0]


def remove_model(info: ModelInfo, models_dir: Path) -> None:
    """Delete a model's file or folder (a link: only the link), refusing anything outside ``models_dir``."""
    path = Path(os.path.abspath(info.path))
    if not inside(path, models_dir):
        raise ModelFileError(f"{path} is outside the models folder {models_dir}; it is not deleted.")
    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path)
