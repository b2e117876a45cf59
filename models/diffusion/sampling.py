"""Sampling with swappable diffusers schedulers, classifier-free guidance and x0 previews.

``on_step`` receives the model's current estimate of the *clean* image (x0), not the noisy
sample: that is what an artist wants to watch converge. The loop checks nothing itself;
the caller cancels by raising from ``on_step``. On a GPU the previews arrive one step late, as
host tensors, so that streaming them never stalls the sampler (see ``gencanvas.models.step_previews``).
"""

from __future__ import annotations

from typing import Any

import torch

# From their own modules: diffusers' top level names placeholder classes for type checkers.
from diffusers.schedulers.scheduling_ddim import DDIMScheduler
from diffusers.schedulers.scheduling_ddpm import DDPMScheduler
from diffusers.schedulers.scheduling_dpmsolver_multistep import DPMSolverMultistepScheduler
from diffusers.schedulers.scheduling_euler_ancestral_discrete import EulerAncestralDiscreteScheduler
from diffusers.schedulers.scheduling_repaint import RePaintScheduler

from gencanvas.models.diffusion.config import DiffusionConfig
from gencanvas.models.diffusion.network import TextConditionedUNet
from gencanvas.models.step_previews import PreviewRelay, StepCallback

Scheduler = DDPMScheduler | DDIMScheduler | DPMSolverMultistepScheduler | EulerAncestralDiscreteScheduler
SAMPLERS: dict[str, type[Scheduler]] = {
    "ddpm": DDPMScheduler,
    "ddim": DDIMScheduler,
    "dpm++": DPMSolverMultistepScheduler,
    "euler-a": EulerAncestralDiscreteScheduler,
}


def make_scheduler(name: str, config: DiffusionConfig) -> Scheduler:
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; choose from {', '.join(SAMPLERS)}")
    # The cosine schedule's last step has alpha_bar ~ 0 (sigma ~ 1e4, lambda ~ -inf): samplers that
    # start exactly there overflow. "leading" spacing starts one stride lower, as DDIM does by default.
    # DDPM/DDIM clip x0 to [-1, 1] by default; with guidance that clipping erases the prompt's
    # effect early on (class agreement fell from 90 % to 27 % with DDIM), so it is off.
    extra: dict[str, dict[str, Any]] = {
        "dpm++": {"algorithm_type": "dpmsolver++", "timestep_spacing": "leading"},
        "euler-a": {"timestep_spacing": "leading"},
        "ddim": {"clip_sample": False},
        "ddpm": {"clip_sample": False},
    }
    return SAMPLERS[name](**config.scheduler_config(), **extra.get(name, {}))


def _guided_prediction(
    model: TextConditionedUNet,
    x: torch.Tensor,
    t: torch.Tensor,
    text: torch.Tensor,
    guidance: float,
    negative: torch.Tensor | None,
) -> torch.Tensor:
    """Classifier-free guidance; the negative prompt, when given, replaces the null embedding."""
    if guidance == 1.0:
        return model(x, t, text)
    uncond = negative if negative is not None else model.null_text.expand_as(text).to(text.dtype)
    with_text, without = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([text, uncond])).chunk(2)
    return without + guidance * (with_text - without)


def guided_steps(alphas_cumprod: torch.Tensor, timesteps: list, above_sigma: float) -> list[bool]:
    """Whether each step gets classifier-free guidance: its noise level σ is above ``above_sigma`` (0: all do)."""
    alpha_bar = alphas_cumprod.cpu().double()[torch.tensor(timesteps).round().long()]  # Euler's are floats
    return (((1 - alpha_bar) / alpha_bar) > above_sigma**2).tolist()


