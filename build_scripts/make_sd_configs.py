"""Write resources/sd_configs: the diffusers configs single-file checkpoints are loaded with.

A single ``.safetensors`` checkpoint holds weights only; diffusers needs each component's
architecture too and would download it. These are the published architectures of SD 1.5,
its inpainting variant, SD 2.x (768, v-prediction), SDXL base and its inpainting variant,
the SD 1.5 ControlNets and the VAEs, written as the small JSON files diffusers reads
(fields left out take diffusers' defaults). Run once; the output is committed.

    python build_scripts/make_sd_configs.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "resources" / "sd_configs"
SD1_BLOCKS = {
    "block_out_channels": [320, 640, 1280, 1280],
    "layers_per_block": 2,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
}
BETAS = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "steps_offset": 1,
    "set_alpha_to_one": False,
    "clip_sample": False,
}
VAE = {
    "_class_name": "AutoencoderKL",
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "norm_num_groups": 32,
    "act_fn": "silu",
}
CLIP_L = {
    "architectures": ["CLIPTextModel"],
    "model_type": "clip_text_model",
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
    "projection_dim": 768,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "pad_token_id": 1,
}
OPEN_CLIP_H = CLIP_L | {
    "hidden_size": 1024,
    "intermediate_size": 4096,
    "num_hidden_layers": 23,
    "num_attention_heads": 16,
    "hidden_act": "gelu",
    "projection_dim": 512,
}
OPEN_CLIP_BIGG = CLIP_L | {
    "architectures": ["CLIPTextModelWithProjection"],
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_hidden_layers": 32,
    "num_attention_heads": 20,
    "hidden_act": "gelu",
    "projection_dim": 1280,
}


def sd_family(name: str, *, in_channels: int, unet: dict, vae: dict, text: dict, scheduler: dict) -> None:
    pipeline = "StableDiffusionInpaintPipeline" if in_channels == 9 else "StableDiffusionPipeline"
    write(
        name,
        "model_index.json",
        {
            "_class_name": pipeline,
            "feature_extractor": [None, None],
            "requires_safety_checker": False,
            "safety_checker": [None, None],
            "scheduler": ["diffusers", "PNDMScheduler"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
        },
    )
    write(
        name,
        "unet/config.json",
        {"_class_name": "UNet2DConditionModel", "in_channels": in_channels, "out_channels": 4, **SD1_BLOCKS, **unet},
    )
    write(name, "vae/config.json", vae)
    write(name, "text_encoder/config.json", text)
    write(
        name,
        "scheduler/scheduler_config.json",
        {"_class_name": "PNDMScheduler", "skip_prk_steps": True, **BETAS, **scheduler},
    )


def sdxl_family(name: str, *, in_channels: int) -> None:
    pipeline = "StableDiffusionXLInpaintPipeline" if in_channels == 9 else "StableDiffusionXLPipeline"
    write(
        name,
        "model_index.json",
        {
            "_class_name": pipeline,
            "force_zeros_for_empty_prompt": True,
            "scheduler": ["diffusers", "EulerDiscreteScheduler"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "tokenizer_2": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
        },
    )
    write(
        name,
        "unet/config.json",
        {
            "_class_name": "UNet2DConditionModel",
            "in_channels": in_channels,
            "out_channels": 4,
            "sample_size": 128,
            "block_out_channels": [320, 640, 1280],
            "layers_per_block": 2,
            "transformer_layers_per_block": [1, 2, 10],
            "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
            "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
            "attention_head_dim": [5, 10, 20],
            "cross_attention_dim": 2048,
            "use_linear_projection": True,
            "addition_embed_type": "text_time",
            "addition_time_embed_dim": 256,
            "projection_class_embeddings_input_dim": 2816,
        },
    )
    write(name, "vae/config.json", VAE | {"sample_size": 1024, "scaling_factor": 0.13025, "force_upcast": True})
    write(name, "text_encoder/config.json", CLIP_L)
    write(name, "text_encoder_2/config.json", OPEN_CLIP_BIGG)
    write(
        name,
        "scheduler/scheduler_config.json",
        {
            "_class_name": "EulerDiscreteScheduler",
            **BETAS,
            "timestep_spacing": "leading",
            "interpolation_type": "linear",
        },
    )


def write(folder: str, relative: str, data: dict) -> None:
    path = ROOT / folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    sd1_vae = VAE | {"sample_size": 512, "scaling_factor": 0.18215}
    for name, channels in (("sd15", 4), ("sd15-inpaint", 9)):
        sd_family(
            name,
            in_channels=channels,
            unet={"sample_size": 64, "cross_attention_dim": 768, "attention_head_dim": 8},
            vae=sd1_vae,
            text=CLIP_L,
            scheduler={},
        )
    for name, channels, size, prediction in (("sd2", 4, 96, "v_prediction"), ("sd2-inpaint", 9, 64, "epsilon")):
        sd_family(
            name,
            in_channels=channels,
            vae=sd1_vae | {"sample_size": size * 8},
            text=OPEN_CLIP_H,
            unet={
                "sample_size": size,
                "cross_attention_dim": 1024,
                "attention_head_dim": [5, 10, 20, 20],
                "use_linear_projection": True,
            },
            scheduler={"prediction_type": prediction},
        )
    sdxl_family("sdxl", in_channels=4)
    sdxl_family("sdxl-inpaint", in_channels=9)
    write(
        "controlnet-sd15",
        "config.json",
        {
            "_class_name": "ControlNetModel",
            "in_channels": 4,
            "cross_attention_dim": 768,
            "attention_head_dim": 8,
            "conditioning_embedding_out_channels": [16, 32, 96, 256],
            **{k: v for k, v in SD1_BLOCKS.items() if k != "up_block_types"},
        },
    )
    write("vae-sd", "config.json", sd1_vae)
    write("vae-sdxl", "config.json", VAE | {"sample_size": 1024, "scaling_factor": 0.13025, "force_upcast": True})
    write("taesd", "config.json", {"_class_name": "AutoencoderTiny"})


if __name__ == "__main__":
    main()
