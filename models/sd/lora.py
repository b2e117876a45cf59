"""LoRAs on a loaded pipeline through diffusers' own loader (``load_lora_weights`` + peft).

kohya/A1111 files (``lora_unet_…``, ``lora_te1_…``) and diffusers/PEFT files are both read by
diffusers, which converts the kohya layout itself; nothing here merges weights by hand. Each
file is loaded once per UNet as a named adapter and kept: switching LoRAs or weights between
jobs only calls ``set_adapters`` / ``disable_lora``, so the checkpoint is never reloaded, and
with no LoRA chosen the adapters are bypassed, which gives the checkpoint's own output exactly.

Which LoRAs a job uses comes from two places users know: a field ``name:0.8, other:0.5`` and
A1111's prompt tags ``<lora:name:0.8>`` (removed from the prompt before it is encoded).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from gencanvas.models.sd.importer import ModelInfo

LORA_TAG = re.compile(r"<lora:([^:>]+)(?::\s*([-+]?\d*\.?\d+))?(?::[^>]*)?>", re.IGNORECASE)
MAX_KEPT = 8  # adapters kept loaded beyond the ones in use: switching back costs nothing


class LoraMismatchError(ValueError):
    """A LoRA trained for another base model than the checkpoint's."""


def parse_lora_field(text: str) -> list[tuple[str, float]]:
    """``"detail:0.8, style"`` → ``[("detail", 0.8), ("style", 1.0)]``; also accepts ``<lora:…>`` tags."""
    found: list[tuple[str, float]] = []
    for part in re.split(r"[,;\n]", LORA_TAG.sub(lambda m: f",{m[1]}:{m[2] or 1},", text)):
        part = part.strip()
        if not part:
            continue
        name, sep, weight = part.rpartition(":")
        if not sep:
            name, weight = part, "1"
        try:
            found.append((name.strip(), float(weight)))
        except ValueError as exc:
            raise ValueError(f"LoRA weight {weight!r} of '{name.strip()}' is not a number (write name:0.8)") from exc
    return found


def extract_prompt_loras(prompt: str) -> tuple[str, list[tuple[str, float]]]:
    """The prompt without its ``<lora:name:weight>`` tags, and those LoRAs (weight 1 when not given)."""
    loras = [(m[1].strip(), float(m[2]) if m[2] else 1.0) for m in LORA_TAG.finditer(prompt)]
    clean = re.sub(r"\s*,\s*(?=,|$)", "", LORA_TAG.sub("", prompt)).strip()
    return re.sub(r"\s{2,}", " ", clean), loras


def format_lora_field(loras: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{name}:{weight:g}" for name, weight in loras)


def check_base(lora: ModelInfo, checkpoint: ModelInfo) -> None:
    if lora.family != checkpoint.family:
        raise LoraMismatchError(
            f"The LoRA '{lora.name}' is for {lora.base}, but the checkpoint '{checkpoint.name}' is {checkpoint.base}: "
            "choose a LoRA made for the checkpoint's base model."
        )


def adapter_name(info: ModelInfo) -> str:
    """A stable peft adapter name per file (names must be identifiers-ish and unique)."""
    digest = hashlib.sha1(str(info.path).encode("utf-8")).hexdigest()[:8]
    return re.sub(r"\W", "_", info.name)[:40] + "_" + digest


def apply_loras(pipe: Any, checkpoint: ModelInfo, wanted: Sequence[tuple[ModelInfo, float]]) -> list[str]:
    """Make ``wanted`` (LoRA, weight) the active adapters of ``pipe``; returns their adapter names.

    Files are loaded once per UNet (kept on it, shared by every task pipeline made from the
    same base); an empty ``wanted`` bypasses all adapters.
    """
    for info, _ in wanted:
        check_base(info, checkpoint)
    loaded: dict[str, str] = pipe.unet.__dict__.setdefault("_gencanvas_loras", {})
    names = []
    for info, _ in wanted:
        name = adapter_name(info)
        if name not in loaded.values():
            _quiet_load(pipe, str(info.path), name)
            loaded[str(info.path)] = name
        names.append(name)
    _forget_unused(pipe, loaded, names)
    if not loaded:
        return []
    if names:
        pipe.enable_lora()
        pipe.set_adapters(names, adapter_weights=[weight for _, weight in wanted])
    else:
        pipe.disable_lora()
    return names


def _forget_unused(pipe: Any, loaded: dict[str, str], in_use: list[str]) -> None:
    """Drop the oldest unused adapters beyond ``MAX_KEPT`` so memory stays bounded."""
    unused = [(path, name) for path, name in loaded.items() if name not in in_use]
    for path, name in unused[: max(0, len(unused) - MAX_KEPT)]:
        pipe.delete_adapters([name])
        del loaded[path]


def _quiet_load(pipe: Any, path: str, name: str) -> None:
    """``load_lora_weights`` without transformers' per-encoder load report (adapters start empty, then fill)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        pipe.load_lora_weights(path, adapter_name=name, local_files_only=True)
    finally:
        hf_logging.set_verbosity(level)
