"""GAN training: non-saturating logistic loss, lazy R1 on reals, DiffAugment, style mixing, EMA G.

Same shape as the diffusion trainer: accelerate (one CPU, one GPU or ``accelerate launch``),
``--time-limit`` then checkpoint, resume from ``run_dir/checkpoint``, sample grids, model card.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from accelerate import Accelerator
from PIL import Image
from tqdm import tqdm

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.stylegan.augment import diff_augment
from gencanvas.models.stylegan.card import write_card
from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.files import save_generator
from gencanvas.models.stylegan.network import Discriminator, Generator
from gencanvas.models.training_state import Checkpoint, SessionClock

log = logging.getLogger(__name__)


@dataclass
class GANTrainOptions:
    run_dir: Path
    out_dir: Path
    batch_size: int = 16
    learning_rate: float = 0.002
    max_steps: int = 100_000
    time_limit_min: float = 0.0  # 0 = no limit; otherwise checkpoint and stop after this long
    ema_kimg: float = 5.0  # EMA half-life in thousands of images (ramped up early, as StyleGAN2-ADA)
    ema_rampup: float = 0.05
    sample_every: int = 500
    checkpoint_every_min: float = 5.0
    mixed_precision: str = "no"
    seed: int = 0
    resume: bool = True
    command: str = ""


def _ema_update(ema: Generator, model: Generator, beta: float) -> None:
    with torch.no_grad():
        for p_ema, p in zip(ema.parameters(), model.parameters(), strict=False):
            p_ema.lerp_(p, 1 - beta)
        for b_ema, b in zip(ema.buffers(), model.buffers(), strict=False):
            b_ema.copy_(b)  # w_avg and the constant noise follow the training generator


def _r1_penalty(D: torch.nn.Module, reals: torch.Tensor, policy: str) -> torch.Tensor:
    reals = reals.detach().requires_grad_(True)
    logits = D(diff_augment(reals, policy))
    (grad,) = torch.autograd.grad(logits.sum(), reals, create_graph=True)
    return grad.square().sum(dim=(1, 2, 3)).mean()


def train_stylegan(dataset: ImageCaptionDataset, config: StyleGANConfig, options: GANTrainOptions) -> Path:
    """Train (or resume) and export the EMA generator to ``options.out_dir``; returns that folder."""
    accelerator = Accelerator(mixed_precision=options.mixed_precision)
    torch.manual_seed(options.seed + accelerator.process_index)
    G, D = Generator(config), Discriminator(config)
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    r1_ratio = config.r1_every / (config.r1_every + 1)  # lazy regularisation: adjust Adam as StyleGAN2 does
    opt_g = torch.optim.Adam(G.parameters(), lr=options.learning_rate, betas=(0.0, 0.99), eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=options.learning_rate * r1_ratio, betas=(0.0, 0.99**r1_ratio), eps=1e-8)
    checkpoint = Checkpoint(options.run_dir / "checkpoint")
    modules = {"G": G, "D": D, "G_ema": G_ema}
    optimizers = {"opt_g": opt_g, "opt_d": opt_d}
    state = {"step": 0, "images": 0, "seconds": 0.0, "losses": []}
    if options.resume and checkpoint.exists():
        state = checkpoint.load(modules, optimizers)
        log.info("resumed from step %s", state["step"])
    G, D, opt_g, opt_d = accelerator.prepare(G, D, opt_g, opt_d)
    G_ema.to(accelerator.device)
    G_plain, D_plain = accelerator.unwrap_model(G), accelerator.unwrap_model(D)
    reals_all = dataset.images
    batch = options.batch_size
    sample_z = torch.randn(64, config.z_dim, generator=torch.Generator().manual_seed(123)).to(accelerator.device)

    clock = SessionClock(options.time_limit_min, options.checkpoint_every_min, state["seconds"])
    running: dict[str, list[float]] = {"g": [], "d": [], "r1": []}
    progress = tqdm(
        total=options.max_steps, initial=state["step"], desc="stylegan", disable=not accelerator.is_main_process
    )

    def save_checkpoint() -> None:
        state["seconds"] = clock.total_seconds()
        if accelerator.is_main_process:
            checkpoint.save({"G": G_plain, "D": D_plain, "G_ema": G_ema}, optimizers, state)

    while state["step"] < options.max_steps:
        picked = torch.randint(0, len(reals_all), (batch,))
        reals = reals_all[picked].to(accelerator.device, torch.float32) / 127.5 - 1
        z = torch.randn(batch, config.z_dim, device=accelerator.device)

        # Discriminator: real → 1, fake → 0; every r1_every steps also the gradient penalty on reals.
        with torch.no_grad():
            fakes = G_plain(z, mixing_prob=config.style_mixing_prob)
        with accelerator.autocast():
            d_loss = (
                F.softplus(D(diff_augment(fakes, config.augment))) + F.softplus(-D(diff_augment(reals, config.augment)))
            ).mean()
        if config.r1_gamma and state["step"] % config.r1_every == 0:
            r1 = _r1_penalty(D, reals, config.augment)
            d_loss = d_loss + r1 * (config.r1_gamma / 2 * config.r1_every)
            running["r1"].append(r1.item())
        opt_d.zero_grad(set_to_none=True)
        accelerator.backward(d_loss)
        opt_d.step()

        # Generator: non-saturating loss −log D(G(z)); its mapping pass updates the running w average.
        z = torch.randn(batch, config.z_dim, device=accelerator.device)
        D_plain.requires_grad_(False)  # no weight gradients for D here: a third less backward work
        with accelerator.autocast():
            fakes = G(z, mixing_prob=config.style_mixing_prob, update_w_avg=True)
            g_loss = F.softplus(-D(diff_augment(fakes, config.augment))).mean()
        opt_g.zero_grad(set_to_none=True)
        accelerator.backward(g_loss)
        opt_g.step()
        D_plain.requires_grad_(True)

        state["step"] += 1
        state["images"] += batch * accelerator.num_processes
        ema_images = min(options.ema_kimg * 1000, state["images"] * options.ema_rampup)
        _ema_update(G_ema, G_plain, 0.5 ** (batch * accelerator.num_processes / max(ema_images, 1e-8)))
        running["g"].append(g_loss.item())
        running["d"].append(d_loss.item())
        progress.update(1)
        if state["step"] % 50 == 0:
            means = {k: float(np.mean(v)) if v else float("nan") for k, v in running.items()}
            state["losses"].append([state["step"], means["g"], means["d"], means["r1"]])
            progress.set_postfix(g=f"{means['g']:.3f}", d=f"{means['d']:.3f}", r1=f"{means['r1']:.3f}")
            for v in running.values():
                v.clear()
        if options.sample_every and state["step"] % options.sample_every == 0 and accelerator.is_main_process:
            save_samples(G_ema, sample_z, options.run_dir / f"samples-{state['step']:06d}.png")
        if clock.out_of_time():
            break
        if clock.checkpoint_due():
            save_checkpoint()
            clock.checkpointed()
    progress.close()
    save_checkpoint()
    if accelerator.is_main_process:
        record = export(G_ema, options.out_dir, state, accelerator)
        save_samples(G_ema, sample_z, options.out_dir / "samples.png", psi=config.default_truncation)
        write_card(
            options.out_dir,
            source=dataset.name,
            images=len(dataset),
            config=config,
            record=record,
            command=options.command,
        )
    return options.out_dir


@torch.no_grad()
def save_samples(G: Generator, z: torch.Tensor, path: Path, psi: float = 1.0) -> None:
    """The same 64 codes every time, constant noise: training progress you can compare by eye."""
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = image_grid(G.synthesis(G.ws_from_z(z, psi), noise_mode="const"), columns=8)
    Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid).save(path)


def export(G_ema: Generator, out_dir: Path, state: dict, accelerator: Accelerator) -> dict:
    """Save the EMA generator and ``training.json`` (steps, images, time, loss curve, hardware)."""
    save_generator(G_ema, out_dir)
    record = {
        "steps": state["step"],
        "images_seen": state["images"],
        "train_seconds": round(state["seconds"], 1),
        "losses": state["losses"],
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "parameters": sum(p.numel() for p in G_ema.parameters()),
    }
    (out_dir / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record
