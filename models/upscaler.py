"""Users' upscaler models (ESRGAN, Real-ESRGAN, SwinIR, …) through spandrel, and running one on a tile.

spandrel recognises the architecture from the weights alone, as ComfyUI does. Its own
``.pth`` loader unpickles with a restricted unpickler rather than ``weights_only=True``, so
files are read here (safetensors, or ``torch.load(weights_only=True)``) and only the state
dict is handed to spandrel. Torch and spandrel are imported inside functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

EXTENSIONS = (".safetensors", ".pth")


class NotAnUpscalerError(ValueError):
    """The file is not an upscaler spandrel can run; the message is one sentence for the user."""


def _state_dict(path: Path) -> dict[str, Any]:
    import torch

    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path), device="cpu")
        except Exception as exc:  # a header that is not safetensors, a truncated download
            raise NotAnUpscalerError(f"'{path.name}' is not a readable .safetensors file ({exc}).") from exc
    if suffix == ".pth":
        try:
            loaded = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # pickled code, or not a torch file at all
            raise NotAnUpscalerError(
                f"'{path.name}' holds more than plain weights, so it is not loaded; use its .safetensors version."
            ) from exc
        if not isinstance(loaded, dict):
            raise NotAnUpscalerError(f"'{path.name}' does not hold a model's weights.")
        return loaded
    raise NotAnUpscalerError(f"'{path.name}' is not an upscaler file: use .safetensors (or .pth).")


def load_upscaler(path: Path) -> Any:
    """The spandrel ``ImageModelDescriptor`` of a super-resolution model, on the CPU, in eval mode."""
    from spandrel import ImageModelDescriptor, ModelLoader, UnsupportedModelError, canonicalize_state_dict

    state = canonicalize_state_dict(_state_dict(Path(path)))
    try:
        model = ModelLoader("cpu").load_from_state_dict(state)
    except UnsupportedModelError:
        raise NotAnUpscalerError(
            f"'{Path(path).name}' is not an upscaler model (ESRGAN, Real-ESRGAN, SwinIR and the other "
            "architectures spandrel knows)."
        ) from None
    except Exception as exc:  # a recognised architecture with broken weights
        raise NotAnUpscalerError(f"'{Path(path).name}' could not be loaded as an upscaler: {exc}") from exc
    if not isinstance(model, ImageModelDescriptor) or model.purpose != "SR":
        raise NotAnUpscalerError(
            f"'{Path(path).name}' is a {model.architecture.name} model for {model.purpose}, not an upscaler."
        )
    if model.input_channels != 3 or model.output_channels != 3:
        raise NotAnUpscalerError(f"'{Path(path).name}' is not an RGB upscaler ({model.input_channels} channels).")
    return model.eval()


def weight_bytes(model: Any) -> int:
    return sum(p.numel() * p.element_size() for p in model.model.parameters())


def bytes_per_input_pixel(model: Any, dtype_bytes: int) -> int:
    """A conservative estimate of activation memory per input pixel while a tile runs.

    At input resolution the widest layer counts six times (a dense block keeps its growing
    concatenation and the layer output alive); at output resolution, ``scale²`` times as many
    pixels, the final convolution's input counts three times (the upsampler's input, its
    output and the last layer's). The tiny test net measures at about half of this on a CPU.
    """
    import torch

    layers = [m for m in model.model.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    widths = [
        max(m.in_channels, m.out_channels) if isinstance(m, torch.nn.Conv2d) else max(m.in_features, m.out_features)
        for m in layers
    ]
    convs = [m for m in layers if isinstance(m, torch.nn.Conv2d)]
    high_res = convs[-1].in_channels if convs else max(widths, default=64)
    return dtype_bytes * (6 * max(widths, default=64) + 3 * model.scale * model.scale * high_res)


def run_dtype(model: Any, preferred: Any) -> Any:
    """``preferred`` when the architecture supports it, else float32 (many fail in half precision)."""
    import torch

    if preferred == torch.float16 and model.supports_half:
        return preferred
    if preferred == torch.bfloat16 and model.supports_bfloat16:
        return preferred
    return torch.float32


def upscale_tile(model: Any, tile: np.ndarray, device: Any, dtype: Any) -> np.ndarray:
    """One RGB uint8 crop through the model: an RGB uint8 crop ``model.scale`` times larger."""
    import torch

    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(tile)).to(device).permute(2, 0, 1)[None].to(dtype).div(255)
        y = model(x)  # spandrel pads to the architecture's size requirements and clamps to 0..1
        out = y[0].float().mul(255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0)
        return out.cpu().numpy()
