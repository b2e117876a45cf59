"""pix2pix training: L1 + LSGAN loss, on a laptop CPU, one GPU, or several via ``accelerate launch``.

Follows the diffusion trainer's habits: checkpoints on a timer and on exit (safetensors for
the networks, tensors-only optimiser state read with ``weights_only=True``), ``--time-limit``
for short sessions, exact resume, an EMA of the generator (what is exported), and a fixed
grid of held-out sketches rendered every ``sample_every`` steps so progress can be seen.
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
from torch.nn import functional as F
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader
from tqdm import tqdm

from gencanvas.models.data import ImageCaptionDataset
from gencanvas.models.diffusion.images import image_grid
from gencanvas.models.pix2pix.config import Pix2PixConfig
from gencanvas.models.pix2pix.files import save_generator
from gencanvas.models.pix2pix.network import PatchDiscriminator, UNetGenerator
from gencanvas.models.pix2pix.pairs import SketchPairs
from gencanvas.models.training_state import Checkpoint, SessionClock, ema_with_warmup

log = logging.getLogger(__name__)


@dataclass
class TrainOptions:
    run_dir: Path
    out_dir: Path
    batch_size: int = 16
    learning_rate: float = 2e-4
    max_steps: int = 20_000
    time_limit_min: float = 0.0  # 0 = no limit; otherwise checkpoint and stop after this long
    ema_decay: float = 0.999
    sample_every: int = 250
    checkpoint_every_min: float = 5.0
    mixed_precision: str = "no"
    seed: int = 0
    resume: bool = True
    command: str = ""  # recorded in the model card


def save_sample_grid(generator: UNetGenerator, sketches: torch.Tensor, truths: torch.Tensor, path: Path) -> None:
    """Rows of (sketch, output, truth) triples: the same held-out sketches at every step."""
    with torch.no_grad():
        outputs = generator.eval()(sketches.to(next(generator.parameters()).device)).cpu()
    triples = torch.stack([sketches, outputs, truths], dim=1).flatten(0, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image_grid(triples, columns=12)).save(path)


def train_pix2pix(
    train: ImageCaptionDataset, preview: ImageCaptionDataset, config: Pix2PixConfig, options: TrainOptions
) -> tuple[UNetGenerator, dict]:
    """Train (or resume); export the EMA generator to ``options.out_dir``; return it and the training record."""
    accelerator = Accelerator(mixed_precision=options.mixed_precision)
    torch.manual_seed(options.seed + accelerator.process_index)
    generator, critic = UNetGenerator(config), PatchDiscriminator(config)
    ema = AveragedModel(generator, multi_avg_fn=ema_with_warmup(options.ema_decay), use_buffers=True)
    betas = (0.5, 0.999)  # the pix2pix paper's Adam settings: low momentum keeps the GAN game stable
    opt_g = torch.optim.Adam(generator.parameters(), lr=options.learning_rate, betas=betas)
    opt_d = torch.optim.Adam(critic.parameters(), lr=options.learning_rate, betas=betas)
    checkpoint = Checkpoint(options.run_dir / "checkpoint")
    state = {"step": 0, "seconds": 0.0, "losses": []}
    if options.resume and checkpoint.exists():
        state = checkpoint.load({"generator": generator, "critic": critic, "ema": ema.module}, {"g": opt_g, "d": opt_d})
        ema.n_averaged.fill_(state.get("ema_updates", 0))
        log.info("resumed from step %s", state["step"])
    pairs = SketchPairs(
        train,
        styles=config.sketch_styles,
        hint_probability=config.hint_probability,
        seed=options.seed * 1000 + state["step"] + accelerator.process_index,
    )
    loader = DataLoader(pairs, batch_size=options.batch_size, shuffle=True, drop_last=True, num_workers=0)
    generator, critic, opt_g, opt_d, loader = accelerator.prepare(generator, critic, opt_g, opt_d, loader)
    ema.to(accelerator.device)
    fixed = SketchPairs(preview.subset(24, seed=0), styles=config.sketch_styles, hint_probability=0.25, fixed_seed=0)
    preview_sketches, preview_truths = map(torch.stack, zip(*(fixed[i] for i in range(len(fixed))), strict=False))

    clock = SessionClock(options.time_limit_min, options.checkpoint_every_min, state["seconds"])
    running: dict[str, list[float]] = {"l1": [], "g_adv": [], "d": []}
    progress = tqdm(
        total=options.max_steps, initial=state["step"], desc="pix2pix", disable=not accelerator.is_main_process
    )

    def save_checkpoint() -> None:
        state["seconds"] = clock.total_seconds()
        state["ema_updates"] = int(ema.n_averaged)
        if accelerator.is_main_process:
            nets = {
                "generator": accelerator.unwrap_model(generator),
                "critic": accelerator.unwrap_model(critic),
                "ema": ema.module,
            }
            checkpoint.save(nets, {"g": opt_g, "d": opt_d}, state)

    stop = state["step"] >= options.max_steps
    while not stop:
        for sketch, real in loader:
            generator.train(), critic.train()
            with accelerator.autocast():
                fake = generator(sketch)
                real_score, fake_score = critic(sketch, real), critic(sketch, fake.detach())
                d_loss = 0.5 * (
                    F.mse_loss(real_score, torch.ones_like(real_score))
                    + F.mse_loss(fake_score, torch.zeros_like(fake_score))
                )
            opt_d.zero_grad(set_to_none=True)
            accelerator.backward(d_loss)
            opt_d.step()
            with accelerator.autocast():
                score = critic(sketch, fake)
                adv = F.mse_loss(score, torch.ones_like(score))
                l1 = F.l1_loss(fake.float(), real)
                g_loss = adv + config.l1_weight * l1
            opt_g.zero_grad(set_to_none=True)
            accelerator.backward(g_loss)
            opt_g.step()
            ema.update_parameters(accelerator.unwrap_model(generator))
            state["step"] += 1
            for key, value in (("l1", l1), ("g_adv", adv), ("d", d_loss)):
                running[key].append(value.item())
            progress.update(1)
            if state["step"] % 50 == 0:
                means = {k: round(float(np.mean(v)), 5) for k, v in running.items()}
                state["losses"].append([state["step"], means])
                progress.set_postfix(means)
                for v in running.values():
                    v.clear()
            if options.sample_every and state["step"] % options.sample_every == 0 and accelerator.is_main_process:
                save_sample_grid(
                    ema.module, preview_sketches, preview_truths, options.run_dir / f"samples-{state['step']:06d}.png"
                )
            if state["step"] >= options.max_steps or clock.out_of_time():
                stop = True
                break
            if clock.checkpoint_due():
                save_checkpoint()
                clock.checkpointed()
    progress.close()
    save_checkpoint()
    exported = ema.module.eval()
    record = {
        "steps": state["step"],
        "train_seconds": round(state["seconds"], 1),
        "losses": state["losses"],
        "device": str(accelerator.device),
        "processes": accelerator.num_processes,
        "mixed_precision": accelerator.mixed_precision,
        "batch_size": options.batch_size,
        "parameters": sum(p.numel() for p in exported.parameters()),
    }
    if accelerator.is_main_process:
        save_generator(exported, options.out_dir)
        save_sample_grid(exported, preview_sketches, preview_truths, options.out_dir / "samples.png")
        (options.out_dir / "training.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return exported, record
