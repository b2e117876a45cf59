"""Bad-input sweep outside the window: each case ends in one clear sentence and nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gencanvas.cli import main
from gencanvas.core import image_io
from gencanvas.core.animation import write_animation
from gencanvas.core.image_io import ImageLoadError, check_size, load_image, load_image_bytes, load_mask
from gencanvas.core.metadata import refused_notice, restorable_params
from gencanvas.core.plugin_api import ParamsBase
from gencanvas.models.sd.importer import UnsafeCheckpointError
from gencanvas.models.sd.loading import safetensors_only
from gencanvas.models.sd.scan import scan_models


def _photo(tmp_path: Path) -> Path:
    photo = np.full((40, 60, 3), (30, 160, 220), np.uint8)
    photo[10:20, 20:30] = 0
    Image.fromarray(photo).save(tmp_path / "photo.png")
    return tmp_path / "photo.png"


def test_transparent_background_of_a_mask_counts_as_unpainted(tmp_path):
    rgba = np.zeros((40, 60, 4), np.uint8)  # transparent black everywhere …
    rgba[10:20, 20:30] = (255, 255, 255, 255)  # … but one white square
    Image.fromarray(rgba).save(tmp_path / "mask.png")
    mask = load_mask(tmp_path / "mask.png")
    assert mask.sum() == 100 and mask[10:20, 20:30].all()
    grey = np.zeros((40, 60), np.uint8)
    grey[0:5, 0:5] = 255
    Image.fromarray(grey).save(tmp_path / "grey.png")
    assert load_mask(tmp_path / "grey.png").sum() == 25  # opaque black/white masks as before


def test_cli_inpaints_only_inside_a_transparent_backed_mask(tmp_path, capsys):
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[10:20, 20:30] = (255, 255, 255, 255)
    Image.fromarray(rgba).save(tmp_path / "mask.png")
    out = tmp_path / "out.png"
    argv = ["generate", "--plugin", "inpaint-classical", "--image", str(_photo(tmp_path)), "--mask"]
    assert main([*argv, str(tmp_path / "mask.png"), "-q", "-o", str(out)]) == 0, capsys.readouterr().err
    result = load_image(out).rgb
    assert np.abs(result[12:18, 22:28].astype(int) - (30, 160, 220)).max() < 10  # the hole was filled
    assert (result[0:5, 0:5] == (30, 160, 220)).all()  # outside the stroke nothing changed


@pytest.mark.parametrize("output", ["out.xyz", "out"])
def test_unsupported_output_suffix_is_refused_before_the_job_runs(tmp_path, capsys, monkeypatch, output):
    from gencanvas import cli

    ran = []
    monkeypatch.setattr(cli.JobRunner, "run", lambda *args: ran.append(args))
    code = main(["generate", "--plugin", "inpaint-classical", "-o", str(tmp_path / output)])
    assert code == 2 and ran == []
    err = capsys.readouterr().err
    assert "output must end in .png" in err and output in err
    assert not any(tmp_path.iterdir())


def test_gif_export_on_a_full_disk_leaves_no_temporary(tmp_path, monkeypatch):
    def full_disk(self, file, *args, **kwargs):
        file.write(b"GIF89a partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    frames = [np.full((8, 8, 3), i * 40, np.uint8) for i in range(3)]
    with pytest.raises(OSError, match="No space"):
        write_animation(tmp_path / "loop.gif", frames)
    assert list(tmp_path.iterdir()) == []


class _Params(ParamsBase):
    prompt: str = "a cat"
    steps: int = 20
    cfg: float = 7.0


def test_restore_parameters_keeps_what_validates_and_names_the_rest():
    stored = {"prompt": 12345, "steps": "abc", "cfg": "5.5", "from_a_newer_version": 1}
    accepted, refused = restorable_params(_Params, stored)
    assert accepted == {"cfg": 5.5}
    assert refused == ["prompt", "steps"]
    notice = refused_notice(refused)
    assert "“prompt”" in notice and "“steps”" in notice and "\n" not in notice
    assert refused_notice([]) is None


def test_unreadable_models_subfolder_is_skipped_with_a_notice(tmp_path, monkeypatch):
    (tmp_path / "vae").mkdir()
    (tmp_path / "checkpoints").mkdir()
    locked = tmp_path / "vae"
    real_iterdir = Path.iterdir

    def iterdir(self):  # chmod 000 does not stop root, so refuse the way the OS would
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    notices: list[str] = []
    assert scan_models(tmp_path, warn=notices.append) == []
    assert notices == ["vae skipped: unreadable folder (Permission denied)"]


def test_diffusers_folder_with_pickle_bin_is_refused_without_the_opt_in(tmp_path):
    folder = tmp_path / "my-model"
    (folder / "unet").mkdir(parents=True)
    (folder / "unet" / "diffusion_pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(UnsafeCheckpointError, match="pickle weights"):
        safetensors_only(folder, allow_ckpt=False)
    assert safetensors_only(folder, allow_ckpt=True) == {}
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    assert safetensors_only(folder, allow_ckpt=False) == {"use_safetensors": True}


def test_one_image_size_limit_with_one_message(tmp_path, monkeypatch):
    monkeypatch.setattr(image_io, "MAX_PIXELS", 1000)
    Image.new("RGB", (50, 50)).save(tmp_path / "big.png")
    with pytest.raises(ImageLoadError) as from_file:
        load_image(tmp_path / "big.png")
    with pytest.raises(ImageLoadError) as from_paste:
        check_size(50, 50, "The pasted image")
    with pytest.raises(ImageLoadError) as from_bytes:
        load_image_bytes((tmp_path / "big.png").read_bytes(), source="a drop")
    tail = "is too large (50×50); the limit is 0.001 megapixels."
    assert all(str(e.value).endswith(tail) for e in (from_file, from_paste, from_bytes))


def test_cuda_without_cuda_says_so_on_the_cli(tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    mask = np.zeros((40, 60), np.uint8)
    mask[10:20, 20:30] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    argv = ["generate", "--plugin", "inpaint-classical", "--image", str(_photo(tmp_path)), "--mask"]
    code = main([*argv, str(tmp_path / "mask.png"), "--device", "cuda", "-q", "-o", str(tmp_path / "o.png")])
    assert code == 0
    captured = capsys.readouterr()
    assert "CUDA was chosen as the device but is not available" in captured.err
    assert json.loads(captured.out)["output"].endswith("o.png")
