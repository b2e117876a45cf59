"""Recognise the user's Stable Diffusion files by looking inside them, never by trusting names.

A models folder collects files from many tools: single-file checkpoints (LDM key layout),
diffusers folders, ControlNets, standalone VAEs and TAESD preview decoders, often sorted
into ``checkpoints/``, ``controlnet/`` and ``vae/`` as other popular tools do. Every file
is classified from its safetensors header (key names and a few tensor shapes; no weights
are read), so a renamed or misplaced file is still recognised. ``.ckpt`` pickles are
listed but only opened after the user opts in, and then with ``weights_only=True``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Kind = Literal["checkpoint", "controlnet", "vae", "taesd"]
Family = Literal["sd15", "sd2", "sdxl"]
WEIGHT_SUFFIXES = (".safetensors", ".ckpt", ".pt", ".pth", ".bin")
SUBFOLDERS = ("checkpoints", "Stable-diffusion", "controlnet", "ControlNet", "vae", "VAE", "vae_approx", "diffusers")

# Marker keys of the original (LDM) single-file layout and of diffusers' layout.
UNET_IN = "model.diffusion_model.input_blocks.0.0.weight"
SDXL_LABEL_EMB = "model.diffusion_model.label_emb.0.0.weight"
SD2_TEXT = "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight"
CONTROLNET_LDM = ("control_model.input_hint_block.0.weight", "input_hint_block.0.weight")
CONTROLNET_DIFFUSERS = "controlnet_cond_embedding.conv_in.weight"


@dataclass(frozen=True)
class ModelInfo:
    """One recognised model: what it is, for which base family, and where it lives."""

    name: str  # shown in the drop-down: the file or folder name without suffix
    path: Path
    kind: Kind
    family: Family
    inpaint: bool = False  # a 9-input-channel UNet trained for inpainting
    fmt: Literal["single", "diffusers"] = "single"

    @property
    def config_name(self) -> str:
        """The shipped config folder a single file of this kind is loaded with."""
        if self.kind == "checkpoint":
            return self.family + ("-inpaint" if self.inpaint else "")
        if self.kind == "controlnet":
            return f"controlnet-{self.family}"
        if self.kind == "vae":
            return "vae-sdxl" if self.family == "sdxl" else "vae-sd"
        return "taesd"


class UnsafeCheckpointError(Exception):
    """A pickle checkpoint met without the user's opt-in."""


