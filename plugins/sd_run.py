"""The one run path of the Stable Diffusion plugins: resolve the job's models, load them, sample, decode.

What the run reads comes from the modules beside it, one job each: ``sd_settings`` (where the
files are), ``sd_models_scan`` (which models there are), ``sd_params`` (the shared parameters)
and ``sd_memory`` (the memory plan and out-of-memory retry). Torch and diffusers are imported
only inside functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gencanvas.core.jobs import is_out_of_memory
from gencanvas.plugin_api import PluginError, PluginInputs, RunContext
from gencanvas.plugins import sd_models_scan, sd_settings
from gencanvas.plugins.sd_memory import run_within_memory

if TYPE_CHECKING:  # pragma: no cover
    from gencanvas.models.sd.importer import ModelInfo
    from gencanvas.plugins.sd_params import SDParams


RegionPrompts = Sequence[tuple[str, np.ndarray]]  # (prompt, mask (H, W) float32 in [0, 1] at the canvas size)


def usable_regions(inputs: PluginInputs) -> list[tuple[str, np.ndarray]]:
    """The canvas's regions that say something: a prompt and a mask that is not empty, at the canvas size."""
    found = []
    for region in inputs.regions or ():
        mask = np.asarray(region.mask, np.float32)
        if not region.prompt.strip() or not np.any(mask > 0):
            continue
        if mask.shape != (inputs.height, inputs.width):
            raise PluginError(
                f"The mask of the region '{region.prompt.strip()}' is {mask.shape[-1]}×{mask.shape[0]} "
                f"but the canvas is {inputs.width}×{inputs.height}."
            )
        found.append((region.prompt.strip(), np.clip(mask, 0, 1)))
    return found


def working_size(width: int, height: int, native: int, multiple: int = 64) -> tuple[int, int]:
    """The canvas's aspect at about the model's native pixel count, snapped to ``multiple``."""
    scale = (native * native / max(1, width * height)) ** 0.5
    snap = lambda v: max(multiple, round(v * scale / multiple) * multiple)  # noqa: E731
    return snap(width), snap(height)


