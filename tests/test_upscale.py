"""The Upscale plugin: Lanczos out of the box, users' upscalers in tiles without seams, and clear refusals."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gencanvas.cli import main
from gencanvas.core.jobs import Job, JobRunner
from gencanvas.core.plugin_api import PluginError, PluginInputs
from gencanvas.core.registry import default_registry
from gencanvas.models.tiling import grid
from gencanvas.models.upscaler import NotAnUpscalerError, load_upscaler, upscale_tile, weight_bytes
from gencanvas.plugins import upscale_support
from gencanvas.plugins.upscale import Upscale, UpscaleParams
from tests.upscale_fixtures import save_tiny_esrgan

CPU = torch.device("cpu")
RECEPTIVE_RADIUS = 19  # the tiny net: 17 convolutions at input size, 4 more at 2× and 4× (input pixels)


@pytest.fixture(scope="session")
def tiny_upscaler_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("upscalers")
    save_tiny_esrgan(root / "upscale_models" / "tiny-esrgan-4x.safetensors")
    return root


@pytest.fixture
def tiny_upscaler(monkeypatch, tiny_upscaler_root) -> Path:
    """The models folder holding the tiny upscaler; returns the upscaler's path."""
    from gencanvas.plugins import sd_settings

    monkeypatch.setattr(sd_settings, "models_folder", lambda: tiny_upscaler_root)
    return tiny_upscaler_root / "upscale_models" / "tiny-esrgan-4x.safetensors"