def safetensors_header(path: Path) -> dict[str, tuple[int, ...]]:
    """Key → shape from a safetensors header: 8-byte length, then JSON (no torch, no weights read).

    Parsed by hand so scanning the folder while the window starts never imports torch.
    """
    with open(path, "rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        if not 2 <= size <= 100_000_000:
            raise ValueError(f"not a safetensors file (header length {size})")
        header = json.loads(handle.read(size))
    return {key: tuple(meta["shape"]) for key, meta in header.items() if key != "__metadata__"}


def read_shapes(path: Path, allow_ckpt: bool = False) -> dict[str, tuple[int, ...]]:
    """Key → shape of every tensor in a weights file; safetensors without reading the weights."""
    if path.suffix == ".safetensors":
        return safetensors_header(path)
    if not allow_ckpt:
        raise UnsafeCheckpointError(
            f"{path.name} is a pickle checkpoint (.ckpt/.pt/.bin), which can run code when opened. "
            "Convert it to .safetensors, or allow .ckpt files in Settings."
        )
    import torch

    state = torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
    while isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    return {key: tuple(value.shape) for key, value in state.items() if hasattr(value, "shape")}


def classify_keys(shapes: dict[str, tuple[int, ...]], name: str = "") -> tuple[Kind, Family, bool] | None:
    """(kind, family, inpaint) from a state dict's keys and shapes; None when it is no SD model."""
    keys = shapes.keys()
    if UNET_IN in shapes:
        inpaint = shapes[UNET_IN][1] == 9
        if SDXL_LABEL_EMB in shapes or any(k.startswith("conditioner.embedders.1.") for k in keys):
            return "checkpoint", "sdxl", inpaint
        if SD2_TEXT in shapes or any(k.startswith("cond_stage_model.model.") for k in keys):
            return "checkpoint", "sd2", inpaint
        return "checkpoint", "sd15", inpaint
    hint = next((k for k in (*CONTROLNET_LDM, CONTROLNET_DIFFUSERS) if k in shapes), None)
    if hint is not None:
        context = [s[-1] for k, s in shapes.items() if k.endswith("attn2.to_k.weight")]
        family: Family = (
            "sdxl" if context and context[0] == 2048 else "sd2" if context and context[0] == 1024 else "sd15"
        )
        return "controlnet", family, False
    if any(k.startswith(("encoder.layers.", "decoder.layers.")) for k in keys):
        return "taesd", "sdxl" if "xl" in name.lower() else "sd15", False
    if "taesd" in name.lower() and "decoder" in name.lower() and all(k.split(".")[0].isdigit() for k in keys):
        # the original release's decoder alone (taesd_decoder / taesdxl_decoder, as in vae_approx/ folders)
        return "taesd", "sdxl" if "xl" in name.lower() else "sd15", False
    vae_keys = [k.removeprefix("first_stage_model.") for k in keys]
    if any(k.startswith(("encoder.down.", "encoder.down_blocks.")) for k in vae_keys) and any(
        k.startswith(("decoder.up.", "decoder.up_blocks.")) for k in vae_keys
    ):
        return "vae", "sdxl" if "xl" in name.lower() else "sd15", False
    return None


def classify_folder(folder: Path) -> ModelInfo | None:
    """A diffusers folder (model_index.json, or one model's config.json) or None."""
    index = folder / "model_index.json"
    if index.exists():
        data = json.loads(index.read_text(encoding="utf-8"))
        if "unet" not in data:
            return None
        unet = json.loads((folder / "unet" / "config.json").read_text(encoding="utf-8"))
        family: Family = (
            "sdxl" if "text_encoder_2" in data else "sd2" if unet.get("cross_attention_dim") == 1024 else "sd15"
        )
        return ModelInfo(folder.name, folder, "checkpoint", family, unet.get("in_channels") == 9, "diffusers")
    config_file = folder / "config.json"
    if not config_file.exists():
        return None
    config = json.loads(config_file.read_text(encoding="utf-8"))
    cls = config.get("_class_name")
    xl = "xl" in folder.name.lower()
    if cls == "ControlNetModel":
        context = config.get("cross_attention_dim")
        family = "sdxl" if context == 2048 else "sd2" if context == 1024 else "sd15"
        return ModelInfo(folder.name, folder, "controlnet", family, fmt="diffusers")
    if cls == "AutoencoderKL":
        xl = xl or config.get("scaling_factor") == 0.13025
        return ModelInfo(folder.name, folder, "vae", "sdxl" if xl else "sd15", fmt="diffusers")
    if cls == "AutoencoderTiny":
        return ModelInfo(folder.name, folder, "taesd", "sdxl" if xl else "sd15", fmt="diffusers")
    return None


def classify_path(path: Path, allow_ckpt: bool = False) -> ModelInfo | None:
    """Classify one file or folder; unreadable or foreign files give None (and a log line)."""
    if path.is_dir():
        return classify_folder(path)
    if path.suffix.lower() not in WEIGHT_SUFFIXES:
        return None
    shapes = read_shapes(path, allow_ckpt)
    found = classify_keys(shapes, path.stem)
    if found is None:
        return None
    kind, family, inpaint = found
    return ModelInfo(path.stem, path, kind, family, inpaint, "single")


def scan_models(root: Path, allow_ckpt: bool = False, warn: Callable[[str], None] = log.info) -> list[ModelInfo]:
    """Every model in ``root`` and its usual subfolders, sorted by kind and name.

    Files that are not SD models, pickles without the opt-in and broken files are skipped
    with a message through ``warn``, never an exception: one bad download must not hide
    the rest of the folder.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        return []
    candidates: list[Path] = []
    for folder in (root, *(root / sub for sub in SUBFOLDERS)):
        if folder.is_dir():
            try:
                candidates.extend(p for p in sorted(folder.iterdir()) if not p.name.startswith("."))
            except OSError as exc:  # e.g. a folder without read permission: skip it, keep the rest
                warn(f"{folder.name} skipped: {exc.strerror or exc}")
    found: dict[Path, ModelInfo] = {}
    for path in candidates:
        if path.is_dir() and path.name in SUBFOLDERS and path.parent == root:
            continue
        try:
            info = classify_path(path, allow_ckpt)
        except UnsafeCheckpointError as exc:
            warn(str(exc))
            continue
        except Exception as exc:  # a truncated download, a foreign format
            warn(f"{path.name} skipped: {type(exc).__name__}: {exc}")
            continue
        if info is not None:
            found.setdefault(path.resolve(), info)
    return sorted(found.values(), key=lambda m: (m.kind, m.name.lower()))
