"""Training loop for the convolutional VAE, on the same rails as the diffusion trainer.

CPU, one GPU or ``accelerate launch`` on several; checkpoints on a timer and on exit
(model, EMA, optimiser, step) so ``--time-limit`` sessions resume where they stopped;
sample grids in the run folder; the export writes weights, training.json and the card.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from accelerate import Accelerator
from PIL import Image
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, TensorDataset

from gencanvas.models.augment import diff_augment
from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.training_args import TrainOptions
from gencanvas.models.training_loop import Trainer, epochs
from gencanvas.models.training_state import TrainState, ema_with_warmup
from gencanvas.models.vae.card import write_card
from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.files import save_vae
from gencanvas.models.vae.fitting import with_fitted_prior
from gencanvas.models.vae.interpolation import interpolate
from gencanvas.models.vae.metrics import as_json_ready, card_metrics
from gencanvas.models.vae.network import ConvVAE

log = logging.getLogger(__name__)


@dataclass
class VAETrainOptions(TrainOptions):
    batch_size: int = 64
    learning_rate: float = 1e-3
    sample_every: int = 500
    kl_warmup_steps: int = 500  # β ramps linearly from 0: the decoder learns to use the latent before KL pulls it in
    ema_decay: float = 0.999
    prior_components: int = 0  # fit a Gaussian mixture prior at export (gencanvas.models.vae.prior); 0: N(0, I)
    classifier: Path | None = None  # domain classifier for the FD line of the card (skipped when absent)
    test_note: str = ""
    augment: str = "none"  # training-image augmentations (gencanvas.models.augment), e.g. "flip,shift"


def save_preview(model: ConvVAE, test_images: torch.Tensor, path: Path, seed: int = 0) -> None:
    """One picture of progress: 8 test images over their reconstructions, 16 prior samples, one slerp row."""
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        real = test_images[:8].to(device).float() / 127.5 - 1
        z = model.prior.sample(18, torch.Generator().manual_seed(seed)).to(device)
        walk = interpolate(z[16].cpu(), z[17].cpu(), 8, "slerp", model.prior.mean()).to(device)
        rows = torch.cat([real, model.reconstruct(real), model.decode(z[:16]), model.decode(walk)])
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = image_grid(rows, columns=8)
    Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid).save(path)
    model.train()


class VAETrainer(Trainer[tuple[torch.Tensor], VAETrainOptions]):
    """ELBO with β warming up from 0, an EMA that warms up; the preview shows held-out reconstructions."""

    name = "vae"
    exported = ("model", "ema")
    fitted_at_export = ("prior.",)  # the sampling mixture, fitted to the encodings after training
    averaged: AveragedModel

    def __init__(
        self, train: ImageCaptionDataset, test: ImageCaptionDataset, config: VAEConfig, options: VAETrainOptions
    ) -> None:
        super().__init__(options)
        self.config, self.test = config, test
        model = ConvVAE(config)
        self.averaged = AveragedModel(model, multi_avg_fn=ema_with_warmup(options.ema_decay), use_buffers=True)
        optimizer = torch.optim.AdamW(model.parameters(), lr=options.learning_rate, weight_decay=0.0)
        self.model, self.optimizer = model, optimizer
        self.resume()
        loader = DataLoader(TensorDataset(train.images), batch_size=options.batch_size, shuffle=True, drop_last=True)
        self.model, self.optimizer, self.loader = self.accelerator.prepare(model, optimizer, loader)
        self.averaged.to(self.accelerator.device)

    @property
    def ema(self) -> ConvVAE:
        return cast(ConvVAE, self.averaged.module)

    def networks(self) -> dict[str, torch.nn.Module]:
        return {"model": self.accelerator.unwrap_model(self.model), "ema": self.ema}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"optimizer": self.optimizer}

    def batches(self) -> Iterator[tuple[torch.Tensor]]:
        return epochs(self.loader)

    def train_step(self, batch: tuple[torch.Tensor]) -> dict[str, torch.Tensor]:
        (images,) = batch
        accelerator, model = self.accelerator, self.model
        x = diff_augment(images.float() / 127.5 - 1, self.options.augment)
        beta = self.config.beta * min(1.0, self.state.step / max(1, self.options.kl_warmup_steps))
        with accelerator.autocast():
            loss = accelerator.unwrap_model(model).loss(x, beta=beta)["loss"]
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(model.parameters(), 100.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.averaged.update_parameters(accelerator.unwrap_model(model))
        return {"loss": loss.detach()}

    def postfix(self, means: dict[str, float]) -> dict[str, Any]:
        return {"loss": f"{means['loss']:.1f}"}  # summed over pixels: hundreds, not fractions

    def save_samples(self, path: Path) -> None:
        save_preview(self.ema, self.test.images, path)


def train_vae(
    train: ImageCaptionDataset, test: ImageCaptionDataset, config: VAEConfig, options: VAETrainOptions
) -> Path:
    """Train (or resume), then export the EMA weights, metrics and card to ``options.out_dir``."""
    trainer = VAETrainer(train, test, config, options)
    state = trainer.fit()
    if trainer.accelerator.is_main_process:
        export(trainer.ema, train, test, options, state, trainer.accelerator)
    return options.out_dir


def export(
    model: ConvVAE,
    train: ImageCaptionDataset,
    test: ImageCaptionDataset,
    options: VAETrainOptions,
    state: TrainState,
    accelerator: Accelerator,
) -> dict[str, Any]:
    """Weights, samples.png, training.json (steps, time, losses, metrics) and MODEL_CARD.md."""
    out = options.out_dir
    model = model.eval()
    if options.prior_components:
        model = with_fitted_prior(model, train.images, options.prior_components, options.seed)
    save_vae(model, out)
    save_preview(model, test.images, out / "samples.png")
    metrics = card_metrics(model, train, test.images, options.classifier, options.seed)
    record = {
        "steps": state.step,
        "train_seconds": round(state.seconds, 1),
        "losses": state.losses,
        "batch_size": options.batch_size,
        "augment": options.augment,
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "ema": True,
        "parameters": sum(p.numel() for p in model.parameters()),
        "metrics": as_json_ready(metrics),
    }
    (out / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    write_card(
        out,
        source=train.name,
        images=len(train),
        test_note=options.test_note or f"{len(test)} images",
        config=model.config,
        record=record,
        command=options.command,
        metrics=metrics,
    )
    return record
