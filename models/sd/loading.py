"""Load recognised models into diffusers objects, offline only.

Every call passes ``local_files_only=True``; single files are given the shipped config
folder (``resources/sd_configs/<family>``) and a tokenizer rebuilt from the shipped CLIP
merge list, so diffusers never has a reason to reach the hub. One base pipeline is loaded
per checkpoint; the task pipelines (img2img, inpaint, ControlNet) are views that share its
modules (``from_pipe``), so switching tools never loads the weights twice.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Any

from gencanvas.models.sd.importer import ModelInfo, UnsafeCheckpointError, read_shapes
from gencanvas.models.sd.tokenizer import build_clip_tokenizer


class _EmptyFloat32Notice(logging.Filter):
    """Drop diffusers' "modules … should be kept in float32: []" warning: with no module named it
    says nothing, yet it was printed for every model moved, even with ``-q``."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "should be kept in float32: []" not in record.getMessage()


logging.getLogger("diffusers.models.modeling_utils").addFilter(_EmptyFloat32Notice())  # no import of diffusers

TOKENIZER_BPE = Path("clip_tokenizer") / "bpe_simple_vocab_16e6.txt.gz"
TASKS = ("txt2img", "img2img", "inpaint", "controlnet")


def _pipeline_classes(family: str) -> dict[str, Any]:
    import diffusers as d

    if family == "sdxl":
        return {
            "txt2img": d.StableDiffusionXLPipeline,
            "img2img": d.StableDiffusionXLImg2ImgPipeline,
            "inpaint": d.StableDiffusionXLInpaintPipeline,
            "controlnet": d.StableDiffusionXLControlNetPipeline,
        }
    return {
        "txt2img": d.StableDiffusionPipeline,
        "img2img": d.StableDiffusionImg2ImgPipeline,
        "inpaint": d.StableDiffusionInpaintPipeline,
        "controlnet": d.StableDiffusionControlNetPipeline,
    }


def _tokenizers(config: Path, configs: Path, family: str) -> dict[str, Any]:
    """The config folder's own tokenizer files when it has them, else CLIP's rebuilt from the merges."""
    from transformers import CLIPTokenizer

    names = ("tokenizer", "tokenizer_2") if family == "sdxl" else ("tokenizer",)
    found = {}
    for name in names:
        if (config / name / "tokenizer.json").exists() or (config / name / "vocab.json").exists():
            found[name] = CLIPTokenizer.from_pretrained(str(config / name), local_files_only=True)
        else:  # SD 1.x pads with <|endoftext|>; OpenCLIP-based encoders (SD 2.x, SDXL's second) with "!"
            pad = "<|endoftext|>" if family == "sd15" or (name == "tokenizer" and family == "sdxl") else "!"
            found[name] = build_clip_tokenizer(configs / TOKENIZER_BPE, pad_token=pad)
    return found


