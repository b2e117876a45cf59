"""``gencanvas models list|add|remove``: identify, copy or link, delete only inside the models folder."""

from __future__ import annotations

import pytest

from gencanvas import models_cli
from gencanvas.cli import main
from gencanvas.core.settings import Settings
from tests.test_sd_scan import checkpoint, controlnet, write

KOHYA_TO_K = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"


@pytest.fixture
def folders(tmp_path, monkeypatch):
    settings = Settings(models_dir=tmp_path / "models", extra_model_dirs=str(tmp_path / "webui"))
    monkeypatch.setattr(models_cli, "load_settings", lambda: settings)
    return tmp_path


def lora(path, width=768, te2=False):
    keys = {f"{KOHYA_TO_K}.lora_down.weight": (4, width), f"{KOHYA_TO_K}.lora_up.weight": (320, 4)}
    if te2:
        keys["lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight"] = (4, 1280)
    return write(path, keys)


def test_add_identifies_and_copies_into_the_kind_folder(folders, capsys):
    downloads = folders / "downloads"
    lora(downloads / "detail.safetensors")
    lora(downloads / "xl-style.safetensors", width=2048)
    write(downloads / "emb.safetensors", {"emb_params": (2, 768)})
    write(downloads / "xl-emb.safetensors", {"clip_l": (2, 768), "clip_g": (2, 1280)})
    controlnet(downloads / "control_v11p_sd15_lineart.safetensors")
    write(downloads / "4x-Ultra.safetensors", {"conv_first.weight": (64, 3, 3, 3), "body.0.rdb1.conv1.weight": (2,)})
    checkpoint(folders / "webui" / "models" / "Stable-diffusion" / "kept-there.safetensors")
    for name in ("detail", "xl-style", "emb", "xl-emb", "control_v11p_sd15_lineart", "4x-Ultra"):
        assert main(["models", "add", str(downloads / f"{name}.safetensors")]) == 0
    assert (folders / "models" / "loras" / "detail.safetensors").read_bytes() == (
        downloads / "detail.safetensors"
    ).read_bytes()
    assert not list((folders / "models").rglob("*.tmp"))
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "checkpoint  SD 1.5  kept-there.safetensors",
        "controlnet (lineart)  SD 1.5  control_v11p_sd15_lineart.safetensors",
        "embedding  SD 1.5  emb.safetensors",
        "embedding  SDXL  xl-emb.safetensors",
        "lora  SD 1.5  detail.safetensors",
        "lora  SDXL  xl-style.safetensors",
        "upscaler  -  4x-Ultra.safetensors",
    ]


def test_add_links_when_asked(folders):
    source = lora(folders / "elsewhere" / "detail.safetensors")
    assert main(["models", "add", "--link", str(source)]) == 0
    target = folders / "models" / "loras" / "detail.safetensors"
    assert target.is_symlink() and target.resolve() == source.resolve()


def test_add_refuses_pickles_and_unknown_files_with_the_reason(folders, capsys):
    pickle = folders / "v1-5-pruned-emaonly.ckpt"
    pickle.write_bytes(b"pickle")
    write(folders / "mystery.safetensors", {"foo.bar": (3,)})
    assert main(["models", "add", str(pickle)]) == 1
    assert "pickle" in capsys.readouterr().err
    assert main(["models", "add", str(folders / "mystery.safetensors")]) == 1
    assert "not a model GenCanvas recognises" in capsys.readouterr().err
    assert not (folders / "models").exists()


def test_remove_deletes_only_inside_the_models_folder(folders, capsys, monkeypatch):
    kept = checkpoint(folders / "webui" / "models" / "Stable-diffusion" / "kept-there.safetensors")
    mine = lora(folders / "models" / "loras" / "detail.safetensors")
    assert main(["models", "remove", "kept-there", "--yes"]) == 1
    assert kept.exists() and "outside the models folder" in capsys.readouterr().err
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["models", "remove", "detail"]) == 1 and mine.exists()
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["models", "remove", "detail"]) == 0 and not mine.exists()


def test_removing_a_link_keeps_the_linked_file(folders):
    source = lora(folders / "elsewhere" / "detail.safetensors")
    main(["models", "add", "--link", str(source)])
    assert main(["models", "remove", "detail.safetensors", "--yes"]) == 0
    assert source.exists() and not (folders / "models" / "loras" / "detail.safetensors").exists()
