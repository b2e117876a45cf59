"""What the four Stable Diffusion plugins share: the user's models, loading, one run path.

Models come from the models folder in Settings, recognised by ``gencanvas.models.sd.importer``. The
drop-downs list what was there when the app started (plus "auto", the first suitable
model, which always tracks the folder); every run re-scans, so a newly added file is used
by "auto" without a restart. Torch and diffusers are imported only inside functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from gencanvas.core.jobs import is_out_of_memory
from gencanvas.core.resources import resource_path
from gencanvas.core.settings import load_settings
from gencanvas.models.sd.importer import ModelInfo, scan_models
from gencanvas.plugin_api import ParamsBase, PluginError, RunContext, choice, model_choice, seed, slider
from gencanvas.plugin_api import prompt as prompt_text

SETTING_HINT = "Settings → Models dir"


def models_folder() -> Path:
    return Path(load_settings().models_dir)


def ckpt_allowed() -> bool:
    return bool(load_settings().allow_ckpt)


def configs_root() -> Path:
    """The shipped diffusers configs and CLIP merges that single files are loaded with."""
    return resource_path("sd_configs")


def scan() -> list[ModelInfo]:
    return scan_models(models_folder(), ckpt_allowed())


def _names(kind: str) -> tuple[str, ...]:
    try:
        return tuple(m.name for m in scan() if m.kind == kind)
    except OSError:
        return ()


def no_checkpoint_message() -> str:
    return (
        f"No Stable Diffusion checkpoint found in {models_folder()}. Put a .safetensors checkpoint (SD 1.5, "
        f"SD 2.x or SDXL) or a diffusers folder there (checkpoints/, controlnet/ and vae/ subfolders work too), "
        f"or point {SETTING_HINT} at the folder of another tool."
    )


CHECKPOINTS = ("auto", *_names("checkpoint"))
CONTROLNETS = ("auto", *_names("controlnet"))
VAES = ("checkpoint", *_names("vae"))


class SDParams(ParamsBase):
    """Parameters every SD plugin has; each plugin adds its own (strength, ControlNet...)."""

    prompt: str = prompt_text("a photograph of a lighthouse on a cliff at sunset", description="What to draw")
    negative_prompt: str = prompt_text("blurry, low quality", description="What to steer away from")
    model: str = model_choice(
        "auto", CHECKPOINTS, description="Checkpoint from your models folder (auto: the first that fits)"
    )
    vae: str = choice("checkpoint", VAES, description="VAE: the checkpoint's own, or a standalone one")
    scheduler: Literal["dpm++", "euler", "euler-a", "ddim", "unipc"] = Field("dpm++", description="Sampler")
    steps: int = slider(25, ge=1, le=150, description="Denoising steps")
    guidance: float = slider(7.0, ge=1.0, le=20.0, step=0.5, description="How strongly to follow the prompt")
    preview: Literal["auto", "taesd", "linear", "off"] = Field(
        "auto",
        description="Live preview: auto = TAESD on a GPU when in your folder, else a fast colour approximation",
    )
    seed: int = seed(0)


def describe(params: SDParams, extra: str = "") -> str:
    negative = f"\nNegative prompt: {params.negative_prompt}" if params.negative_prompt else ""
    return (
        f"{params.prompt}{negative}\nSteps: {params.steps}, Sampler: {params.scheduler}, CFG scale: {params.guidance}, "
        f"Seed: {params.seed}, Model: {params.model}, VAE: {params.vae}{extra}"
    )


def pick(
    models: list[ModelInfo], kind: str, name: str, *, family: str | None = None, inpaint: bool | None = None
) -> ModelInfo | None:
    """The named model, or for "auto" the first of the kind (preferring ``inpaint`` and ``family``)."""
    candidates = [m for m in models if m.kind == kind]
    if name not in ("auto", "checkpoint"):
        return next((m for m in candidates if m.name == name), None)
    if family is not None:
        candidates = [m for m in candidates if m.family == family]
    if inpaint is not None:
        candidates.sort(key=lambda m: m.inpaint != inpaint)
    return candidates[0] if candidates else None


def unavailable() -> str | None:
    return None if pick(scan(), "checkpoint", "auto") else no_checkpoint_message()


def working_size(width: int, height: int, native: int, multiple: int = 64) -> tuple[int, int]:
    """The canvas's aspect at about the model's native pixel count, snapped to ``multiple``."""
    scale = (native * native / max(1, width * height)) ** 0.5
    snap = lambda v: max(multiple, round(v * scale / multiple) * multiple)  # noqa: E731
    return snap(width), snap(height)


class SDRun:
    """One job's models, resolved and loaded (cached across jobs by the worker)."""

    def __init__(
        self, ctx: RunContext, params: SDParams, task: str, *, inpaint: bool = False, controlnet: str | None = None
    ) -> None:
        models = scan()
        self.ctx, self.params, self.task = ctx, params, task
        self.info = pick(models, "checkpoint", params.model, inpaint=inpaint if task == "inpaint" else False)
        if self.info is None:
            raise PluginError(
                no_checkpoint_message()
                if params.model == "auto"
                else f"The model '{params.model}' is no longer in {models_folder()} ({SETTING_HINT})."
            )
        if self.info.inpaint and task != "inpaint":
            raise PluginError(
                f"'{self.info.name}' is an inpainting checkpoint: use it with Inpaint (Stable Diffusion)."
            )
        self.family = self.info.family
        self.controlnet_info = None
        if controlnet is not None:
            self.controlnet_info = pick(models, "controlnet", controlnet, family=self.family)
            if self.controlnet_info is None:
                raise PluginError(
                    f"No {self.family.upper()} ControlNet (scribble, lineart or canny) found in "
                    f"{models_folder()}; put one in its controlnet/ subfolder ({SETTING_HINT})."
                )
        self.vae_info = None if params.vae == "checkpoint" else pick(models, "vae", params.vae)
        # TAESD costs ~1 ms a frame on a GPU but seconds on a CPU, where "auto" keeps the linear preview.
        wants_taesd = params.preview == "taesd" or (params.preview == "auto" and ctx.device.type != "cpu")
        self.taesd_info = pick(models, "taesd", "auto", family=self.family) if wants_taesd else None
        self.pipe = self._pipeline()
        vae_scale = 2 ** (len(self.pipe.vae.config.block_out_channels) - 1)
        self.native = self.pipe.unet.config.sample_size * vae_scale

    def _cached(self, key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
        return self.ctx.models.get(("sd", *key, str(self.ctx.dtype)), load)

    def _pipeline(self) -> Any:
        from gencanvas.models.sd import loading

        root, dtype, allow = configs_root(), self.ctx.dtype, ckpt_allowed()
        try:
            base = self._cached(
                ("base", str(self.info.path)), lambda: loading.load_checkpoint(self.info, root, dtype, allow)
            )
            control = vae = None
            if self.controlnet_info is not None:
                control = self._cached(
                    ("controlnet", str(self.controlnet_info.path)),
                    lambda: loading.load_controlnet(self.controlnet_info, root, dtype, allow),
                )
            if self.vae_info is not None:
                vae = self._cached(
                    ("vae", str(self.vae_info.path)), lambda: loading.load_vae(self.vae_info, root, dtype, allow)
                )
        except PluginError:
            raise
        except Exception as exc:
            if is_out_of_memory(exc):
                raise
            raise PluginError(f"Could not load '{self.info.name}': {type(exc).__name__}: {exc}") from exc
        key = (
            self.task,
            str(self.info.path),
            str(getattr(self.controlnet_info, "path", "")),
            str(getattr(self.vae_info, "path", "")),
        )
        return self._cached(("task", *key), lambda: loading.task_pipeline(base, self.task, self.family, control, vae))

    def renderer(self) -> Callable[[Any], Any] | None:
        """latents → preview tensor, or None when previews are off."""
        from gencanvas.models.sd.loading import load_taesd
        from gencanvas.models.sd.preview import make_renderer

        if self.params.preview == "off":
            return None
        taesd = None
        if self.taesd_info is not None:
            taesd = self._cached(
                ("taesd", str(self.taesd_info.path)),
                lambda: load_taesd(self.taesd_info, configs_root(), self.ctx.dtype),
            )
            taesd.to(self.ctx.device)
        return make_renderer(self.family, taesd)

    def generate(self, call: dict[str, Any], width: int, height: int) -> np.ndarray:
        """Sample and decode, streaming previews; retries once in a lower-memory mode after OOM."""
        from gencanvas.models.sd import memory
        from gencanvas.models.sd.generate import decode_latents, sample_latents
        from gencanvas.models.sd.preview import LaggedFrames

        render = self.renderer()
        frames = None if render is None else LaggedFrames(render, self.ctx.emit)
        total_steps = [self.params.steps]

        def on_step(step: int, total: int, x0: Any) -> None:
            total_steps[0] = total
            self.ctx.check_cancelled()
            if frames is not None:
                frames.push(x0, step, total)

        call = {
            "prompt": self.params.prompt,
            "negative_prompt": self.params.negative_prompt or None,
            "num_inference_steps": self.params.steps,
            "guidance_scale": self.params.guidance,
            "generator": self.ctx.generator(),
            **call,
        }
        plan = memory.choose_plan(
            memory.free_gpu_bytes(self.ctx.device),
            self.family,
            width,
            height,
            controlnet=self.controlnet_info is not None,
        )
        for attempt in range(2):
            try:
                memory.apply_plan(self.pipe, plan, self.ctx.device)
                latents = sample_latents(
                    self.pipe,
                    call | {"generator": self.ctx.generator()},
                    scheduler=self.params.scheduler,
                    on_step=on_step,
                )
                if frames is not None:
                    frames.flush()
                self.ctx.check_cancelled()  # a cancel during the last step skips the decode
                image = decode_latents(self.pipe, latents)
                break
            except Exception as exc:
                lower = memory.lower(plan)
                if attempt or lower is None or not is_out_of_memory(exc):
                    raise
                _empty_cache()
                self.ctx.notify(f"Ran out of GPU memory; finished in a lower-memory mode ({lower.describe()}).")
                plan = lower
        self.ctx.emit(image, total_steps[0], total_steps[0])
        return image


def _empty_cache() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def pil(array: np.ndarray, size: tuple[int, int], resample: int | None = None) -> Any:
    """A numpy layer as a PIL image at the working size (LANCZOS for photos)."""
    from PIL import Image

    image = Image.fromarray(array)
    return image.resize(size, Image.Resampling.LANCZOS if resample is None else resample)


def to_canvas(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize a result back to the canvas size."""
    from PIL import Image

    if image.shape[:2] == (height, width):
        return image
    return np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.LANCZOS))
