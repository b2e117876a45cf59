"""GAN training: non-saturating logistic loss, lazy R1 on reals, DiffAugment, style mixing, EMA G.

Same shape as the diffusion trainer: accelerate (one CPU, one GPU or ``accelerate launch``),
``--time-limit`` then checkpoint, resume from ``run_dir/checkpoint``, sample grids, model card.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from PIL import Image

from gencanvas.models.augment import diff_augment
from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.stylegan.card import write_card
from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.files import save_generator
from gencanvas.models.stylegan.network import Discriminator, Generator
from gencanvas.models.training_args import TrainOptions
from gencanvas.models.training_loop import Trainer
from gencanvas.models.training_state import TrainState

log = logging.getLogger(__name__)


@dataclass
class StyleGANTrainOptions(TrainOptions):
    batch_size: int = 16
    learning_rate: float = 0.002
    max_steps: int = 100_000
    sample_every: int = 500
    ema_kimg: float = 5.0  # EMA half-life in thousands of images (ramped up early, as StyleGAN2-ADA)
    ema_rampup: float = 0.05


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


class StyleGANTrainer(Trainer[torch.Tensor, StyleGANTrainOptions]):
    """The critic step (lazy R1 every ``r1_every`` steps), the generator step, then the EMA generator."""

    name = "stylegan"
    exported = ("G", "G_ema")
    loss_names = ("g", "d", "r1")
    log_every = 50

    def __init__(self, dataset: ImageCaptionDataset, config: StyleGANConfig, options: StyleGANTrainOptions) -> None:
        super().__init__(options)
        self.config = config
        G, D = Generator(config), Discriminator(config)
        self.G_ema = copy.deepcopy(G).eval().requires_grad_(False)
        r1_ratio = config.r1_every / (config.r1_every + 1)  # lazy regularisation: adjust Adam as StyleGAN2 does
        lr = options.learning_rate
        opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.0, 0.99), eps=1e-8)
        opt_d = torch.optim.Adam(D.parameters(), lr=lr * r1_ratio, betas=(0.0, 0.99**r1_ratio), eps=1e-8)
        self.G, self.D, self.opt_g, self.opt_d = G, D, opt_g, opt_d
        self.resume()
        self.G, self.D, self.opt_g, self.opt_d = self.accelerator.prepare(G, D, opt_g, opt_d)
        self.G_ema.to(self.accelerator.device)
        self.G_plain: Generator = self.accelerator.unwrap_model(self.G)
        self.D_plain: Discriminator = self.accelerator.unwrap_model(self.D)
        self.reals = dataset.images
        self.sample_z = torch.randn(64, config.z_dim, generator=torch.Generator().manual_seed(123)).to(
            self.accelerator.device
        )

    def networks(self) -> dict[str, torch.nn.Module]:
        unwrap = self.accelerator.unwrap_model
        return {"G": unwrap(self.G), "D": unwrap(self.D), "G_ema": self.G_ema}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"opt_g": self.opt_g, "opt_d": self.opt_d}

    def batches(self) -> Iterator[torch.Tensor]:
        """Random real images, drawn with replacement: a GAN needs no epochs."""
        while True:
            picked = torch.randint(0, len(self.reals), (self.options.batch_size,))
            yield self.reals[picked].to(self.accelerator.device, torch.float32) / 127.5 - 1

    def train_step(self, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        reals, config, accelerator = batch, self.config, self.accelerator
        batch_size, device = reals.shape[0], accelerator.device
        losses: dict[str, torch.Tensor] = {}
        z = torch.randn(batch_size, config.z_dim, device=device)

        # Discriminator: real → 1, fake → 0; every r1_every steps also the gradient penalty on reals.
        with torch.no_grad():
            fakes = self.G_plain(z, mixing_prob=config.style_mixing_prob)
        with accelerator.autocast():
            d_loss = (
                F.softplus(self.D(diff_augment(fakes, config.augment)))
                + F.softplus(-self.D(diff_augment(reals, config.augment)))
            ).mean()
        if config.r1_gamma and self.state.step % config.r1_every == 0:
            r1 = _r1_penalty(self.D, reals, config.augment)
            d_loss = d_loss + r1 * (config.r1_gamma / 2 * config.r1_every)
            losses["r1"] = r1.detach()
        self.opt_d.zero_grad(set_to_none=True)
        accelerator.backward(d_loss)
        self.opt_d.step()

        # Generator: non-saturating loss −log D(G(z)); its mapping pass updates the running w average.
        z = torch.randn(batch_size, config.z_dim, device=device)
        self.D_plain.requires_grad_(False)  # no weight gradients for D here: a third less backward work
        with accelerator.autocast():
            fakes = self.G(z, mixing_prob=config.style_mixing_prob, update_w_avg=True)
            g_loss = F.softplus(-self.D(diff_augment(fakes, config.augment))).mean()
        self.opt_g.zero_grad(set_to_none=True)
        accelerator.backward(g_loss)
        self.opt_g.step()
        self.D_plain.requires_grad_(True)

        seen = batch_size * accelerator.num_processes
        self.state.images += seen
        ema_images = min(self.options.ema_kimg * 1000, self.state.images * self.options.ema_rampup)
        _ema_update(self.G_ema, self.G_plain, 0.5 ** (seen / max(ema_images, 1e-8)))
        return losses | {"g": g_loss.detach(), "d": d_loss.detach()}

    def loss_entry(self, means: dict[str, float]) -> list[Any]:
        return [self.state.step, means["g"], means["d"], means["r1"]]

    def postfix(self, means: dict[str, float]) -> dict[str, Any]:
        return {name: f"{means[name]:.3f}" for name in ("g", "d", "r1")}

    def save_samples(self, path: Path) -> None:
        save_samples(self.G_ema, self.sample_z, path)


def train_stylegan(dataset: ImageCaptionDataset, config: StyleGANConfig, options: StyleGANTrainOptions) -> Path:
    """Train (or resume) and export the EMA generator to ``options.out_dir``; returns that folder."""
    trainer = StyleGANTrainer(dataset, config, options)
    state = trainer.fit()
    if trainer.accelerator.is_main_process:
        record = export(trainer.G_ema, options.out_dir, state, trainer.accelerator)
        save_samples(trainer.G_ema, trainer.sample_z, options.out_dir / "samples.png", psi=config.default_truncation)
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


@torch.no_grad()
def save_samples(G: Generator, z: torch.Tensor, path: Path, psi: float = 1.0) -> None:
    """The same 64 codes every time, constant noise: training progress you can compare by eye."""
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = image_grid(G.synthesis(G.ws_from_z(z, psi), noise_mode="const"), columns=8)
    Image.fromarray(grid[..., 0] if grid.shape[2] == 1 else grid).save(path)


def export(G_ema: Generator, out_dir: Path, state: TrainState, accelerator: Accelerator) -> dict[str, Any]:
    """Save the EMA generator and ``training.json`` (steps, images, time, loss curve, hardware)."""
    save_generator(G_ema, out_dir)
    record = {
        "steps": state.step,
        "images_seen": state.images,
        "train_seconds": round(state.seconds, 1),
        "losses": state.losses,
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "parameters": sum(p.numel() for p in G_ema.parameters()),
    }
    (out_dir / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record
