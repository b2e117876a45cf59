"""Write a diffusers SD pipeline as one checkpoint in the original (LDM) key layout.

diffusers converts LDM → diffusers only. To test single-file loading without downloading
a real checkpoint, the tests need the other direction: this is the inverse of diffusers'
``convert_ldm_unet_checkpoint``/``convert_ldm_vae_checkpoint`` (for any number of blocks,
so tiny models work) plus the SD 1.x text encoder prefix, and for SDXL the two text
encoders under ``conditioner.embedders`` (the second in OpenCLIP's layout). A round trip
through ``from_single_file`` reproducing the same weights is the test of both directions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

UNET_PREFIX, VAE_PREFIX, CLIP_PREFIX = "model.diffusion_model.", "first_stage_model.", "cond_stage_model.transformer."
UNET_DIRECT = {
    "time_embedding.linear_1": "time_embed.0",
    "time_embedding.linear_2": "time_embed.2",
    "conv_in": "input_blocks.0.0",
    "conv_norm_out": "out.0",
    "conv_out": "out.2",
    "add_embedding.linear_1": "label_emb.0.0",
    "add_embedding.linear_2": "label_emb.0.2",
}
RESNET = (
    ("norm1", "in_layers.0"),
    ("conv1", "in_layers.2"),
    ("norm2", "out_layers.0"),
    ("conv2", "out_layers.3"),
    ("time_emb_proj", "emb_layers.1"),
    ("conv_shortcut", "skip_connection"),
)
# SDXL (as in sd_xl_base_1.0.safetensors): CLIP ViT-L in transformers' layout, OpenCLIP ViT-bigG in its own.
XL_CLIP_PREFIX, XL_OPENCLIP_PREFIX = "conditioner.embedders.0.transformer.", "conditioner.embedders.1.model."
OPENCLIP_DIRECT = {
    "text_model.embeddings.token_embedding.weight": "token_embedding.weight",
    "text_model.embeddings.position_embedding.weight": "positional_embedding",
    "text_model.final_layer_norm.weight": "ln_final.weight",
    "text_model.final_layer_norm.bias": "ln_final.bias",
}
OPENCLIP_LAYER = (
    ("self_attn.out_proj.", "attn.out_proj."),
    ("layer_norm1.", "ln_1."),
    ("layer_norm2.", "ln_2."),
    ("mlp.fc1.", "mlp.c_fc."),
    ("mlp.fc2.", "mlp.c_proj."),
)
VAE_ATTN = (("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out"))


def _resnet_tail(tail: str) -> str:
    for new, old in RESNET:
        if tail.startswith(new + "."):
            return old + tail[len(new) :]
    return tail


def unet_to_ldm(state: dict[str, Any], layers_per_block: int) -> dict[str, Any]:
    step = layers_per_block + 1
    up_with_attention = {int(m.group(1)) for k in state if (m := re.match(r"up_blocks\.(\d+)\.attentions\.", k))}
    out: dict[str, Any] = {}
    for key, value in state.items():
        head, _, param = key.rpartition(".")
        if head in UNET_DIRECT:
            out[f"{UNET_DIRECT[head]}.{param}"] = value
        elif m := re.match(r"down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", key):
            b, part, j, tail = int(m[1]), m[2], int(m[3]), m[4]
            index = 1 + b * step + j
            out[
                f"input_blocks.{index}.0.{_resnet_tail(tail)}"
                if part == "resnets"
                else f"input_blocks.{index}.1.{tail}"
            ] = value
        elif m := re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", key):
            out[f"input_blocks.{(int(m[1]) + 1) * step}.0.op.{m[2]}"] = value
        elif m := re.match(r"mid_block\.resnets\.(\d+)\.(.*)", key):
            out[f"middle_block.{2 * int(m[1])}.{_resnet_tail(m[2])}"] = value
        elif m := re.match(r"mid_block\.attentions\.0\.(.*)", key):
            out[f"middle_block.1.{m[1]}"] = value
        elif m := re.match(r"up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", key):
            b, part, j, tail = int(m[1]), m[2], int(m[3]), m[4]
            index = b * step + j
            out[
                f"output_blocks.{index}.0.{_resnet_tail(tail)}"
                if part == "resnets"
                else f"output_blocks.{index}.1.{tail}"
            ] = value
        elif m := re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", key):
            b = int(m[1])
            out[f"output_blocks.{b * step + layers_per_block}.{2 if b in up_with_attention else 1}.conv.{m[2]}"] = value
        else:
            raise KeyError(f"no LDM name for UNet key {key}")
    return out


def vae_to_ldm(state: dict[str, Any], num_blocks: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in state.items():
        key = key.replace("conv_norm_out", "norm_out")
        if m := re.match(r"(encoder|decoder)\.mid_block\.attentions\.0\.(.*)", key):
            tail = m[2]
            for new, old in VAE_ATTN:
                if tail.startswith(new + "."):
                    tail = old + tail[len(new) :]
            if value.ndim == 2:  # diffusers' linear projections were 1x1 convolutions
                value = value[:, :, None, None]
            key = f"{m[1]}.mid.attn_1.{tail}"
        elif m := re.match(r"(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.*)", key):
            key = f"{m[1]}.mid.block_{int(m[2]) + 1}.{m[3]}"
        elif m := re.match(r"encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key):
            key = f"encoder.down.{m[1]}.block.{m[2]}.{m[3]}"
        elif m := re.match(r"encoder\.down_blocks\.(\d+)\.downsamplers\.0\.(.*)", key):
            key = f"encoder.down.{m[1]}.downsample.{m[2]}"
        elif m := re.match(r"decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key):
            key = f"decoder.up.{num_blocks - 1 - int(m[1])}.block.{m[2]}.{m[3]}"
        elif m := re.match(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.(.*)", key):
            key = f"decoder.up.{num_blocks - 1 - int(m[1])}.upsample.{m[2]}"
        out[key.replace("conv_shortcut", "nin_shortcut")] = value
    return out


def controlnet_to_ldm(state: dict[str, Any], layers_per_block: int) -> dict[str, Any]:
    """ControlNet: the UNet encoder's names plus the hint encoder, zero convolutions and mid output."""
    out: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in state.items():
        if m := re.match(r"controlnet_cond_embedding\.(conv_in|conv_out|blocks\.(\d+))\.(weight|bias)$", key):
            index = {"conv_in": 0, "conv_out": 14}.get(m[1]) if m[2] is None else 2 * (int(m[2]) + 1)
            out[f"input_hint_block.{index}.{m[3]}"] = value
        elif m := re.match(r"controlnet_down_blocks\.(\d+)\.(.*)", key):
            out[f"zero_convs.{m[1]}.0.{m[2]}"] = value
        elif key.startswith("controlnet_mid_block."):
            out["middle_block_out.0." + key.removeprefix("controlnet_mid_block.")] = value
        else:
            rest[key] = value
    return out | unet_to_ldm(rest, layers_per_block)


