"""Training loop for the text-conditional diffusion model.

Runs the same on a laptop CPU, one GPU, or several through ``accelerate launch``. It
checkpoints on a timer and on exit so a run can be split into short sessions (a lent GPU
call lasts at most ten minutes) and resumed exactly: model, EMA, optimiser, step, RNG.
Checkpoints are safetensors plus an optimiser state loaded with ``weights_only=True``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from diffusers import DDPMScheduler
from PIL import Image
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.card import write_card
from gencanvas.models.diffusion.config import DiffusionConfig
from gencanvas.models.diffusion.files import save_model
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.diffusion.network import TextConditionedUNet
from gencanvas.models.diffusion.sampling import sample
from gencanvas.models.diffusion.text import TextEncoder
from gencanvas.models.training_state import Checkpoint, SessionClock, ema_with_warmup

log = logging.getLogger(__name__)


@dataclass
class TrainOptions:
    run_dir: Path
    out_dir: Path
    batch_size: int = 64
    learning_rate: float = 2e-4
    warmup_steps: int = 200
    max_steps: int = 20_000
    time_limit_min: float = 0.0  # 0 = no limit; otherwise checkpoint and stop after this long
    ema_decay: float = 0.999
    sample_every: int = 1000
    checkpoint_every_min: float = 5.0
    mixed_precision: str = "no"  # "no" | "fp16" | "bf16" (GPU)
    seed: int = 0
    resume: bool = True
    command: str = ""  # recorded in the model card
    held_out: str = ""  # which images were kept out of training for evaluation (model card)


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


def train_diffusion(dataset: ImageCaptionDataset, config: DiffusionConfig, options: TrainOptions) -> Path:
    """Train (or resume) and export the EMA weights to ``options.out_dir``; returns that folder."""
    accelerator = Accelerator(mixed_precision=options.mixed_precision)
    torch.manual_seed(options.seed + accelerator.process_index)
    table, caption_index, distinct = encode_captions(dataset)
    config.captions = distinct
    model = TextConditionedUNet(config)
    ema = AveragedModel(model, multi_avg_fn=ema_with_warmup(options.ema_decay), use_buffers=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=options.learning_rate, weight_decay=0.0)
    checkpoint = Checkpoint(options.run_dir / "checkpoint")
    state = {"step": 0, "seconds": 0.0, "losses": []}
    if options.resume and checkpoint.exists():
        state = checkpoint.load({"model": model, "ema": ema.module}, {"optimizer": optimizer})
        ema.n_averaged.fill_(state.get("ema_updates", 0))  # 0: an EMA without history restarts from the model
        log.info("resumed from step %s", state["step"])
    loader = DataLoader(
        TensorDataset(dataset.images, caption_index),
        batch_size=options.batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=0,
    )
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    ema.to(accelerator.device)
    table = table.to(accelerator.device)
    noise_scheduler = DDPMScheduler(**config.scheduler_config())
    lr_at = lambda step: options.learning_rate * min(1.0, (step + 1) / options.warmup_steps)  # noqa: E731

    clock = SessionClock(options.time_limit_min, options.checkpoint_every_min, state["seconds"])
    running = []
    progress = tqdm(
        total=options.max_steps, initial=state["step"], desc="diffusion", disable=not accelerator.is_main_process
    )

    def save_checkpoint() -> None:
        state["seconds"] = clock.total_seconds()
        state["ema_updates"] = int(ema.n_averaged)
        if accelerator.is_main_process:
            checkpoint.save(
                {"model": accelerator.unwrap_model(model), "ema": ema.module}, {"optimizer": optimizer}, state
            )

    stop = False
    while not stop:
        for images, index in loader:
            x0 = images.float() / 127.5 - 1
            noise = torch.randn_like(x0)
            t = torch.randint(0, config.num_train_timesteps, (x0.shape[0],), device=x0.device)
            noisy = noise_scheduler.add_noise(x0, noise, t)
            text = accelerator.unwrap_model(model).drop_text(table[index], config.cond_dropout)
            for group in optimizer.param_groups:
                group["lr"] = lr_at(state["step"])
            with accelerator.autocast():
                loss = torch.nn.functional.mse_loss(
                    model(noisy, t, text).float(), _target(noise_scheduler, x0, noise, t)
                )
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            ema.update_parameters(accelerator.unwrap_model(model))
            state["step"] += 1
            running.append(loss.item())
            progress.update(1)
            if state["step"] % 100 == 0:
                state["losses"].append([state["step"], float(np.mean(running))])
                progress.set_postfix(loss=f"{np.mean(running):.4f}")
                running.clear()
            if options.sample_every and state["step"] % options.sample_every == 0 and accelerator.is_main_process:
                _sample_grid(ema.module, table, options.run_dir / f"samples-{state['step']:06d}.png")
            if state["step"] >= options.max_steps or clock.out_of_time():
                stop = True
                break
            if clock.checkpoint_due():
                save_checkpoint()
                clock.checkpointed()
    progress.close()
    save_checkpoint()
    if accelerator.is_main_process:
        record = export(ema.module, options.out_dir, state, accelerator)
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
    if noise_scheduler.config.prediction_type == "v_prediction":
        return noise_scheduler.get_velocity(x0, noise, t)
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


def export(model: TextConditionedUNet, out_dir: Path, state: dict, accelerator: Accelerator) -> dict:
    """Save the EMA weights and ``training.json`` (steps, time, loss curve, hardware); return that record."""
    save_model(model, out_dir)
    record = {
        "steps": state["step"],
        "train_seconds": round(state["seconds"], 1),
        "losses": state["losses"],
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "mixed_precision": accelerator.mixed_precision,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    (out_dir / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record
