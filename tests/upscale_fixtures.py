"""A tiny random ESRGAN (old-arch RRDB layout), for the upscale tests and benchmark."""

from __future__ import annotations

from pathlib import Path


def save_tiny_esrgan(path: Path, scale: int = 4, seed: int = 0) -> Path:
    """8 filters, one RRDB block: spandrel recognises it as ESRGAN from the keys and shapes alone."""
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(seed)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=scale)
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    last = max((k for k in state if k.endswith(".weight")), key=lambda k: int(k.split(".")[1]))
    state[last] *= 8  # random init gives a near-black image; this spreads it over the 0..255 range
    state[last.replace("weight", "bias")] += 0.5
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path))
    return path