def save_ldm_controlnet(controlnet: Any, path: Path) -> Path:
    """A ControlNet as distributed by its authors (``control_model.*`` keys)."""
    from safetensors.torch import save_file

    state = controlnet_to_ldm(controlnet.state_dict(), controlnet.config.layers_per_block)
    save_file({"control_model." + k: v.contiguous() for k, v in state.items()}, str(path))
    return path


def save_ldm_checkpoint(pipe: Any, path: Path) -> Path:
    """An SD 1.x-layout single file (UNet, VAE, CLIP text encoder) of ``pipe``."""
    from safetensors.torch import save_file

    state = {
        UNET_PREFIX + k: v for k, v in unet_to_ldm(pipe.unet.state_dict(), pipe.unet.config.layers_per_block).items()
    }
    state |= {
        VAE_PREFIX + k: v for k, v in vae_to_ldm(pipe.vae.state_dict(), len(pipe.vae.config.down_block_types)).items()
    }
    state |= {CLIP_PREFIX + k: v for k, v in _with_text_model(pipe.text_encoder.state_dict()).items()}
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    return path


def _with_text_model(state: dict[str, Any]) -> dict[str, Any]:
    """Real checkpoints name a CLIP text encoder "text_model.*" (newer transformers drop that level)."""
    return {k if k.startswith("text_model.") else "text_model." + k: v for k, v in state.items()}


def openclip_text_to_ldm(state: dict[str, Any]) -> dict[str, Any]:
    """transformers' CLIPTextModelWithProjection → OpenCLIP's text tower (SDXL's second encoder).

    OpenCLIP keeps q, k and v as one ``in_proj`` (concatenated in that order) and the
    projection as a bare (hidden, projection) matrix: the transpose of a Linear's weight.
    """
    import torch

    out: dict[str, Any] = {"text_projection": state["text_projection.weight"].T}
    state = _with_text_model({k: v for k, v in state.items() if k != "text_projection.weight"})
    for key, value in state.items():
        if key in OPENCLIP_DIRECT:
            out[OPENCLIP_DIRECT[key]] = value
        elif m := re.match(r"text_model\.encoder\.layers\.(\d+)\.self_attn\.q_proj\.(weight|bias)$", key):
            qkv = [state[f"text_model.encoder.layers.{m[1]}.self_attn.{p}_proj.{m[2]}"] for p in "qkv"]
            out[f"transformer.resblocks.{m[1]}.attn.in_proj_{m[2]}"] = torch.cat(qkv)
        elif re.match(r"text_model\.encoder\.layers\.\d+\.self_attn\.[kv]_proj\.", key):
            continue  # written with q
        elif (m := re.match(r"text_model\.encoder\.layers\.(\d+)\.(.*)", key)) and (
            found := next((old + m[2][len(new) :] for new, old in OPENCLIP_LAYER if m[2].startswith(new)), None)
        ):
            out[f"transformer.resblocks.{m[1]}.{found}"] = value
        else:
            raise KeyError(f"no OpenCLIP name for text encoder key {key}")
    return out


def save_ldm_sdxl_checkpoint(pipe: Any, path: Path) -> Path:
    """An SDXL-layout single file (UNet with ``label_emb``, VAE, CLIP-L and OpenCLIP encoders) of ``pipe``."""
    from safetensors.torch import save_file

    unet = unet_to_ldm(pipe.unet.state_dict(), pipe.unet.config.layers_per_block)
    vae = vae_to_ldm(pipe.vae.state_dict(), len(pipe.vae.config.down_block_types))
    state = {UNET_PREFIX + k: v for k, v in unet.items()} | {VAE_PREFIX + k: v for k, v in vae.items()}
    state |= {XL_CLIP_PREFIX + k: v for k, v in _with_text_model(pipe.text_encoder.state_dict()).items()}
    state |= {XL_OPENCLIP_PREFIX + k: v for k, v in openclip_text_to_ldm(pipe.text_encoder_2.state_dict()).items()}
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    return path


def save_ldm_vae(vae: Any, path: Path) -> Path:
    """A standalone VAE file in the LDM layout (as fine-tuned VAEs are distributed)."""
    from safetensors.torch import save_file

    save_file(
        {k: v.contiguous() for k, v in vae_to_ldm(vae.state_dict(), len(vae.config.down_block_types)).items()},
        str(path),
    )
    return path
