"""The A1111 "parameters" text the SD plugins write: A1111 sampler names, prompts, LoRAs; read back."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from gencanvas.core.image_io import save_image
from gencanvas.core.metadata import GenerationMetadata, parse_parameters
from gencanvas.models.sd.lora import extract_prompt_loras, parse_lora_field
from gencanvas.plugins.sd_params import A1111_SAMPLERS, describe, params_from_parameters
from gencanvas.plugins.sd_txt2img import SDTextToImageParams


def loras_of(values) -> dict[str, float]:
    prompt_loras = extract_prompt_loras(str(values["prompt"]))[1]
    return dict(parse_lora_field(str(values.get("loras", "")))) | dict(prompt_loras)


@pytest.mark.parametrize("scheduler", sorted(A1111_SAMPLERS))
def test_round_trip_through_png_metadata(tmp_path, scheduler):
    params = SDTextToImageParams(
        prompt="a (red:1.3) fox, [blurry] snow <lora:detail:0.8>",
        negative_prompt="(worst quality:1.4), text, <lora:bad hands:-0.5>",
        loras="style:0.5, film grain:1.2",
        scheduler=scheduler,
        steps=30,
        guidance=6.5,
        seed=1234,
    )
    path = tmp_path / "out.png"
    save_image(
        path, np.zeros((8, 8, 3), np.uint8), GenerationMetadata("sd-txt2img", params.model_dump(), describe(params))
    )
    text = Image.open(path).text["parameters"]
    assert f"Sampler: {A1111_SAMPLERS[scheduler]}," in text and "dpm++" not in text
    restored = params_from_parameters(text)
    assert {k: restored[k] for k in ("scheduler", "steps", "guidance", "seed", "negative_prompt")} == {
        "scheduler": scheduler,
        "steps": 30,
        "guidance": 6.5,
        "seed": 1234,
        "negative_prompt": params.negative_prompt,
    }
    assert extract_prompt_loras(restored["prompt"])[0] == "a (red:1.3) fox, [blurry] snow"  # weights kept
    assert loras_of(restored) == {"detail": 0.8, "style": 0.5, "film grain": 1.2}
    assert loras_of(SDTextToImageParams(**restored).model_dump()) == loras_of(params.model_dump())  # same LoRAs


def test_a1111_written_text_maps_back():
    text = (
        "masterpiece, (photo:1.2) of a cat\nwith a hat <lora:cute:0.7>\n"
        "Negative prompt: lowres, bad anatomy\n"
        "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 512x768, "
        'Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "cute: 8a1b2c3d4e5f", Version: v1.10.1'
    )
    prompt, negative, settings = parse_parameters(text)
    assert prompt == "masterpiece, (photo:1.2) of a cat\nwith a hat <lora:cute:0.7>"
    assert negative == "lowres, bad anatomy" and settings["Lora hashes"] == "cute: 8a1b2c3d4e5f"
    values = params_from_parameters(text)
    assert values["scheduler"] == "dpm++-karras" and values["steps"] == 20 and values["guidance"] == 7.0
    assert values["seed"] == 42 and values["model"] == "v1-5-pruned-emaonly"
    assert params_from_parameters("a cat\nSteps: 5, Sampler: Euler a, CFG scale: 3")["scheduler"] == "euler-a"
    assert params_from_parameters("a cat\nSteps: 5, Sampler: DPM++ 2M, CFG scale: 3")["scheduler"] == "dpm++"
