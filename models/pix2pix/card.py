"""MODEL_CARD.md for exported pix2pix weights: data, licence, command, time, hardware, metrics."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from gencanvas.models.data import licence_of
from gencanvas.models.pix2pix.config import Pix2PixConfig
from gencanvas.models.pix2pix.metrics import TOLERANCE

# One Markdown line, added to the card of a model trained without a GPU.
CPU_NOTE = (
    "- **CPU-sized**: no GPU was available, so this is a small network trained for minutes, not the paper's hours; "
    "expect blurry, approximate colours. The same command with `--preset base` and `accelerate launch` is the GPU "
    "recipe."
)


def _hardware(device: str) -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")), cpu
        )
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    return f"{device} ({cpu}; OMP_NUM_THREADS={threads})"


def metrics_table(metrics: dict) -> str:
    return "\n".join(
        [
            "| metric | value |",
            "| --- | ---: |",
            f"| L1 to the true image (pixels in [0, 1]) ↓ | {metrics['l1']:.4f} |",
            f"| PSNR to the true image ↑ | {metrics['psnr']:.2f} dB |",
            f"| edge precision (output edges near a stroke) ↑ | {metrics['edge_precision']:.3f} |",
            f"| edge recall (strokes the output follows) ↑ | {metrics['edge_recall']:.3f} |",
            f"| **edge F1** ↑ | {metrics['edge_f1']:.3f} |",
            f"| edge F1 of the true images (reference) | {metrics['edge_f1_truth']:.3f} |",
        ]
    )


def write_card(
    folder: Path,
    *,
    source: str,
    train_images: int,
    test_note: str,
    config: Pix2PixConfig,
    record: dict,
    command: str,
    metrics: dict | None,
) -> Path:
    """Write the card; FD on a domain classifier is added by ``python -m gencanvas.models.evaluate pix2pix``."""
    losses = record["losses"]
    final = ", ".join(f"{k} {v:.4f}" for k, v in losses[-1][1].items()) if losses else "n/a"
    on_cpu = record["device"] == "cpu"
    evaluation = (
        "Not evaluated (`--eval-n 0`)."
        if metrics is None
        else (
            f"{metrics['n']} held-out images ({test_note}), one synthetic sketch each (fixed seed "
            f"{metrics['sketch_seed']}, same styles and colour-hint share as training). "
            "Edges re-extracted from the output "
            f"with colour Canny, matched to the sketch's centre lines within {TOLERANCE} px."
            f"\n\n{metrics_table(metrics)}"
        )
    )
    text = f"""# Sketch-to-photo model (pix2pix): {folder.name}

U-Net generator trained against a PatchGAN critic with L1 (weight {config.l1_weight}) + least-squares adversarial
loss (Isola et al., 2017). Input: a sketch on white, {config.image_size}×{config.image_size} RGB — black strokes, or
strokes in the brush colour as colour hints. Output: the picture, {config.image_size}×{config.image_size} RGB.

- **Data**: {source} ({train_images} training images) — {licence_of(source)}
- **Training pairs**: made from the images themselves — {" and ".join(config.sketch_styles)} edges, stroke width 1–3 px
  (× size/64), {config.hint_probability:.0%} of sketches drawn in the picture's (median-blurred) colours; random flips
- **Network**: generator {record["parameters"]:,} parameters (base width {config.base_channels}, at most
  {config.max_channels} channels, {config.depth} down/up levels to {config.bottleneck_size}×{config.bottleneck_size});
  PatchGAN with {config.disc_layers} levels (base width {config.disc_channels}), not shipped
- **Command**: `{command}`
- **Training**: {record["steps"]} steps of batch {record["batch_size"]}, {record["train_seconds"] / 60:.1f} min on
  {_hardware(record["device"])}, {record["processes"]} process(es), mixed precision {record["mixed_precision"]};
  final losses (mean of the last 50 steps, L1 on pixels in [-1, 1]): {final}
- **Weights**: exponential moving average of the generator, `model.safetensors`; configuration `config.json`
{CPU_NOTE if on_cpu else ""}

## Evaluation

{evaluation}
"""
    path = folder / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path
