"""The importer recognises every kind of SD file by its contents and loads them offline."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from gencanvas.models.sd.importer import UnsafeCheckpointError, classify_keys, classify_path, read_shapes
from gencanvas.models.sd.scan import scan_models


def test_scan_finds_every_kind_in_the_usual_subfolders(tiny_sd_models):
    found = {m.name: m for m in scan_models(tiny_sd_models.root)}
    assert {(n, m.kind, m.family, m.inpaint, m.fmt) for n, m in found.items()} == {
        ("a-tiny-sd15", "checkpoint", "sd15", False, "diffusers"),
        ("tiny-sdxl", "checkpoint", "sdxl", False, "diffusers"),
        ("tiny-sd15-single", "checkpoint", "sd15", False, "single"),
        ("tiny-sd15-inpainting", "checkpoint", "sd15", True, "single"),
        ("tiny-sdxl-single", "checkpoint", "sdxl", False, "single"),
        ("tiny-scribble", "controlnet", "sd15", False, "diffusers"),
        ("tiny-scribble-single", "controlnet", "sd15", False, "single"),
        ("tiny-vae", "vae", "sd15", False, "single"),
        ("taesd", "taesd", "sd15", False, "diffusers"),
    }


def shapes(*keys: str, in_channels: int = 4) -> dict[str, tuple[int, ...]]:
    return {k: (320, in_channels, 3, 3) if k.endswith("input_blocks.0.0.weight") else (8,) for k in keys}


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (
            shapes("model.diffusion_model.input_blocks.0.0.weight", "cond_stage_model.transformer.text_model.x"),
            ("checkpoint", "sd15", False),
        ),
        (
            shapes(
                "model.diffusion_model.input_blocks.0.0.weight",
                "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight",
            ),
            ("checkpoint", "sd2", False),
        ),
        (
            shapes(
                "model.diffusion_model.input_blocks.0.0.weight",
                "model.diffusion_model.label_emb.0.0.weight",
                "conditioner.embedders.1.model.ln_final.weight",
            ),
            ("checkpoint", "sdxl", False),
        ),
        (shapes("model.diffusion_model.input_blocks.0.0.weight", in_channels=9), ("checkpoint", "sd15", True)),
        (
            shapes(
                "control_model.input_hint_block.0.weight",
                "control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight",
            ),
            ("controlnet", "sd15", False),
        ),
        (
            shapes(
                "first_stage_model.encoder.down.0.block.0.conv1.weight",
                "first_stage_model.decoder.up.0.block.0.conv1.weight",
            ),
            ("vae", "sd15", False),
        ),
        (shapes("encoder.layers.0.weight", "decoder.layers.0.weight"), ("taesd", "sd15", False)),
        (shapes("lora_unet_down_blocks_0.alpha"), None),
    ],
)
def test_classify_keys(keys, expected):
    assert classify_keys(keys) == expected


def test_sdxl_controlnet_is_told_apart_by_its_context_width():
    keys = {
        "controlnet_cond_embedding.conv_in.weight": (16, 3, 3, 3),
        "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight": (640, 2048),
    }
    assert classify_keys(keys) == ("controlnet", "sdxl", False)


def test_pickle_checkpoints_are_refused_without_opt_in(tmp_path):
    path = tmp_path / "old.ckpt"
    path.write_bytes(b"not opened")
    with pytest.raises(UnsafeCheckpointError, match=re.escape("allow .ckpt")):
        read_shapes(path)
    assert scan_models(tmp_path, warn=lambda message: None) == []


def test_opted_in_pickles_are_opened_with_weights_only(tmp_path, monkeypatch):
    calls = []

    def fake_load(path, **kwargs):
        calls.append(kwargs)
        return {"state_dict": {"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(320, 4, 3, 3)}}

    monkeypatch.setattr(torch, "load", fake_load)
    path = tmp_path / "old.ckpt"
    path.write_bytes(b"x")
    info = classify_path(path, allow_ckpt=True)
    assert calls and all(call["weights_only"] is True for call in calls)
    assert (info.kind, info.family) == ("checkpoint", "sd15")


def test_broken_files_are_skipped_with_a_message(tmp_path):
    (tmp_path / "truncated.safetensors").write_bytes(b"\x00\x01garbage")
    messages: list[str] = []
    assert scan_models(tmp_path, warn=messages.append) == [] and "truncated" in messages[0]


def _equal_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_no_socket_is_opened_while_scanning_loading_and_sampling(tiny_sd_models, no_network):
    """The whole offline path: a connect attempt anywhere fails the test."""
    from gencanvas.models.sd.generate import sample_latents
    from gencanvas.models.sd.loading import load_checkpoint, load_controlnet, load_taesd, load_vae

    models = {m.name: m for m in scan_models(tiny_sd_models.root)}
    configs = tiny_sd_models.configs
    single = load_checkpoint(models["tiny-sd15-single"], configs, torch.float32)
    folder = load_checkpoint(models["tiny-sdxl"], configs, torch.float32)
    inpaint = load_checkpoint(models["tiny-sd15-inpainting"], configs, torch.float32)
    control = load_controlnet(models["tiny-scribble-single"], configs, torch.float32)
    vae = load_vae(models["tiny-vae"], configs, torch.float32)
    taesd = load_taesd(models["taesd"], configs, torch.float32)
    original = tiny_sd_models.pipes
    # The single LDM-layout files come back bit-identical to the pipelines they were written from.
    for part in ("unet", "vae", "text_encoder"):
        assert _equal_weights(getattr(single, part), getattr(original["sd15"], part))
        assert _equal_weights(getattr(inpaint, part), getattr(original["sd15-inpaint"], part))
    assert _equal_weights(vae, original["sd15"].vae) and _equal_weights(control, original["controlnet"])
    assert folder.unet.config.addition_embed_type == "text_time" and taesd.config.latent_channels == 4
    latents = sample_latents(
        single,
        {"prompt": "a cat", "num_inference_steps": 1, "height": 64, "width": 64},
        scheduler="euler",
        on_step=None,
    )
    assert latents.shape == (1, 4, 32, 32) and np.isfinite(latents.numpy()).all()


def test_scanning_a_full_folder_does_not_import_torch(tiny_sd_models):
    """The drop-downs are filled while the window starts, before torch may be imported."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\nfrom gencanvas.models.sd.scan import scan_models\n"
        f"found = scan_models({str(tiny_sd_models.root)!r})\n"
        "print(len(found), 'torch' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["9", "False"], proc.stderr


