"""MODEL_CARD.md written next to exported StyleGAN weights: what, from which data, how made."""

from __future__ import annotations

import platform
from pathlib import Path

from gencanvas.models.data import licence_of
from gencanvas.models.stylegan.config import StyleGANConfig


def write_card(
    folder: Path, *, source: str, images: int, config: StyleGANConfig, record: dict, command: str, held_out: str = ""
) -> Path:
    """MODEL_CARD.md; ``gencanvas.models.stylegan.directions`` appends the directions and evaluation sections."""
    losses = record["losses"]
    final = f"G {losses[-1][1]:.3f}, D {losses[-1][2]:.3f}" if losses else "n/a"
    machine = platform.processor() or platform.machine()
    held_out_line = f"- **Held out for evaluation**: {held_out}\n" if held_out else ""
    text = f"""# StyleGAN-like generator: {folder.name}

A small StyleGAN2-style generator: mapping MLP z→w ({config.z_dim}→{config.w_dim}, {config.mapping_layers} layers,
learning-rate multiplier {config.mapping_lr_mul}), synthesis from a learned 4×4 constant with weight-modulated and
demodulated 3×3 convolutions, per-layer noise, skip (toRGB) outputs, {config.num_ws} style inputs; residual
discriminator with minibatch standard deviation.

- **Data**: {source} ({images} training images) — {licence_of(source)}
{held_out_line}- **Network**: {config.image_size}×{config.image_size}×{config.channels_out}, channels per resolution
  {list(config.channels)}; {record.get("parameters", "n/a")} generator parameters
- **Objective**: non-saturating logistic loss, lazy R1 (γ={config.r1_gamma}, every {config.r1_every} steps),
  DiffAugment ({config.augment}), style mixing p={config.style_mixing_prob}; Adam lr and betas as StyleGAN2
- **Command**: `{command}`
- **Training**: {record["steps"]} steps, {record["images_seen"]} images shown, {record["train_seconds"] / 60:.1f} min on
  {record["device"]} ({machine}, {record["processes"]} process(es)); last losses {final}
- **Weights**: EMA generator `model.safetensors`, `config.json`; default truncation ψ={config.default_truncation}
- **Sized for a CPU**: no GPU was available, so the network and the run are CPU-sized; samples are
  the domain's coarse shapes and colours, not crisp detail. A GPU run of the same command with
  `--preset base` and more steps is the way to better images.
"""
    path = folder / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path