def photo(height=40, width=56, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def run(image, params, notices=None):
    frames = []
    job = Job(Upscale(), params, PluginInputs(image.shape[1], image.shape[0], image=image))
    result = JobRunner(device="cpu").run(job, lambda f, s, t: frames.append((f.shape, s, t)))
    if notices is not None:
        notices.extend(job.notices)
    return result, frames


def with_model(name="tiny-esrgan-4x.safetensors", **values):
    """Params naming an upscaler added after the drop-down was listed (as a test's models folder is)."""
    return UpscaleParams.model_construct(**(UpscaleParams().model_dump() | {"model": name, "scale": 4.0} | values))


def test_registered_and_defaults_are_a_2x_lanczos():
    assert default_registry().get("upscale") is Upscale
    image = photo()
    result, frames = run(image, UpscaleParams())
    expected = np.asarray(Image.fromarray(image).resize((112, 80), Image.Resampling.LANCZOS))
    np.testing.assert_array_equal(result, expected)
    assert frames == [((80, 112, 3), 1, 1)]


@pytest.mark.parametrize("scale", [1.0, 1.5, 3.25, 8.0])
def test_lanczos_any_scale(scale):
    result, _ = run(photo(20, 30), UpscaleParams(scale=scale))
    assert result.shape == (round(20 * scale), round(30 * scale), 3)


def test_cli_upscales_with_lanczos_by_default(tmp_path, capsys):
    Image.fromarray(photo()).save(tmp_path / "in.png")
    assert (
        main(
            [
                "generate",
                "--plugin",
                "upscale",
                "--image",
                str(tmp_path / "in.png"),
                "-o",
                str(tmp_path / "out.png"),
                "-q",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["params"]["model"] == "lanczos"
    assert Image.open(tmp_path / "out.png").size == (112, 80)


def test_spandrel_recognises_the_tiny_esrgan(tiny_upscaler):
    model = load_upscaler(tiny_upscaler)
    assert model.architecture.name == "ESRGAN" and model.scale == 4
    assert upscale_support.upscaler_files() == {"tiny-esrgan-4x.safetensors": tiny_upscaler}


def border_band(height, width, cuts_y, cuts_x, radius):
    """True within ``radius`` output pixels of an inner tile border."""
    band = np.zeros((height, width), bool)
    for y in cuts_y:
        band[max(0, y - radius) : y + radius] = True
    for x in cuts_x:
        band[:, max(0, x - radius) : x + radius] = True
    return band


def test_tiled_equals_untiled_inside_tiles_and_has_no_seams(tiny_upscaler):
    image = photo(64, 64)
    model = load_upscaler(tiny_upscaler)
    whole = upscale_tile(model, image, CPU, torch.float32).astype(int)
    # Tiles of 32 px: borders at input row/column 32, output 128.
    no_overlap, frames = run(image, with_model(tile=32, overlap=0))
    assert [s for _, s, _ in frames] == [1, 2, 3, 4]
    band = border_band(256, 256, [128], [128], radius=4 * RECEPTIVE_RADIUS)
    assert np.abs(no_overlap.astype(int) - whole)[~band].max() <= 1  # interiors match untiled
    seam_without_overlap = np.abs(no_overlap.astype(int) - whole)[band].max()
    assert seam_without_overlap > 8  # the measure sees a seam when there is one
    tiled, _ = run(image, with_model(tile=32, overlap=24))
    seam = np.abs(tiled.astype(int) - whole)[band].max()
    assert seam <= 1, f"max difference across tile borders {seam} (without overlap {seam_without_overlap})"


def test_a_model_scale_other_than_asked_is_finished_with_lanczos(tiny_upscaler):
    result, _ = run(photo(16, 20), with_model(scale=2.0))
    assert result.shape == (32, 40, 3)


def test_out_of_memory_mid_tile_finishes_in_smaller_tiles(tiny_upscaler, monkeypatch):
    from gencanvas.models import upscaler

    real = upscaler.upscale_tile

    def tight(model, tile, device, dtype):
        if max(tile.shape[:2]) > 40:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return real(model, tile, device, dtype)

    monkeypatch.setattr(upscaler, "upscale_tile", tight)
    notices = []
    image = photo(64, 64)
    result, _ = run(image, with_model(tile=64, overlap=4), notices)
    assert result.shape == (256, 256, 3)
    assert notices == ["Ran out of memory; finishing the upscale in smaller tiles (32 px)."]


def test_the_plan_refuses_when_memory_is_short(tiny_upscaler, monkeypatch):
    monkeypatch.setattr(upscale_support, "free_bytes", lambda device: 2**20)
    with pytest.raises(PluginError, match=r"needs about .* GB free even in 32 px tiles; 0\.0 GB is free"):
        run(photo(), with_model())


def test_the_plan_sizes_tiles_to_the_memory(tiny_upscaler):
    model = load_upscaler(tiny_upscaler)
    roomy = upscale_support.plan_tiles(model, 4, 64 * 2**30, 512, 32, "x")
    tight = upscale_support.plan_tiles(model, 4, 2**30, 512, 32, "x")
    assert roomy.tile == 512 and 32 <= tight.tile < 512
    assert (tight.tile + 64) ** 2 * tight.per_pixel_bytes <= 0.8 * 2**30


def test_a_result_beyond_the_limit_is_refused_before_any_work():
    with pytest.raises(PluginError, match=r"gives 16800×80 px, over the 16384 px limit"):
        run(photo(10, 2100), UpscaleParams(scale=8.0))


def test_a_file_that_is_not_an_upscaler_is_one_sentence(tmp_path, tiny_upscaler, monkeypatch):
    from safetensors.torch import save_file

    folder = tiny_upscaler.parent
    save_file({"text_model.embeddings.weight": torch.zeros(4, 4)}, str(folder / "clip.safetensors"))
    (folder / "notes.safetensors").write_bytes(b"not a model at all")
    torch.save({"x": torch.zeros(1)}, folder / "plain.pth", pickle_protocol=2)
    for name, message in [
        ("clip.safetensors", r"'clip.safetensors' is not an upscaler model \(ESRGAN, Real-ESRGAN, SwinIR"),
        ("notes.safetensors", r"'notes.safetensors' is not a readable .safetensors file"),
        ("plain.pth", r"'plain.pth' is not an upscaler model"),
    ]:
        with pytest.raises(PluginError, match=message):
            run(photo(), with_model(name))


class Payload:
    def __reduce__(self):
        return (print, ("unpickled code ran",))


def test_pth_is_read_with_weights_only(tmp_path, capsys):
    save_tiny_esrgan(tmp_path / "esrgan.safetensors")
    from safetensors.torch import load_file

    state = load_file(str(tmp_path / "esrgan.safetensors"))
    torch.save({"params_ema": state}, tmp_path / "good.pth", pickle_protocol=2)
    assert load_upscaler(tmp_path / "good.pth").scale == 4
    with open(tmp_path / "evil.pth", "wb") as f:
        pickle.dump({"model.0.weight": Payload()}, f, protocol=2)
    with pytest.raises(NotAnUpscalerError, match="holds more than plain weights"):
        load_upscaler(tmp_path / "evil.pth")
    assert "unpickled code ran" not in capsys.readouterr().out


def test_the_frozen_bundle_keeps_what_spandrel_imports():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "build_scripts" / "bundle_contents.py"
    spec = importlib.util.spec_from_file_location("bundle_contents", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not {"spandrel", "torchvision", "psutil"} & set(module.EXCLUDES)
    assert "gencanvas.plugins.upscale" in module.hidden_imports()


def test_a_real_size_esrgan_plans_4x_of_1024_within_8_gb():
    """The plan's arithmetic for the real RRDB shape (64 filters, 23 blocks) on an 8 GB GPU."""
    from spandrel import ModelLoader
    from spandrel.architectures.ESRGAN import ESRGAN

    with torch.device("meta"):
        state = ESRGAN(in_nc=3, out_nc=3, num_filters=64, num_blocks=23, scale=4).state_dict()
    model = ModelLoader().load_from_state_dict({k: torch.zeros(v.shape) for k, v in state.items()})
    for dtype_bytes in (2, 4):
        plan = upscale_support.plan_tiles(model, dtype_bytes, 8 * 2**30, 512, 32, "RealESRGAN_x4plus")
        tiles = len(grid(1024, 1024, plan.tile, 32))
        peak = weight_bytes(model) + (plan.tile + 64) ** 2 * plan.per_pixel_bytes
        assert plan.tile >= 256 and tiles <= 16 and peak <= 0.8 * 8 * 2**30, (dtype_bytes, plan, tiles)
