"""Textual-inversion embeddings (SD 1.x single vectors, SDXL clip_l/clip_g pairs) used by name in prompts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginInputs
from gencanvas.models.sd.embeddings import mentioned
from gencanvas.models.sd.importer import classify_path
from gencanvas.plugins import sd_settings
from gencanvas.plugins.sd_txt2img import SDTextToImage


def test_names_match_whole_words_only():
    assert mentioned("style-x", ["a cat, style-x"]) and mentioned("bad", ["", "(bad:1.2)"])
    assert not mentioned("bad", ["badly drawn"]) and not mentioned("x", ["style-x"])


def embedding(path, family):
    generator = torch.Generator().manual_seed(7)
    if family == "sdxl":
        state = {"clip_l": torch.randn(2, 32, generator=generator), "clip_g": torch.randn(2, 48, generator=generator)}
    else:
        state = {"emb_params": torch.randn(2, 32, generator=generator)}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path))
    return path


@pytest.fixture
def runner(monkeypatch, tiny_sd, tmp_path, no_network):
    folder = [tmp_path]

    def run(family, prompt, negative="", with_embedding=True):
        root = tmp_path / f"{family}-{with_embedding}"
        if not root.exists():
            name = f"tiny-{family}-single.safetensors"
            (root / "checkpoints").mkdir(parents=True)
            shutil.copy(tiny_sd.root / "checkpoints" / name, root / "checkpoints" / name)
            if with_embedding:
                info = classify_path(embedding(root / "embeddings" / "tinystyle.safetensors", family))
                assert (info.kind, info.family) == ("embedding", family)
        folder[0] = root
        params = SDTextToImage.Params(prompt=prompt, negative_prompt=negative, steps=2, preview="off")
        job = Job(SDTextToImage(), params, PluginInputs(64, 64), seed=3)
        return JobRunner(device="cpu").run(job, lambda *frame: None)

    monkeypatch.setattr(sd_settings, "models_folder", lambda: folder[0])
    return run


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_embedding_by_name_in_prompt_and_negative(runner, family):
    without = runner(family, "a cat tinystyle", with_embedding=False)
    used = runner(family, "a cat tinystyle")
    assert np.abs(used.astype(int) - without).max() > 10  # the name became the embedding's vectors
    assert np.array_equal(runner(family, "a cat"), runner(family, "a cat", with_embedding=False))  # unused: no effect
    negative = runner(family, "a cat", negative="tinystyle")
    assert not np.array_equal(negative, runner(family, "a cat", negative="tinystyle", with_embedding=False))
