"""Random-weight pipelines of any SD shape, for tests (tiny) and benchmarks (real sizes).

No real weights can be downloaded here, and none are needed to measure speed or to
exercise the loading, streaming and cancelling code: a pipeline built from a config folder
(the shipped real ones, or the tiny ones below) with random weights has the exact
architecture and cost of the real model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gencanvas.models.sd.tokenizer import CLIP_MERGES, build_clip_tokenizer

TINY_MERGES = 400  # a 914-token vocabulary: fits the tiny text encoders' 1000 embeddings
_TEXT = {
    "bos_token_id": 0,
    "eos_token_id": 2,
    "pad_token_id": 1,
    "hidden_size": 32,
    "intermediate_size": 37,
    "num_attention_heads": 4,
    "num_hidden_layers": 5,
    "vocab_size": 1000,
    "max_position_embeddings": 77,
    "layer_norm_eps": 1e-5,
    "model_type": "clip_text_model",
}
_UNET = {
    "_class_name": "UNet2DConditionModel",
    "block_out_channels": [32, 64],
    "layers_per_block": 2,
    "sample_size": 32,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
    "cross_attention_dim": 32,
    "attention_head_dim": 8,
}
_VAE = {
    "_class_name": "AutoencoderKL",
    "block_out_channels": [32, 64],
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 2,
    "up_block_types": ["UpDecoderBlock2D"] * 2,
    "latent_channels": 4,
    "sample_size": 64,
    "scaling_factor": 0.18215,
}
_SCHEDULER = {
    "_class_name": "PNDMScheduler",
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "steps_offset": 1,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
}


def tiny_configs(family: str, inpaint: bool = False) -> dict[str, dict[str, Any]]:
    """Relative path → config dict of a tiny pipeline shaped like ``family`` (sd15 or sdxl)."""
    unet = _UNET | {"in_channels": 9 if inpaint else 4}
    files: dict[str, dict[str, Any]] = {"vae/config.json": _VAE, "scheduler/scheduler_config.json": _SCHEDULER}
    if family == "sdxl":
        files["unet/config.json"] = unet | {
            "attention_head_dim": [2, 4],
            "use_linear_projection": True,
            "addition_embed_type": "text_time",
            "addition_time_embed_dim": 8,
            "transformer_layers_per_block": [1, 2],
            "cross_attention_dim": 80,  # both encoders' hidden states side by side: 32 + 48
            "projection_class_embeddings_input_dim": 80,  # 6 time ids x 8 + the pooled projection (32)
        }
        files["text_encoder/config.json"] = _TEXT | {"hidden_act": "gelu", "projection_dim": 32}
        # The second encoder is wider and deeper than the first, as in SDXL (768 vs 1280 wide, 12 vs 32 layers):
        # diffusers tells the two apart in a single file by width, and SDXL base by a tenth OpenCLIP layer.
        files["text_encoder_2/config.json"] = _TEXT | {
            "hidden_act": "gelu",
            "hidden_size": 48,
            "num_hidden_layers": 10,
            "projection_dim": 32,
            "architectures": ["CLIPTextModelWithProjection"],
        }
    else:
        files["unet/config.json"] = unet
        files["text_encoder/config.json"] = _TEXT
    return files


TINY_CONTROLNET = {
    "_class_name": "ControlNetModel",
    "block_out_channels": [32, 64],
    "layers_per_block": 2,
    "in_channels": 4,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
    "cross_attention_dim": 32,
    "conditioning_embedding_out_channels": [16, 32],
}
TINY_TAESD = {
    "_class_name": "AutoencoderTiny",
    "encoder_block_out_channels": [32, 32],
    "decoder_block_out_channels": [32, 32],
    "num_encoder_blocks": [1, 1],
    "num_decoder_blocks": [1, 1],
}


def write_configs(folder: Path, files: dict[str, dict[str, Any]]) -> Path:
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return folder


def _load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def random_pipeline(
    config: Path,
    family: str,
    bpe_file: Path,
    *,
    seed: int = 0,
    tiny: bool = False,
    device: Any = "cpu",
    dtype: Any = None,
) -> Any:
    """A text-to-image pipeline with random weights, shaped by the configs in ``config``."""
    import torch
    from diffusers import (
        AutoencoderKL,
        PNDMScheduler,
        StableDiffusionPipeline,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    merges = TINY_MERGES if tiny else CLIP_MERGES
    with torch.device(device):
        unet = UNet2DConditionModel.from_config(_load_json(config / "unet" / "config.json"))
        vae = AutoencoderKL.from_config(_load_json(config / "vae" / "config.json"))
        text = CLIPTextModel(CLIPTextConfig(**_load_json(config / "text_encoder" / "config.json")))
        parts: dict[str, Any] = {
            "unet": unet,
            "vae": vae,
            "text_encoder": text,
            "tokenizer": build_clip_tokenizer(bpe_file, merges_limit=merges),
            "scheduler": PNDMScheduler.from_config(_load_json(config / "scheduler" / "scheduler_config.json")),
        }
        if family == "sdxl":
            parts["text_encoder_2"] = CLIPTextModelWithProjection(
                CLIPTextConfig(**_load_json(config / "text_encoder_2" / "config.json"))
            )
            parts["tokenizer_2"] = build_clip_tokenizer(bpe_file, pad_token="!", merges_limit=merges)
            pipe: Any = StableDiffusionXLPipeline(**parts)
        else:
            pipe = StableDiffusionPipeline(
                **parts, safety_checker=None, feature_extractor=None, requires_safety_checker=False
            )
    if dtype is not None:
        pipe.to(dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def random_model(config: dict[str, Any], *, seed: int = 0, device: Any = "cpu") -> Any:
    """A ControlNet, VAE or TAESD with random weights from its config dict."""
    import diffusers
    import torch

    torch.manual_seed(seed)
    with torch.device(device):
        return getattr(diffusers, config["_class_name"]).from_config(config)


def _lora_targets(model: Any, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    import torch

    return [
        (path, module)
        for path, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and path.rsplit(".", 1)[-1] in names
    ]


def write_tiny_lora(pipe: Any, path: Path, layout: str, *, seed: int = 0, scale: float = 0.3) -> Path:
    """A random LoRA for a tiny pipeline, in the kohya/A1111 (``lora_unet_…``) or diffusers/PEFT layout.

    Covers the UNet's attention projections and every text encoder's attention, as real LoRAs do.
    """
    import torch
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(seed)
    rank = 4
    state: dict[str, Any] = {}
    encoders = [("text_encoder", "lora_te1" if hasattr(pipe, "text_encoder_2") else "lora_te")]
    if getattr(pipe, "text_encoder_2", None) is not None:
        encoders.append(("text_encoder_2", "lora_te2"))
    parts = [("unet", "lora_unet", ("to_q", "to_k", "to_v", "0"))] + [
        (name, kohya, ("q_proj", "k_proj", "v_proj", "out_proj")) for name, kohya in encoders
    ]
    for component, kohya, targets in parts:
        for module_path, module in _lora_targets(getattr(pipe, component), targets):
            if targets[-1] == "0" and not module_path.endswith("to_out.0"):
                continue
            down = torch.randn(rank, module.in_features, generator=generator) * scale
            up = torch.randn(module.out_features, rank, generator=generator) * scale
            if layout == "kohya":
                key = f"{kohya}_{module_path.replace('.', '_')}"
                state |= {
                    f"{key}.lora_down.weight": down,
                    f"{key}.lora_up.weight": up,
                    f"{key}.alpha": torch.tensor(4.0),
                }
            else:
                state |= {
                    f"{component}.{module_path}.lora_A.weight": down,
                    f"{component}.{module_path}.lora_B.weight": up,
                }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    return path
