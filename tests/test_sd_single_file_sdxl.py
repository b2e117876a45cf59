"""An SDXL single file in the original layout (as sd_xl_base_1.0.safetensors) round-trips offline."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from gencanvas.models.sd.importer import classify_path, safetensors_header, scan_models

PREFIX_L, PREFIX_G = "conditioner.embedders.0.transformer.", "conditioner.embedders.1.model."


@pytest.fixture
def single(tiny_sd_models):
    return tiny_sd_models.root / "checkpoints" / "tiny-sdxl-single.safetensors"


def _equal_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_the_sdxl_single_file_is_classified_as_sdxl(single, tiny_sd_models):
    info = classify_path(single)
    assert (info.name, info.kind, info.family, info.inpaint, info.fmt) == (
        "tiny-sdxl-single",
        "checkpoint",
        "sdxl",
        False,
        "single",
    )
    assert info.config_name == "sdxl"
    # The original layout: label_emb, both encoders under conditioner.embedders, the second in OpenCLIP's names.
    shapes = safetensors_header(single)
    width = tiny_sd_models.pipes["sdxl"].text_encoder_2.config.hidden_size
    projection = tiny_sd_models.pipes["sdxl"].text_encoder_2.config.projection_dim
    assert "model.diffusion_model.label_emb.0.0.weight" in shapes
    assert PREFIX_L + "text_model.embeddings.position_embedding.weight" in shapes
    assert shapes[PREFIX_G + "transformer.resblocks.0.attn.in_proj_weight"] == (3 * width, width)
    assert shapes[PREFIX_G + "text_projection"] == (width, projection)
    assert {PREFIX_G + k for k in ("positional_embedding", "token_embedding.weight", "ln_final.weight")} <= set(shapes)
    assert not any(".self_attn." in k or "text_model" in k for k in shapes if k.startswith(PREFIX_G))


def test_diffusers_recognises_the_file_as_sdxl_base(single):
    """The export is faithful enough for diffusers' own sniffing (used when no config is given)."""
    from diffusers.loaders.single_file_utils import infer_diffusers_model_type
    from safetensors.torch import load_file

    assert infer_diffusers_model_type(load_file(str(single))) == "xl_base"


def test_sdxl_single_file_loads_offline_bit_identical(tiny_sd_models, no_network):
    """Loaded as the plugins load it: every part comes back exactly as the pipeline it was written from."""
    from gencanvas.models.sd.loading import load_checkpoint

    models = {m.name: m for m in scan_models(tiny_sd_models.root)}
    pipe = load_checkpoint(models["tiny-sdxl-single"], tiny_sd_models.configs, torch.float32)
    original = tiny_sd_models.pipes["sdxl"]
    assert type(pipe).__name__ == "StableDiffusionXLPipeline"
    for part in ("unet", "vae", "text_encoder", "text_encoder_2"):
        assert _equal_weights(getattr(pipe, part), getattr(original, part)), part
    assert pipe.tokenizer.pad_token == "<|endoftext|>" and pipe.tokenizer_2.pad_token == "!"


def test_sdxl_single_file_samples_two_steps_with_previews(tiny_sd, single, tmp_path, monkeypatch, no_network):
    """Through the text-to-image plugin's run path: loading, streamed x0 previews, decode."""
    from gencanvas.core.jobs import Job, JobRunner
    from gencanvas.core.plugin_api import PluginInputs
    from gencanvas.models.sd import loading
    from gencanvas.plugins import sd_settings
    from gencanvas.plugins.sd_txt2img import SDTextToImage

    (tmp_path / "checkpoints").mkdir()
    shutil.copy(single, tmp_path / "checkpoints" / single.name)  # the only checkpoint: "auto" picks it
    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)
    loaded = []
    real_load = loading.load_checkpoint

    def spy(info, *args, **kwargs):
        loaded.append((info.name, info.family, info.fmt))
        return real_load(info, *args, **kwargs)

    monkeypatch.setattr(loading, "load_checkpoint", spy)
    job = Job(SDTextToImage(), SDTextToImage.Params(steps=2, prompt="a red house"), PluginInputs(64, 64), seed=1)
    frames = []
    result = JobRunner(device="cpu").run(job, lambda frame, step, total: frames.append((step, total, frame)))
    assert loaded == [("tiny-sdxl-single", "sdxl", "single")]
    assert result.shape == (64, 64, 3) and result.dtype == np.uint8 and job.notices == []
    previews = [(s, t) for s, t, _ in frames]
    assert previews[:2] == [(1, 2), (2, 2)] and previews[-1] == (2, 2)
    first = frames[0][2]
    assert first.shape == (32, 32, 3) and first.dtype == np.uint8  # the linear preview on the latent grid (CPU)


def test_a_file_missing_weights_is_refused_with_a_clear_message(tiny_sd_models, single, tmp_path, no_network):
    """diffusers leaves unreadable parts on the meta device silently; the loader names the file instead."""
    from safetensors.torch import load_file, save_file

    from gencanvas.models.sd.loading import load_checkpoint

    state = load_file(single)
    del state[PREFIX_G + "text_projection"]
    broken = tmp_path / "checkpoints" / "broken-sdxl.safetensors"
    broken.parent.mkdir()
    save_file(state, broken)
    info = classify_path(broken)
    assert info.family == "sdxl"
    with pytest.raises(ValueError, match=r"broken-sdxl\.safetensors is incomplete"):
        load_checkpoint(info, tiny_sd_models.configs, torch.float32)
