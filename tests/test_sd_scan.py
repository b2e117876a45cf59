"""Scanning finds models where A1111, ComfyUI and users keep them, and says what it passed over."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from gencanvas.models.sd.scan import scan_folders, search_roots
from gencanvas.plugins import sd_models_scan, sd_settings

UNET_IN = "model.diffusion_model.input_blocks.0.0.weight"


def write(path: Path, shapes: dict[str, tuple[int, ...]]) -> Path:
    """A safetensors file with these keys (zeros): only the header matters to the scan."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: np.zeros(s, np.float16) for k, s in shapes.items()}, str(path))
    return path


def checkpoint(path: Path) -> Path:
    return write(path, {UNET_IN: (8, 4, 3, 3), "cond_stage_model.transformer.x": (2,)})


def controlnet(path: Path) -> Path:
    return write(path, {"control_model.input_hint_block.0.weight": (2,)})


def names(result) -> set[str]:
    return {m.file_name for m in result.models}


def test_nested_folders_are_found(tmp_path):
    checkpoint(tmp_path / "Stable-diffusion" / "SD1.5" / "photo" / "x.safetensors")
    assert names(scan_folders([tmp_path])) == {"x.safetensors"}


def test_the_depth_bound_stops_the_walk(tmp_path):
    checkpoint(tmp_path / "a" / "b" / "c" / "deep.safetensors")
    assert names(scan_folders([tmp_path], max_depth=3)) == set()
    assert names(scan_folders([tmp_path], max_depth=4)) == {"deep.safetensors"}


def test_a1111_webui_root_is_read_through_its_model_folders(tmp_path):
    webui = tmp_path / "stable-diffusion-webui"
    checkpoint(webui / "models" / "Stable-diffusion" / "SD1.5" / "model.safetensors")
    controlnet(webui / "extensions" / "sd-webui-controlnet" / "models" / "control_v11p_sd15_canny.safetensors")
    write(webui / "models" / "VAE-approx" / "taesd_decoder.safetensors", {"1.weight": (2,)})
    checkpoint(webui / "venv" / "lib" / "not-a-user-model.safetensors")  # never searched
    (webui / "models" / "Stable-diffusion" / "v1-5-pruned-emaonly.ckpt").write_bytes(b"pickle")
    assert search_roots(webui)[0] == webui / "models"
    result = scan_folders([webui])
    found = {m.file_name: m for m in result.models}
    assert set(found) == {"model.safetensors", "control_v11p_sd15_canny.safetensors", "taesd_decoder.safetensors"}
    assert found["control_v11p_sd15_canny.safetensors"].kind_label == "controlnet (canny)"
    assert found["taesd_decoder.safetensors"].kind == "taesd"
    (skipped,) = result.skipped
    assert skipped.path.name == "v1-5-pruned-emaonly.ckpt" and "pickle" in skipped.reason


def test_comfyui_root_is_read_through_models(tmp_path):
    comfy = tmp_path / "ComfyUI"
    checkpoint(comfy / "models" / "checkpoints" / "m.safetensors")
    checkpoint(comfy / "custom_nodes" / "some_node" / "bundled.safetensors")
    assert search_roots(comfy) == [comfy / "models"]
    assert names(scan_folders([comfy])) == {"m.safetensors"}


def test_pickles_and_unknown_tensors_are_named_in_the_no_model_message(tmp_path, monkeypatch):
    (tmp_path / "controlnet").mkdir()
    (tmp_path / "controlnet" / "control_v11p_sd15_scribble.pth").write_bytes(b"pickle")
    write(tmp_path / "mystery.safetensors", {"foo.bar": (3,)})
    (tmp_path / "notes.txt").write_text("ignored: not weights")
    monkeypatch.setattr(sd_settings, "models_folder", lambda: tmp_path)
    message = sd_models_scan.unavailable()
    assert "control_v11p_sd15_scribble.pth: pickle" in message and "mystery.safetensors: unknown tensors" in message
    assert "notes.txt" not in message


def test_extra_search_folders_are_read_in_place(tmp_path, monkeypatch):
    from gencanvas.core.settings import Settings

    other = tmp_path / "webui"
    checkpoint(other / "models" / "Stable-diffusion" / "elsewhere.safetensors")
    settings = Settings(models_dir=tmp_path / "mine", extra_model_dirs=f" {other} ; {tmp_path / 'missing'}")
    monkeypatch.setattr(sd_settings, "load_settings", lambda: settings)
    assert sd_settings.search_folders() == [tmp_path / "mine", other, tmp_path / "missing"]
    (info,) = sd_models_scan.scan()
    assert info.path == other / "models" / "Stable-diffusion" / "elsewhere.safetensors"  # not copied
    assert sd_models_scan.unavailable() is None


def test_symlink_loops_end(tmp_path):
    checkpoint(tmp_path / "a" / "x.safetensors")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    assert names(scan_folders([tmp_path])) == {"x.safetensors"}


def test_a1111_vae_approx_taesd_pth_loads_with_the_opt_in(tiny_sd_models, tmp_path):
    """A1111 keeps TAESD as VAE-approx/taesd_decoder.pth: skipped without the opt-in, loaded weights-only with it."""
    import pytest
    import torch

    from gencanvas.models.sd.importer import UnsafeCheckpointError
    from gencanvas.models.sd.loading import load_taesd
    from gencanvas.models.sd.random_init import TINY_TAESD, random_model

    reference = random_model(TINY_TAESD, seed=5)
    original = {
        f"{int(k.split('.')[2]) + 1}.{k.split('.', 3)[3]}": v.contiguous()
        for k, v in reference.state_dict().items()
        if k.startswith("decoder.layers.")
    }
    webui = tmp_path / "webui"
    checkpoint(webui / "models" / "Stable-diffusion" / "m.safetensors")
    (webui / "models" / "VAE-approx").mkdir(parents=True)
    torch.save(original, webui / "models" / "VAE-approx" / "taesd_decoder.pth")
    assert [s.path.name for s in scan_folders([webui]).skipped] == ["taesd_decoder.pth"]
    info = next(m for m in scan_folders([webui], allow_ckpt=True).models if m.kind == "taesd")
    with pytest.raises(UnsafeCheckpointError):
        load_taesd(info, tiny_sd_models.configs, torch.float32)
    loaded = load_taesd(info, tiny_sd_models.configs, torch.float32, allow_ckpt=True)
    latents = torch.randn(1, 4, 8, 8)
    assert torch.equal(loaded.decode(latents).sample, reference.decode(latents).sample)
