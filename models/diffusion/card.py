"""The model card written next to exported diffusion weights: what, from which data, how made."""

from __future__ import annotations

import platform
from pathlib import Path

from gencanvas.models.data import licence_of
from gencanvas.models.diffusion.config import DiffusionConfig


def _patches(config: DiffusionConfig) -> str:
    p = config.patch_size
    if p == 1:
        return ""
    side = config.image_size // p
    return f" folded into {p}×{p} pixel patches ({side}×{side}×{config.channels * p * p} at the U-Net)"


def write_card(
    folder: Path, *, source: str, images: int, config: DiffusionConfig, record: dict, command: str, held_out: str = ""
) -> Path:
    """MODEL_CARD.md; the evaluation table is appended under its heading by the person who ran it."""
    losses = record["losses"]
    final_loss = f"{losses[-1][1]:.4f}" if losses else "n/a"
    parameters = record.get("parameters", "n/a")
    held_out_line = f"- **Held out for evaluation**: {held_out}\n" if held_out else ""
    captions = ", ".join(config.captions[:10]) + ("…" if len(config.captions) > 10 else "")
    side = config.image_size
    network = f"{side}×{side}×{config.channels}{_patches(config)}, block widths {list(config.block_out_channels)}"
    levels = f"{config.layers_per_block} block(s) per level, attention at levels {list(config.attention_levels)}"
    machine = platform.processor() or platform.machine()
    minutes = record["train_seconds"] / 60
    run = f"{record['processes']} process(es), mixed precision {record['mixed_precision']}"
    evaluate = f"python -m gencanvas.models.evaluate diffusion --model {folder} ..."
    text = f"""# Diffusion model: {folder.name}

Text-conditional pixel-space diffusion (diffusers `UNet2DModel` conditioned on all-MiniLM-L6-v2 sentence
embeddings through its time embedding; classifier-free guidance with a learned null embedding).

- **Data**: {source} ({images} training images) — {licence_of(source)}
{held_out_line}- **Captions**: {len(config.captions)} distinct ({captions})
- **Network**: {network},
  {levels}; {parameters} parameters
- **Schedule**: {config.num_train_timesteps} steps, {config.beta_schedule}, {config.prediction_type} prediction;
  default guidance {config.default_guidance}
- **Command**: `{command}`
- **Training**: {record["steps"]} steps, {minutes:.1f} min on {record["device"]}
  ({machine}, {run}); final loss {final_loss}
- **Weights**: EMA of the training weights, `model.safetensors`; configuration `config.json`

## Evaluation

Not evaluated yet: run `{evaluate}` and paste its `results.md` here.
"""
    path = folder / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path