def _alpha_bar(alphas_cumprod: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """ᾱ_t shaped to broadcast over ``like``; ``alphas_cumprod`` already on its device (no copy per step)."""
    return alphas_cumprod[t.long()].view(-1, 1, 1, 1).to(like.dtype)


def _x0_estimate(
    alphas_cumprod: torch.Tensor,
    prediction_type: str,
    x: torch.Tensor,
    output: torch.Tensor,
    t: torch.Tensor,
    step_output: Any,
) -> torch.Tensor:
    """The clean image the model sees in ``x``; ``output`` is its raw prediction (epsilon or v)."""
    x0 = getattr(step_output, "pred_original_sample", None)
    if x0 is not None:
        return x0
    alpha_bar = _alpha_bar(alphas_cumprod, t, x)
    if prediction_type == "v_prediction":
        return alpha_bar.sqrt() * x - (1 - alpha_bar).sqrt() * output
    return (x - (1 - alpha_bar).sqrt() * output) / alpha_bar.sqrt()


def _as_epsilon(
    prediction_type: str, alphas_cumprod: torch.Tensor, x: torch.Tensor, output: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    """Epsilon from a v prediction, for RePaint, whose scheduler only understands epsilon."""
    if prediction_type == "epsilon":
        return output
    alpha_bar = _alpha_bar(alphas_cumprod, t, x)
    return alpha_bar.sqrt() * output + (1 - alpha_bar).sqrt() * x


@torch.no_grad()
def sample(
    model: TextConditionedUNet,
    text: torch.Tensor,
    *,
    sampler: str = "dpm++",
    steps: int = 20,
    guidance: float = 3.0,
    guidance_above_sigma: float | None = None,
    negative: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    on_step: StepCallback | None = None,
) -> torch.Tensor:
    """Images in [-1, 1], shape (N, C, H, W), for sentence embeddings ``text`` (N, 384).

    ``guidance`` applies at the steps whose noise level is above ``guidance_above_sigma`` (default:
    the model's own, :attr:`DiffusionConfig.guidance_above_sigma`); the others use the prompt alone.
    """
    config = model.config
    scheduler = make_scheduler(sampler, config)
    scheduler.set_timesteps(steps, device=text.device)
    above = config.guidance_above_sigma if guidance_above_sigma is None else guidance_above_sigma
    guided = guided_steps(scheduler.alphas_cumprod, scheduler.timesteps.tolist(), above)
    shape = (text.shape[0], config.channels, config.image_size, config.image_size)
    x = torch.randn(shape, generator=generator, device=generator.device if generator else text.device).to(text.device)
    x = x * scheduler.init_noise_sigma
    alphas_cumprod = scheduler.alphas_cumprod.to(text.device)
    previews = PreviewRelay(on_step)
    for i, t in enumerate(scheduler.timesteps):
        model_in = scheduler.scale_model_input(x, t)
        t_batch = t.expand(x.shape[0]).to(text.device)
        prediction = _guided_prediction(model, model_in, t_batch, text, guidance if guided[i] else 1.0, negative)
        # return_dict is left on: an output object, whose fields (pred_original_sample) vary by scheduler
        out: Any = (
            scheduler.step(prediction, t, x, generator=generator)
            if sampler in ("ddpm", "euler-a")
            else scheduler.step(prediction, t, x)
        )
        if on_step is not None:
            x0 = _x0_estimate(alphas_cumprod, config.prediction_type, x, prediction, t_batch, out)
            previews.push(i + 1, len(scheduler.timesteps), x0.clamp(-1, 1))
        x = out.prev_sample
    previews.flush()
    return x.clamp(-1, 1)


@torch.no_grad()
def inpaint(
    model: TextConditionedUNet,
    text: torch.Tensor,
    known: torch.Tensor,
    keep: torch.Tensor,
    *,
    steps: int = 50,
    jump_length: int = 5,
    resamples: int = 3,
    guidance: float = 3.0,
    negative: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    on_step: StepCallback | None = None,
) -> torch.Tensor:
    """RePaint: fill where ``keep`` is 0, resampling so the fill agrees with the kept pixels.

    ``known`` is the image in [-1, 1] (N, C, H, W); ``keep`` is 1 where pixels are kept.
    The kept pixels of the result are exactly ``known``'s.
    """
    scheduler = RePaintScheduler(
        num_train_timesteps=model.config.num_train_timesteps, beta_schedule=model.config.beta_schedule
    )
    scheduler.set_timesteps(steps, jump_length=jump_length, jump_n_sample=resamples, device=text.device)
    x = torch.randn(known.shape, generator=generator, device=generator.device if generator else text.device).to(
        text.device
    )
    alphas_cumprod = scheduler.alphas_cumprod.to(text.device)
    previews = PreviewRelay(on_step)
    timesteps = scheduler.timesteps.tolist()  # Python ints: comparing device tensors would sync every step
    above = model.config.guidance_above_sigma
    guided = dict(zip(timesteps, guided_steps(scheduler.alphas_cumprod, timesteps, above), strict=True))
    previous = timesteps[0] + 1
    for i, t in enumerate(timesteps):
        if t < previous:  # a denoising step
            t_batch = torch.full((x.shape[0],), t, dtype=torch.long, device=x.device)
            output = _guided_prediction(model, x, t_batch, text, guidance if guided[t] else 1.0, negative)
            eps = _as_epsilon(model.config.prediction_type, alphas_cumprod, x, output, t_batch)
            out = scheduler.step(eps, t, x, known, keep, generator=generator)
            x = out.prev_sample
            if on_step is not None:
                x0 = keep * known + (1 - keep) * out.pred_original_sample.clamp(-1, 1)
                previews.push(i + 1, len(timesteps), x0)
        else:  # RePaint's jump back: re-noise to resample
            x = scheduler.undo_step(x, t, generator=generator)
        previous = t
    previews.flush()
    return keep * known + (1 - keep) * x.clamp(-1, 1)
