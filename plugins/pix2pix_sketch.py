"""Sketch to photo: a pix2pix model renders the sketch layer as a picture, live while you draw.

The sketch layer (strokes on transparent) is composited on white, padded to a square and
shrunk to the model's size with its lines kept about one model pixel wide (the width the
model was trained on); one forward pass renders it, and the result is scaled back up to
the canvas. Coloured brush strokes act as colour hints, since a share of the training
sketches were drawn in the picture's own colours. Interactive: the window re-runs it after
each stroke and drops stale requests, so the newest sketch always wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import Field

from gencanvas.core.resources import resource_path
from gencanvas.models.json_config import model_folders  # plain json: no torch import
from gencanvas.plugin_api import InputKind, ParamsBase, Plugin, PluginError, PluginInputs, RunContext, model_choice

TRAIN_HINT = "python -m gencanvas.models.train pix2pix --data emoji --out resources/weights/pix2pix-emoji"


def weights_root() -> Path:
    return resource_path("weights")


def available_models() -> tuple[str, ...]:
    """Bundled pix2pix generators: folders under resources/weights whose config names sketch styles."""
    found = [folder.name for folder in model_folders(weights_root(), "pix2pix")]
    return tuple(found) or ("pix2pix-emoji",)


MODELS = available_models()


class SketchToPhotoParams(ParamsBase):
    model: str = model_choice(MODELS[0], MODELS, description="Bundled sketch-to-photo model")
    colour_hints: bool = Field(
        True, description="Coloured strokes suggest the colour of that area (off: all strokes are ink)"
    )


def load_generator(ctx: RunContext, name: str) -> Any:
    """The generator ``name`` on the job's device, cached by the worker after the first load."""
    from gencanvas.models.pix2pix.files import load_generator as load

    folder = weights_root() / name
    if not (folder / "model.safetensors").exists():
        raise PluginError(
            f"The sketch-to-photo model '{name}' is not installed (looked in {folder}). Train it with: {TRAIN_HINT}"
        )
    return ctx.models.get(("pix2pix", name, str(ctx.device)), lambda: load(folder, ctx.device))


def sketch_input(layer: np.ndarray, size: int, colour_hints: bool) -> np.ndarray:
    """The RGBA sketch layer as the model's uint8 (size, size, 3) input: strokes on white paper."""
    from gencanvas.models.pix2pix.sketches import layer_to_sketch

    paper = layer_to_sketch(layer, size)
    if not colour_hints:
        paper = np.repeat(paper.min(axis=2, keepdims=True), 3, axis=2)  # a red stroke is as dark as its darkest channel
    if paper.min() > 200:
        raise PluginError(
            "The sketch has no dark strokes: draw with a dark or coloured brush (white strokes only erase)."
        )
    return paper


def fit_to_canvas(square: np.ndarray, width: int, height: int) -> np.ndarray:
    """Undo the square padding of :func:`layer_to_sketch` and scale the picture to the canvas."""
    side = max(width, height)
    big = cv2.resize(square, (side, side), interpolation=cv2.INTER_CUBIC if side > square.shape[0] else cv2.INTER_AREA)
    top, left = (side - height) // 2, (side - width) // 2
    return np.ascontiguousarray(big[top : top + height, left : left + width])


class SketchToPhoto(Plugin[SketchToPhotoParams]):
    id = "sketch-to-photo"
    title = "Sketch to photo (pix2pix)"
    description = "Turns the sketch layer into a picture as you draw; coloured strokes hint the colours."
    inputs = frozenset({InputKind.SKETCH})
    Params = SketchToPhotoParams
    interactive = True

    @classmethod
    def model_summary(cls, values: Mapping[str, Any]) -> str | None:
        from gencanvas.models.domain import model_summary

        model = values.get("model", MODELS[0])
        return model_summary(weights_root() / (model if model in MODELS else MODELS[0]))

    def run(self, inputs: PluginInputs, params: SketchToPhotoParams, ctx: RunContext) -> np.ndarray:
        import torch

        layer = inputs.require(InputKind.SKETCH)
        generator = load_generator(ctx, params.model)
        paper = sketch_input(layer, generator.config.image_size, params.colour_hints)
        ctx.check_cancelled()  # a newer stroke may already have replaced this request
        x = torch.from_numpy(paper).permute(2, 0, 1)[None].float().div(127.5).sub(1).to(ctx.device)
        with torch.inference_mode():
            y = generator(x)[0].clamp(-1, 1).add(1).mul(127.5).round().byte().permute(1, 2, 0).cpu().numpy()
        result = fit_to_canvas(y, inputs.width, inputs.height)
        ctx.emit(result, 1, 1)  # also the cancellation point: a cancelled job delivers nothing
        return result
