"""The one run path of the Stable Diffusion plugins: resolve the job's models, load them, sample, decode.

What the run reads comes from the modules beside it, one job each: ``sd_settings`` (where the
files are), ``sd_models_scan`` (which models there are), ``sd_params`` (the shared parameters)
and ``sd_memory`` (the memory plan and out-of-memory retry). Torch and diffusers are imported
only inside functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from gencanvas.core.jobs import is_out_of_memory
from gencanvas.core.plugin_api import PluginError, RunContext
from gencanvas.plugins import sd_models_scan, sd_settings
from gencanvas.plugins.sd_memory import run_within_memory

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.plugins.sd_params import SDParams


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
        models = sd_models_scan.scan()
        self.ctx, self.params, self.task = ctx, params, task
        self.info = sd_models_scan.pick(
            models, "checkpoint", params.model, inpaint=inpaint if task == "inpaint" else False
        )
        if self.info is None:
            raise PluginError(
                sd_models_scan.no_checkpoint_message()
                if params.model == "auto"
                else f"The model '{params.model}' is no longer in {sd_settings.models_folder()} "
                f"({sd_settings.SETTING_HINT})."
            )
        if self.info.inpaint and task != "inpaint":
            raise PluginError(
                f"'{self.info.name}' is an inpainting checkpoint: use it with Inpaint (Stable Diffusion)."
            )
        self.family = self.info.family
        self.controlnet_info = None
        if controlnet is not None:
            self.controlnet_info = sd_models_scan.pick(models, "controlnet", controlnet, family=self.family)
            if self.controlnet_info is None:
                raise PluginError(
                    f"No {self.family.upper()} ControlNet (scribble, lineart or canny) found in "
                    f"{sd_settings.models_folder()}; put one in its controlnet/ subfolder ({sd_settings.SETTING_HINT})."
                )
        self.vae_info = None if params.vae == "checkpoint" else sd_models_scan.pick(models, "vae", params.vae)
        # TAESD costs ~1 ms a frame on a GPU but seconds on a CPU, where "auto" keeps the linear preview.
        wants_taesd = params.preview == "taesd" or (params.preview == "auto" and ctx.device.type != "cpu")
        self.taesd_info = sd_models_scan.pick(models, "taesd", "auto", family=self.family) if wants_taesd else None
        self.pipe = self._pipeline()
        vae_scale = 2 ** (len(self.pipe.vae.config.block_out_channels) - 1)
        self.native = self.pipe.unet.config.sample_size * vae_scale

    def _cached(self, key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
        return self.ctx.models.get(("sd", *key, str(self.ctx.dtype)), load)

    def _pipeline(self) -> Any:
        from gencanvas.models.sd import loading

        root, dtype, allow = sd_settings.configs_root(), self.ctx.dtype, sd_settings.ckpt_allowed()
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
                lambda: load_taesd(self.taesd_info, sd_settings.configs_root(), self.ctx.dtype),
            )
            taesd.to(self.ctx.device)
        return make_renderer(self.family, taesd)

    def generate(self, call: dict[str, Any], width: int, height: int) -> np.ndarray:
        """Sample and decode, streaming previews; retries once in a lower-memory mode after OOM."""
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

        def attempt() -> np.ndarray:
            latents = sample_latents(
                self.pipe,
                call | {"generator": self.ctx.generator()},
                scheduler=self.params.scheduler,
                on_step=on_step,
            )
            if frames is not None:
                frames.flush()
            self.ctx.check_cancelled()  # a cancel during the last step skips the decode
            return decode_latents(self.pipe, latents)

        image = run_within_memory(
            self.pipe,
            self.ctx,
            self.family,
            width,
            height,
            controlnet=self.controlnet_info is not None,
            attempt=attempt,
        )
        self.ctx.emit(image, total_steps[0], total_steps[0])
        return image


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
