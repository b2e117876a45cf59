"""The model card written next to exported VAE weights: what, from which data, how made, how good."""

from __future__ import annotations

from pathlib import Path

from gencanvas.models.data import licence_of
from gencanvas.models.hardware import hardware
from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.metrics import describe

# One Markdown line, added to the card of a model trained without a GPU.
CPU_NOTE = (
    "- **CPU-sized**: trained briefly on a shared CPU with one thread; "
    "a GPU run with more steps would reconstruct sharper."
)


def write_card(
    folder: Path,
    *,
    source: str,
    images: int,
    test_note: str,
    config: VAEConfig,
    record: dict,
    command: str,
    metrics: dict,
) -> Path:
    losses = record["losses"]
    final = f"{losses[-1][1]:.1f}" if losses else "n/a"
    cpu = record["device"] == "cpu"
    side = config.image_size
    minutes = record["train_seconds"] / 60
    weights = "EMA of the training weights" if record.get("ema") else "training weights"
    text = f"""# VAE: {folder.name}

Convolutional variational autoencoder for latent interpolation (plugin `vae-interpolate`): stride-2 conv
encoder → Gaussian posterior (mu, log-variance) → transposed-conv decoder with a Bernoulli likelihood on pixels.

- **Data**: {source} ({images} training images) — {licence_of(source)}
- **Held out for metrics**: {test_note}
- **Network**: {side}×{side}×{config.channels}, widths {list(config.widths)}, latent {config.latent_dim}-d,
  β = {config.beta}; {record.get("parameters", "n/a")} parameters
- **Command**: `{command}`
- **Training**: {record["steps"]} steps (batch {record["batch_size"]}), {minutes:.1f} min on {record["device"]}
  ({hardware(record["device"])}, {record["processes"]} process(es)); final training loss {final} nats/image
- **Augmentation**: {record.get("augment", "none")} (`gencanvas.models.augment`)
- **Weights**: {weights}, `model.safetensors`; configuration `config.json`
{CPU_NOTE if cpu else ""}

## Evaluation

{describe(metrics)}
"""
    path = folder / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path
