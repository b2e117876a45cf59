"""Pick the torch device and dtype from the user's settings.

Imported only from the worker (or the CLI) when a plugin first asks for a device, so the
window never waits for torch to import.
"""

from __future__ import annotations

import torch


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve_device(preference: str) -> torch.device:
    """'auto' takes the best present accelerator; an absent one falls back to CPU (logged by the caller)."""
    if preference in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda")
    if preference in ("auto", "mps") and _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def fallback_notice(preference: str) -> str | None:
    """One sentence when the chosen accelerator is absent, so jobs silently on the CPU are never a surprise."""
    if preference == "cuda" and not torch.cuda.is_available():
        return "CUDA was chosen as the device but is not available on this machine; running on the CPU instead."
    if preference == "mps" and not _mps_available():
        return "Apple MPS was chosen as the device but is not available on this machine; running on the CPU instead."
    return None


def resolve_dtype(preference: str, device: torch.device) -> torch.dtype:
    """Half precision only where it is fast and safe: bf16/fp16 on GPUs, fp32 on CPU."""
    if device.type == "cpu":
        return torch.bfloat16 if preference == "bf16" else torch.float32
    if preference == "fp32":
        return torch.float32
    if preference == "bf16" or (preference == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16