def _quiet(load: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a diffusers loader without its ``torch_dtype`` rename warning (kept for older diffusers)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
        return load(*args, **kwargs)


def _require_every_weight(model: Any, name: str) -> Any:
    """Refuse a model that diffusers left partly unloaded.

    ``from_single_file`` skips tensors it cannot place (a file whose layout it misreads) and
    leaves those parameters on the meta device without an error; the job would then fail
    much later with an unrelated message. Here the user learns at once which file is wrong.
    """
    modules = model.components.values() if hasattr(model, "components") else [model]
    for module in modules:
        missing = [key for key, tensor in getattr(module, "state_dict", dict)().items() if tensor.is_meta]
        if missing:
            part = type(module).__name__
            raise ValueError(
                f"{name} is incomplete or not a layout GenCanvas can read: {len(missing)} weights of its "
                f"{part} were not in the file (first: {missing[0]})"
            )
    return model


PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth")


def safetensors_only(folder: Path, allow_ckpt: bool) -> dict[str, Any]:
    """Refuse a diffusers folder's pickle weights (``.bin``) unless pickles are allowed in Settings.

    A folder whose component has only ``*.bin`` weights raises ``UnsafeCheckpointError``
    before diffusers opens anything; otherwise ``use_safetensors=True`` keeps diffusers
    from falling back to a pickle. With the opt-in, diffusers chooses (weights-only).
    """
    if allow_ckpt:
        return {}
    for weights in sorted(Path(folder).rglob("*")):
        if weights.suffix.lower() in PICKLE_SUFFIXES and not any(weights.parent.glob("*.safetensors")):
            raise UnsafeCheckpointError(
                f"{Path(folder).name} holds pickle weights ({weights.relative_to(folder)}), which can run code "
                "when opened. Convert them to .safetensors, or allow .ckpt files in Settings."
            )
    return {"use_safetensors": True}


def load_checkpoint(info: ModelInfo, configs: Path, dtype: Any, allow_ckpt: bool = False) -> Any:
    """The base (text-to-image) pipeline of a checkpoint file or diffusers folder, on the CPU."""
    cls = _pipeline_classes(info.family)["txt2img"]
    extra = (
        {}
        if info.family == "sdxl"
        else {"safety_checker": None, "feature_extractor": None, "requires_safety_checker": False}
    )
    if info.fmt == "diffusers":
        extra |= safetensors_only(info.path, allow_ckpt)
        return _quiet(cls.from_pretrained, str(info.path), torch_dtype=dtype, local_files_only=True, **extra)
    read_shapes(info.path, allow_ckpt)  # refuses pickles without the opt-in, before diffusers opens them
    config = configs / info.config_name
    pipe = _quiet(
        cls.from_single_file,
        str(info.path),
        config=str(config),
        torch_dtype=dtype,
        local_files_only=True,
        **_tokenizers(config, configs, info.family),
        **extra,
    )
    if info.family == "sd2" and not info.inpaint and re.search(r"base|512", info.name, re.IGNORECASE):
        # The weights do not say whether an SD 2.x UNet predicts v or noise; the shipped config is
        # the 768-v model, and the 512 "base" models predict noise.
        pipe.scheduler.register_to_config(prediction_type="epsilon")
    return _require_every_weight(pipe, info.path.name)


def _load_model(cls: Any, info: ModelInfo, configs: Path, dtype: Any, allow_ckpt: bool) -> Any:
    """One diffusers model class (ControlNet, VAE) from a diffusers folder or a single file."""
    if info.fmt == "diffusers":
        only = safetensors_only(info.path, allow_ckpt)
        return _quiet(cls.from_pretrained, str(info.path), torch_dtype=dtype, local_files_only=True, **only)
    read_shapes(info.path, allow_ckpt)
    model = _quiet(
        cls.from_single_file,
        str(info.path),
        config=str(configs / info.config_name),
        torch_dtype=dtype,
        local_files_only=True,
    )
    return _require_every_weight(model, info.path.name)


def load_controlnet(info: ModelInfo, configs: Path, dtype: Any, allow_ckpt: bool = False) -> Any:
    from diffusers import ControlNetModel

    return _load_model(ControlNetModel, info, configs, dtype, allow_ckpt)


def load_vae(info: ModelInfo, configs: Path, dtype: Any, allow_ckpt: bool = False) -> Any:
    """A standalone AutoencoderKL (a fixed or fine-tuned VAE replacing the checkpoint's)."""
    from diffusers import AutoencoderKL

    return _load_model(AutoencoderKL, info, configs, dtype, allow_ckpt)


def load_taesd(info: ModelInfo, configs: Path, dtype: Any, allow_ckpt: bool = False) -> Any:
    """TAESD (diffusers' AutoencoderTiny), the few-megabyte decoder used for live previews.

    A1111's ``VAE-approx`` folder keeps it as ``taesd_decoder.pth``: a pickle, opened only
    with the opt-in and then weights-only.
    """
    from diffusers import AutoencoderTiny
    from safetensors.torch import load_file

    if info.fmt == "diffusers":
        return _quiet(AutoencoderTiny.from_pretrained, str(info.path), torch_dtype=dtype, local_files_only=True)
    model = AutoencoderTiny.from_config(AutoencoderTiny.load_config(str(configs / info.config_name)))
    if info.path.suffix.lower() == ".safetensors":
        state = load_file(str(info.path))
    else:
        import torch

        read_shapes(info.path, allow_ckpt)  # refuses the pickle without the opt-in
        state = torch.load(str(info.path), map_location="cpu", weights_only=True)
    if all(key.split(".")[0].isdigit() for key in state):
        state = original_taesd_decoder(state)
        expected = {k: v.shape for k, v in model.state_dict().items() if k.startswith("decoder.")}
        if {k: v.shape for k, v in state.items()} != expected:
            raise ValueError(f"{info.path.name} does not match the TAESD decoder's layout")
        model.load_state_dict(state, strict=False)  # a decoder-only file: previews need no encoder
    else:
        model.load_state_dict(state)
    return model.to(dtype=dtype).eval()


def original_taesd_decoder(state: dict[str, Any]) -> dict[str, Any]:
    """The original TAESD decoder (an ``nn.Sequential`` starting with a parameter-free clamp) in
    diffusers' ``AutoencoderTiny`` names, where the clamp is not a layer: index ``i`` → ``i - 1``."""
    renamed = {}
    for key, value in state.items():
        index, _, rest = key.partition(".")
        renamed[f"decoder.layers.{int(index) - 1}.{rest}"] = value
    return renamed


def task_pipeline(base: Any, task: str, family: str, controlnet: Any = None, vae: Any = None) -> Any:
    """The pipeline for ``task`` sharing ``base``'s modules (no copy of the weights).

    ``vae`` replaces the checkpoint's VAE in this view only; the base keeps its own.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    cls = _pipeline_classes(family)[task]
    extra = ({"controlnet": controlnet} if task == "controlnet" else {}) | ({"vae": vae} if vae is not None else {})
    pipe = cls.from_pipe(base, **extra)
    pipe.set_progress_bar_config(disable=True)
    return pipe
