"""Training loop for the convolutional VAE, on the same rails as the diffusion trainer.

CPU, one GPU or ``accelerate launch`` on several; checkpoints on a timer and on exit
(model, EMA, optimiser, step) so ``--time-limit`` sessions resume where they stopped;
sample grids in the run folder; the export writes weights, training.json and the card.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from PIL import Image
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.training_state import Checkpoint, SessionClock, ema_with_warmup
from gencanvas.models.vae.card import write_card
from gencanvas.models.vae.config import VAEConfig
from gencanvas.models.vae.files import save_vae
from gencanvas.models.vae.interpolation import interpolate
from gencanvas.models.vae.metrics import as_json_ready, reconstruction_metrics, sample_fd
from gencanvas.models.vae.network import ConvVAE

log = logging.getLogger(__name__)


@dataclass
class VAETrainOptions:
    run_dir: Path
    out_dir: Path
    batch_size: int = 64
    learning_rate: float = 1e-3
    max_steps: int = 20_000
    time_limit_min: float = 0.0  # 0 = no limit; otherwise checkpoint and stop after this long
    kl_warmup_steps: int = 500  # β ramps linearly from 0: the decoder learns to use the latent before KL pulls it in
    ema_decay: float = 0.999
    sample_every: int = 500
    checkpoint_every_min: float = 5.0
    mixed_precision: str = "no"
    seed: int = 0
    resume: bool = True
    command: str = ""
    classifier: Path | None = None  # domain classifier for the FD line of the card (skipped when absent)
    test_note: str = ""


def save_preview(model: ConvVAE, test_images: torch.Tensor, path: Path, seed: int = 0) -> None:
    """One picture of progress: 8 test images over their reconstructions, 16 prior samples, one slerp row."""
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        real = test_images[:8].to(device).float() / 127.5 - 1
        z = torch.randn(18, model.config.latent_dim, generator=torch.Generator().manual_seed(seed)).to(device)
        walk = interpolate(z[16].cpu(), z[17].cpu(), 8, "slerp").to(device)
        rows = torch.cat([real, model.reconstruct(real), model.decode(z[:16]), model.decode(walk)])
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = image_grid(rows, columns=8)
    Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid).save(path)
    model.train()


def train_vae(
    train: ImageCaptionDataset, test: ImageCaptionDataset, config: VAEConfig, options: VAETrainOptions
) -> Path:
    """Train (or resume), then export the EMA weights, metrics and card to ``options.out_dir``."""
    accelerator = Accelerator(mixed_precision=options.mixed_precision)
    torch.manual_seed(options.seed + accelerator.process_index)
    model = ConvVAE(config)
    ema = AveragedModel(model, multi_avg_fn=ema_with_warmup(options.ema_decay), use_buffers=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=options.learning_rate, weight_decay=0.0)
    checkpoint = Checkpoint(options.run_dir / "checkpoint")
    state = {"step": 0, "seconds": 0.0, "losses": []}
    if options.resume and checkpoint.exists():
        state = checkpoint.load({"model": model, "ema": ema.module}, {"optimizer": optimizer})
        ema.n_averaged.fill_(state.get("ema_updates", 0))
        log.info("resumed from step %s", state["step"])
    loader = DataLoader(TensorDataset(train.images), batch_size=options.batch_size, shuffle=True, drop_last=True)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    ema.to(accelerator.device)
    clock = SessionClock(options.time_limit_min, options.checkpoint_every_min, state["seconds"])
    running: list[float] = []
    progress = tqdm(total=options.max_steps, initial=state["step"], desc="vae", disable=not accelerator.is_main_process)

    def save_checkpoint() -> None:
        state["seconds"] = clock.total_seconds()
        state["ema_updates"] = int(ema.n_averaged)
        if accelerator.is_main_process:
            checkpoint.save(
                {"model": accelerator.unwrap_model(model), "ema": ema.module}, {"optimizer": optimizer}, state
            )

    stop = state["step"] >= options.max_steps
    while not stop:
        for (images,) in loader:
            x = images.float() / 127.5 - 1
            beta = config.beta * min(1.0, state["step"] / max(1, options.kl_warmup_steps))
            with accelerator.autocast():
                loss = accelerator.unwrap_model(model).loss(x, beta=beta)["loss"]
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), 100.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            ema.update_parameters(accelerator.unwrap_model(model))
            state["step"] += 1
            running.append(loss.item())
            progress.update(1)
            if state["step"] % 100 == 0:
                state["losses"].append([state["step"], float(np.mean(running))])
                progress.set_postfix(loss=f"{np.mean(running):.1f}")
                running.clear()
            if options.sample_every and state["step"] % options.sample_every == 0 and accelerator.is_main_process:
                save_preview(ema.module, test.images, options.run_dir / f"samples-{state['step']:06d}.png")
            if state["step"] >= options.max_steps or clock.out_of_time():
                stop = True
                break
            if clock.checkpoint_due():
                save_checkpoint()
                clock.checkpointed()
    progress.close()
    save_checkpoint()
    if accelerator.is_main_process:
        export(ema.module, train, test, options, state, accelerator)
    return options.out_dir


def export(
    model: ConvVAE,
    train: ImageCaptionDataset,
    test: ImageCaptionDataset,
    options: VAETrainOptions,
    state: dict,
    accelerator: Accelerator,
) -> dict:
    """Weights, samples.png, training.json (steps, time, losses, metrics) and MODEL_CARD.md."""
    out = options.out_dir
    model = model.eval()
    save_vae(model, out)
    save_preview(model, test.images, out / "samples.png")
    metrics = reconstruction_metrics(model, test.images)
    if options.classifier is not None:
        floor = train.subset(len(test), options.seed).images
        metrics |= sample_fd(model, test.images, options.classifier, options.seed, train=floor) or {}
    record = {
        "steps": state["step"],
        "train_seconds": round(state["seconds"], 1),
        "losses": state["losses"],
        "batch_size": options.batch_size,
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