def test_original_decoder_only_taesd_files_load(tiny_sd_models, tmp_path):
    """vae_approx/taesd_decoder.safetensors as other tools keep it: Sequential indices, clamp first."""
    from safetensors.torch import save_file

    from gencanvas.models.sd.loading import load_taesd
    from gencanvas.models.sd.random_init import TINY_TAESD, random_model

    reference = random_model(TINY_TAESD, seed=5)
    original = {
        f"{int(k.split('.')[2]) + 1}.{k.split('.', 3)[3]}": v.contiguous()
        for k, v in reference.state_dict().items()
        if k.startswith("decoder.layers.")
    }
    path = tmp_path / "vae_approx" / "taesd_decoder.safetensors"
    path.parent.mkdir()
    save_file(original, str(path))
    (info,) = scan_models(tmp_path)
    assert (info.kind, info.family, info.fmt) == ("taesd", "sd15", "single")
    loaded = load_taesd(info, tiny_sd_models.configs, torch.float32)
    latents = torch.randn(1, 4, 8, 8)
    assert torch.equal(loaded.decode(latents).sample, reference.decode(latents).sample)


def test_rebuilt_clip_tokenizer_gives_clips_ids():
    """The shipped merge list rebuilds CLIP's tokenizer exactly (ids as in SD's tokenizer/vocab.json)."""
    from gencanvas.models.sd.tokenizer import build_clip_tokenizer
    from tests.sd_fixtures import BPE

    tokenizer = build_clip_tokenizer(BPE)
    assert len(tokenizer) == 49408
    assert tokenizer("a photograph of an astronaut riding a horse").input_ids == [
        49406,
        320,
        8853,
        539,
        550,
        18376,
        6765,
        320,
        4558,
        49407,
    ]
    padded = build_clip_tokenizer(BPE, pad_token="!")("hi", padding="max_length", max_length=5).input_ids
    assert padded[-1] == 0  # "!" is id 0: SD 2.x / SDXL's second tokenizer