class SDRun:
    """One job's models, resolved and loaded (cached across jobs by the worker)."""

    def __init__(
        self,
        ctx: RunContext,
        params: SDParams,
        task: str,
        *,
        inpaint: bool = False,
        controlnet: str | None = None,
        regions: RegionPrompts = (),
    ) -> None:
        models = sd_models_scan.scan()
        self.ctx, self.params, self.task = ctx, params, task
        self.regions = list(regions)
        info = sd_models_scan.pick(models, "checkpoint", params.model, inpaint=inpaint if task == "inpaint" else False)
        if info is None:
            raise PluginError(
                sd_models_scan.no_checkpoint_message()
                if params.model == "auto"
                else f"The model '{params.model}' is no longer in {sd_settings.models_folder()} "
                f"({sd_settings.SETTING_HINT})."
            )
        self.info: ModelInfo = info
        if self.info.inpaint and task != "inpaint":
            raise PluginError(
                f"'{self.info.name}' is an inpainting checkpoint: use it with Inpaint (Stable Diffusion)."
            )
        self.family = self.info.family
        self.controlnet_info: ModelInfo | None = None
        if controlnet is not None:
            self.controlnet_info = sd_models_scan.pick(models, "controlnet", controlnet, family=self.family)
            if self.controlnet_info is None:
                raise PluginError(
                    f"No {self.family.upper()} ControlNet (scribble, lineart or canny) found in "
                    f"{sd_settings.models_folder()}; put one in its controlnet/ subfolder ({sd_settings.SETTING_HINT})."
                )
        self.prompt, self.negative_prompt, self.loras = self._resolve_loras(models)
        self.vae_info = None if params.vae == "checkpoint" else sd_models_scan.pick(models, "vae", params.vae)
        # TAESD costs ~1 ms a frame on a GPU but seconds on a CPU, where "auto" keeps the linear preview.
        wants_taesd = params.preview == "taesd" or (params.preview == "auto" and ctx.device.type != "cpu")
        self.taesd_info = sd_models_scan.pick(models, "taesd", "auto", family=self.family) if wants_taesd else None
        self.pipe = self._pipeline()
        self._apply_loras()
        self._load_embeddings(models)
        vae_scale = 2 ** (len(self.pipe.vae.config.block_out_channels) - 1)
        self.native = self.pipe.unet.config.sample_size * vae_scale

    def _resolve_loras(self, models: list[Any]) -> tuple[str, str, list[tuple[Any, float]]]:
        """The prompts without ``<lora:…>`` tags, and the LoRAs of the field and the tags, found and checked.

        Region prompts lose their tags too; their LoRAs apply to the whole picture.
        """
        from gencanvas.models.sd.lora import LoraMismatchError, check_base, extract_prompt_loras, parse_lora_field

        prompt, tagged = extract_prompt_loras(self.params.prompt)
        negative, negative_tagged = extract_prompt_loras(self.params.negative_prompt)
        regions = []
        for text, mask in self.regions:  # a LoRA cannot be regional: its tag applies everywhere
            text, region_tagged = extract_prompt_loras(text)
            regions += [(text, mask)] if text else []  # a region that only held tags has nothing to say
            tagged += region_tagged
        self.regions = regions
        try:
            wanted = dict(parse_lora_field(self.params.loras))
        except ValueError as exc:
            raise PluginError(str(exc)) from exc
        wanted |= dict(tagged + negative_tagged)  # a tag overrides the field's weight for the same LoRA
        found = []
        for name, weight in wanted.items():
            info = sd_models_scan.pick(models, "lora", name) or sd_models_scan.pick(
                models, "lora", name.removesuffix(".safetensors")
            )
            if info is None:
                raise PluginError(
                    f"The LoRA '{name}' is not in {sd_settings.models_folder()} or the extra model folders "
                    f"({sd_settings.SETTING_HINT})."
                )
            try:
                check_base(info, self.info)
            except LoraMismatchError as exc:
                raise PluginError(str(exc)) from exc
            found.append((info, weight))
        return prompt, negative, found

    def _apply_loras(self) -> None:
        """Switch the cached pipeline's adapters to this job's LoRAs (the checkpoint stays loaded)."""
        from gencanvas.models.sd.lora import apply_loras

        try:
            apply_loras(self.pipe, self.info, self.loras)
        except Exception as exc:
            if is_out_of_memory(exc):
                raise
            names = ", ".join(info.name for info, _ in self.loras)
            raise PluginError(f"Could not apply the LoRA {names}: {type(exc).__name__}: {exc}") from exc

    def _load_embeddings(self, models: list[Any]) -> None:
        """The textual-inversion embeddings the prompts name, loaded into the cached text encoders once."""
        from gencanvas.models.sd.embeddings import load_embeddings, used_embeddings

        prompts = (self.prompt, self.negative_prompt, *(text for text, _ in self.regions))
        wanted = used_embeddings(models, self.family, prompts)
        try:
            load_embeddings(self.pipe, wanted)
        except Exception as exc:
            if is_out_of_memory(exc):
                raise
            names = ", ".join(info.name for info in wanted)
            raise PluginError(f"Could not load the embedding {names}: {type(exc).__name__}: {exc}") from exc

    def _cached(self, key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
        return self.ctx.models.get(("sd", *key, str(self.ctx.dtype)), load)

    def _pipeline(self) -> Any:
        from gencanvas.models.sd import loading

        root, dtype, allow = sd_settings.configs_root(), self.ctx.dtype, sd_settings.ckpt_allowed()
        info, control_info, vae_info = self.info, self.controlnet_info, self.vae_info  # narrowed for the loaders
        try:
            base = self._cached(("base", str(info.path)), lambda: loading.load_checkpoint(info, root, dtype, allow))
            control = vae = None
            if control_info is not None:
                control = self._cached(
                    ("controlnet", str(control_info.path)),
                    lambda: loading.load_controlnet(control_info, root, dtype, allow),
                )
            if vae_info is not None:
                vae = self._cached(("vae", str(vae_info.path)), lambda: loading.load_vae(vae_info, root, dtype, allow))
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

    def fit_canvas(self, image: np.ndarray, width: int, height: int, *, notify: bool = True) -> np.ndarray:
        """The result at the canvas size; says so when it was sampled at another size (the model's)."""
        if notify and image.shape[:2] != (height, width):
            self.ctx.notify(
                f"Sampled at {image.shape[1]}×{image.shape[0]}, a size '{self.info.name}' handles, "
                f"and resized to the {width}×{height} canvas."
            )
        return to_canvas(image, width, height)

    def renderer(self) -> Callable[[Any], Any] | None:
        """latents → preview tensor, or None when previews are off."""
        from gencanvas.models.sd.loading import load_taesd
        from gencanvas.models.sd.preview import make_renderer

        if self.params.preview == "off":
            return None
        taesd, taesd_info = None, self.taesd_info
        if taesd_info is not None:
            taesd = self._cached(
                ("taesd", str(taesd_info.path)),
                lambda: load_taesd(taesd_info, sd_settings.configs_root(), self.ctx.dtype, sd_settings.ckpt_allowed()),
            )
            taesd.to(self.ctx.device)
        return make_renderer(self.family, taesd)

    def generate(self, call: dict[str, Any], width: int, height: int) -> np.ndarray:
        """Sample and decode, streaming previews; retries once in a lower-memory mode after OOM."""
        from gencanvas.models.sd.generate import decode_latents, sample_latents
        from gencanvas.models.sd.preview import LaggedFrames
        from gencanvas.models.sd.prompt_weights import encode_prompts
        from gencanvas.models.sd.regions import prepare_regions, regional_attention

        render = self.renderer()
        frames = None if render is None else LaggedFrames(render, self.ctx.emit)
        total_steps = [self.params.steps]

        def on_step(step: int, total: int, x0: Any) -> None:
            total_steps[0] = total
            self.ctx.check_cancelled()
            if frames is not None:
                frames.push(x0, step, total)

        call = {
            "num_inference_steps": self.params.steps,
            "guidance_scale": self.params.guidance,
            "generator": self.ctx.generator(),
            **call,
        }

        def attempt() -> np.ndarray:
            # A1111 weights and long prompts; encoded here, after the memory plan placed the text encoders
            embeds = encode_prompts(self.pipe, self.family, self.prompt, self.negative_prompt)
            regional: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
            if self.regions:  # installed here, after the memory plan chose the UNet's processors
                embeds, bias = prepare_regions(self.pipe, self.family, embeds, self.regions, (height, width))
                regional = regional_attention(self.pipe.unet, bias)
            with regional:
                latents = sample_latents(
                    self.pipe,
                    call | embeds | {"generator": self.ctx.generator()},
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
