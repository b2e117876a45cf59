"""Training loop for the text-conditional diffusion model.

Runs the same on a laptop CPU, one GPU, or several through ``accelerate launch``. It
checkpoints on a timer and on exit so a run can be split into short sessions (a lent GPU
call lasts at most ten minutes) and resumed exactly: model, EMA, optimiser, step, RNG.
Checkpoints are safetensors plus an optimiser state loaded with ``weights_only=True``.
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
from diffusers.schedulers.scheduling_ddpm import (
    DDPMScheduler,
)  # the class itself: mypy reads the top-level name as a stub
from PIL import Image
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, TensorDataset

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.card import write_card
from gencanvas.models.diffusion.config import DiffusionConfig
from gencanvas.models.diffusion.files import save_model
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.diffusion.network import TextConditionedUNet
from gencanvas.models.diffusion.sampling import sample
from gencanvas.models.diffusion.text import TextEncoder
from gencanvas.models.training_args import TrainOptions
from gencanvas.models.training_loop import Trainer, epochs
from gencanvas.models.training_state import TrainState, ema_with_warmup

log = logging.getLogger(__name__)


@dataclass
class DiffusionTrainOptions(TrainOptions):
    batch_size: int = 64
    learning_rate: float = 2e-4
    sample_every: int = 1000
    warmup_steps: int = 200
    ema_decay: float = 0.999


def encode_captions(dataset: ImageCaptionDataset) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Encode each distinct caption once: (embedding table, index per image, distinct captions)."""
    distinct = sorted(set(dataset.captions))
    position = {caption: i for i, caption in enumerate(distinct)}
    table = TextEncoder("cpu").encode(distinct)
    index = torch.tensor([position[c] for c in dataset.captions], dtype=torch.long)
    return table, index, distinct


def _save_grid(images: torch.Tensor, path: Path, columns: int) -> None:
    grid = image_grid(images, columns)
    Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid).save(path)


class DiffusionTrainer(Trainer[tuple[torch.Tensor, torch.Tensor], DiffusionTrainOptions]):
    """Noise prediction (or v) under a DDPM schedule, classifier-free caption dropout, an EMA that warms up."""

    name = "diffusion"
    exported = ("model", "ema")
    averaged: AveragedModel

    def __init__(self, dataset: ImageCaptionDataset, config: DiffusionConfig, options: DiffusionTrainOptions) -> None:
        super().__init__(options)
        table, caption_index, distinct = encode_captions(dataset)
        config.captions = distinct
        self.config = config
        model = TextConditionedUNet(config)
        self.averaged = AveragedModel(model, multi_avg_fn=ema_with_warmup(options.ema_decay), use_buffers=True)
        optimizer = torch.optim.AdamW(model.parameters(), lr=options.learning_rate, weight_decay=0.0)
        self.model, self.optimizer = model, optimizer
        self.resume()
        loader = DataLoader(
            TensorDataset(dataset.images, caption_index),
            batch_size=options.batch_size,
            shuffle=True,
            drop_last=True,
            num_workers=0,
        )
        self.model, self.optimizer, self.loader = self.accelerator.prepare(model, optimizer, loader)
        self.averaged.to(self.accelerator.device)
        self.table = table.to(self.accelerator.device)
        self.noise_scheduler = DDPMScheduler(**config.scheduler_config())

    @property
    def ema(self) -> TextConditionedUNet:
        return cast(TextConditionedUNet, self.averaged.module)

    def networks(self) -> dict[str, torch.nn.Module]:
        return {"model": self.accelerator.unwrap_model(self.model), "ema": self.ema}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"optimizer": self.optimizer}

    def batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        return epochs(self.loader)

    def train_step(self, batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
        images, index = batch
        config, accelerator, model = self.config, self.accelerator, self.model
        x0 = images.float() / 127.5 - 1
        noise = torch.randn_like(x0)
        t = torch.randint(0, config.num_train_timesteps, (x0.shape[0],), device=x0.device)
        noisy = self.noise_scheduler.add_noise(x0, noise, t)
        text = accelerator.unwrap_model(model).drop_text(self.table[index], config.cond_dropout)
        lr = self.options.learning_rate * min(1.0, (self.state.optimiser_steps + 1) / self.options.warmup_steps)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        with accelerator.autocast():
            loss = torch.nn.functional.mse_loss(
                model(noisy, t, text).float(), _target(self.noise_scheduler, x0, noise, t)
            )
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.averaged.update_parameters(accelerator.unwrap_model(model))
        return {"loss": loss.detach()}

    def save_samples(self, path: Path) -> None:
        _sample_grid(self.ema, self.table, path)


def train_diffusion(dataset: ImageCaptionDataset, config: DiffusionConfig, options: DiffusionTrainOptions) -> Path:
    """Train (or resume) and export the EMA weights to ``options.out_dir``; returns that folder."""
    trainer = DiffusionTrainer(dataset, config, options)
    state = trainer.fit()
    if trainer.accelerator.is_main_process:
        record = export(trainer.ema, options.out_dir, state, trainer.accelerator)
        write_card(
            options.out_dir,
            source=dataset.name,
            images=len(dataset),
            config=config,
            record=record,
            command=options.command,
            held_out=options.held_out,
        )
    return options.out_dir


def _target(noise_scheduler: DDPMScheduler, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """What the network learns to predict: the noise, or v = sqrt(ᾱ)·noise − sqrt(1−ᾱ)·x0."""
    if noise_scheduler.config["prediction_type"] == "v_prediction":
        return noise_scheduler.get_velocity(x0, noise, cast(torch.IntTensor, t))  # any integer tensor works
    return noise


def _sample_grid(model: TextConditionedUNet, table: torch.Tensor, path: Path) -> None:
    """Four samples of each of the first ten captions, same seed every time: progress you can see."""
    columns = min(len(table), 10)
    text = table[torch.arange(columns * 4) % columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator(table.device).manual_seed(0)
    images = sample(
        model.eval(), text, sampler="dpm++", steps=20, guidance=model.config.default_guidance, generator=generator
    )
    _save_grid(images, path, columns=columns)


def export(model: TextConditionedUNet, out_dir: Path, state: TrainState, accelerator: Accelerator) -> dict[str, Any]:
    """Save the EMA weights and ``training.json`` (steps, time, loss curve, hardware); return that record."""
    save_model(model, out_dir)
    record = {
        "steps": state.step,
        "train_seconds": round(state.seconds, 1),
        "losses": state.losses,
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "mixed_precision": accelerator.mixed_precision,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    (out_dir / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record
