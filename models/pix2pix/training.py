"""pix2pix training: L1 + LSGAN loss, on a laptop CPU, one GPU, or several via ``accelerate launch``.

Follows the diffusion trainer's habits: checkpoints on a timer and on exit (safetensors for
the networks, tensors-only optimiser state read with ``weights_only=True``), ``--time-limit``
for short sessions, exact resume, an EMA of the generator (what is exported), and a fixed
grid of held-out sketches rendered every ``sample_every`` steps so progress can be seen.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from PIL import Image
from torch.nn import functional as F
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.pix2pix.config import Pix2PixConfig
from gencanvas.models.pix2pix.files import save_generator
from gencanvas.models.pix2pix.network import PatchDiscriminator, UNetGenerator
from gencanvas.models.pix2pix.pairs import SketchPairs
from gencanvas.models.training_args import TrainOptions
from gencanvas.models.training_loop import Trainer, epochs
from gencanvas.models.training_state import ema_with_warmup

log = logging.getLogger(__name__)


@dataclass
class Pix2PixTrainOptions(TrainOptions):
    batch_size: int = 16
    learning_rate: float = 2e-4
    sample_every: int = 250
    ema_decay: float = 0.999


def save_sample_grid(generator: UNetGenerator, sketches: torch.Tensor, truths: torch.Tensor, path: Path) -> None:
    """Rows of (sketch, output, truth) triples: the same held-out sketches at every step."""
    with torch.no_grad():
        outputs = generator.eval()(sketches.to(next(generator.parameters()).device)).cpu()
    triples = torch.stack([sketches, outputs, truths], dim=1).flatten(0, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image_grid(triples, columns=12)).save(path)


class Pix2PixTrainer(Trainer[tuple[torch.Tensor, torch.Tensor], Pix2PixTrainOptions]):
    """L1 + LSGAN: the critic step, then the generator step; an EMA of the generator is what ships."""

    name = "pix2pix"
    exported = ("generator", "ema")
    loss_names = ("l1", "g_adv", "d")
    log_every = 50
    averaged: AveragedModel

    def __init__(
        self,
        train: ImageCaptionDataset,
        preview: ImageCaptionDataset,
        config: Pix2PixConfig,
        options: Pix2PixTrainOptions,
    ) -> None:
        super().__init__(options)
        self.config = config
        generator, critic = UNetGenerator(config), PatchDiscriminator(config)
        self.averaged = AveragedModel(generator, multi_avg_fn=ema_with_warmup(options.ema_decay), use_buffers=True)
        betas = (0.5, 0.999)  # the pix2pix paper's Adam settings: low momentum keeps the GAN game stable
        opt_g = torch.optim.Adam(generator.parameters(), lr=options.learning_rate, betas=betas)
        opt_d = torch.optim.Adam(critic.parameters(), lr=options.learning_rate, betas=betas)
        self.generator, self.critic, self.opt_g, self.opt_d = generator, critic, opt_g, opt_d
        self.resume()
        pairs = SketchPairs(
            train,
            styles=config.sketch_styles,
            hint_probability=config.hint_probability,
            seed=options.seed * 1000 + self.state.step + self.accelerator.process_index,
        )
        loader = DataLoader(pairs, batch_size=options.batch_size, shuffle=True, drop_last=True, num_workers=0)
        prepared = self.accelerator.prepare(generator, critic, opt_g, opt_d, loader)
        self.generator, self.critic, self.opt_g, self.opt_d, self.loader = prepared
        self.averaged.to(self.accelerator.device)
        fixed = SketchPairs(
            preview.subset(24, seed=0), styles=config.sketch_styles, hint_probability=0.25, fixed_seed=0
        )
        self.preview_sketches, self.preview_truths = map(
            torch.stack, zip(*(fixed[i] for i in range(len(fixed))), strict=False)
        )

    @property
    def ema(self) -> UNetGenerator:
        return cast(UNetGenerator, self.averaged.module)

    def networks(self) -> dict[str, torch.nn.Module]:
        unwrap = self.accelerator.unwrap_model
        return {"generator": unwrap(self.generator), "critic": unwrap(self.critic), "ema": self.ema}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"g": self.opt_g, "d": self.opt_d}

    def batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        return epochs(self.loader)

    def train_step(self, batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
        sketch, real = batch
        accelerator, generator, critic = self.accelerator, self.generator, self.critic
        generator.train(), critic.train()
        with accelerator.autocast():
            fake = generator(sketch)
            real_score, fake_score = critic(sketch, real), critic(sketch, fake.detach())
            d_loss = 0.5 * (
                F.mse_loss(real_score, torch.ones_like(real_score))
                + F.mse_loss(fake_score, torch.zeros_like(fake_score))
            )
        self.opt_d.zero_grad(set_to_none=True)
        accelerator.backward(d_loss)
        self.opt_d.step()
        with accelerator.autocast():
            score = critic(sketch, fake)
            adv = F.mse_loss(score, torch.ones_like(score))
            l1 = F.l1_loss(fake.float(), real)
            g_loss = adv + self.config.l1_weight * l1
        self.opt_g.zero_grad(set_to_none=True)
        accelerator.backward(g_loss)
        self.opt_g.step()
        self.averaged.update_parameters(accelerator.unwrap_model(generator))
        return {"l1": l1.detach(), "g_adv": adv.detach(), "d": d_loss.detach()}

    def loss_entry(self, means: dict[str, float]) -> list[Any]:
        return [self.state.step, {name: round(value, 5) for name, value in means.items()}]

    def postfix(self, means: dict[str, float]) -> dict[str, Any]:
        return {name: round(value, 5) for name, value in means.items()}

    def save_samples(self, path: Path) -> None:
        save_sample_grid(self.ema, self.preview_sketches, self.preview_truths, path)


def train_pix2pix(
    train: ImageCaptionDataset, preview: ImageCaptionDataset, config: Pix2PixConfig, options: Pix2PixTrainOptions
) -> tuple[UNetGenerator, dict[str, Any]]:
    """Train (or resume); export the EMA generator to ``options.out_dir``; return it and the training record."""
    trainer = Pix2PixTrainer(train, preview, config, options)
    state = trainer.fit()
    accelerator = trainer.accelerator
    exported = trainer.ema.eval()
    record = {
        "steps": state.step,
        "train_seconds": round(state.seconds, 1),
        "losses": state.losses,
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "mixed_precision": accelerator.mixed_precision,
        "batch_size": options.batch_size,
        "parameters": sum(p.numel() for p in exported.parameters()),
    }
    if accelerator.is_main_process:
        save_generator(exported, options.out_dir)
        save_sample_grid(exported, trainer.preview_sketches, trainer.preview_truths, options.out_dir / "samples.png")
        (options.out_dir / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return exported, record
