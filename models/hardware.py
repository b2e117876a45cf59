"""What a timing was measured on, for model cards and benchmark reports."""

from __future__ import annotations

import platform
from pathlib import Path

import torch


def hardware(device: str) -> str:
    """The processor a timing was measured on: GPU name, or CPU model and torch's thread count."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA), {platform.system()}"
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    return f"{cpu}, {torch.get_num_threads()} torch thread(s), {platform.system()}"
