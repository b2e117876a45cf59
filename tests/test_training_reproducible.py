"""Same seed, same losses: every trainer's first steps, pinned as numbers recorded before the loops shared a skeleton.

Each loss a trainer backpropagates goes through ``Accelerator.backward``; the test records
those values for three steps of a tiny seeded run and compares them with the numbers the
per-model loops produced before they were folded into one training skeleton, so a
refactor of the loop cannot silently change what training does.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from accelerate import Accelerator

from gencanvas.models.data import ImageCaptionDataset

STEPS = 3  # then a rerun resumes for two more


@pytest.fixture
def backward_losses(monkeypatch):
    """Every loss passed to ``Accelerator.backward``, in order."""
    seen: list[float] = []
    original = Accelerator.backward

    def record(self, loss, **kwargs):
        seen.append(round(float(loss.detach()), 6))
        return original(self, loss, **kwargs)

    monkeypatch.setattr(Accelerator, "backward", record)
    return seen


def _images(n: int, channels: int, size: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(
        0, 256, (n, channels, size, size), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8
    )


def _dataset(n: int, channels: int, size: int, seed: int = 0) -> ImageCaptionDataset:
    captions = ["a shoe", "a bag"] * (n // 2)
    return ImageCaptionDataset(_images(n, channels, size, seed), captions, name="emoji-test")


def _disc_dataset(n: int = 8, size: int = 16) -> ImageCaptionDataset:
    import cv2

    image = np.full((size, size, 3), 255, np.uint8)
    cv2.circle(image, (size // 2, size // 2), size // 3, (220, 40, 40), -1)
    cv2.circle(image, (size // 2, size // 2), size // 3, (30, 30, 30), 2)
    images = torch.from_numpy(np.stack([image] * n)).permute(0, 3, 1, 2).contiguous()
    return ImageCaptionDataset(images, ["disc"] * n, name="discs")


def _options(options_type, tmp_path, steps: int, **extra):
    """The same small seeded run for every trainer: batch 4, no sample grids, ``steps`` steps."""
    return options_type(
        run_dir=tmp_path / "run",
        out_dir=tmp_path / "out",
        batch_size=4,
        max_steps=steps,
        sample_every=0,
        seed=3,
        **extra,
    )


def _run_diffusion(tmp_path, steps: int, **extra) -> None:
    from gencanvas.models.diffusion.config import DiffusionConfig
    from gencanvas.models.diffusion.training import DiffusionTrainOptions, train_diffusion

    config = DiffusionConfig.from_preset("tiny", image_size=16, channels=1)
    options = _options(DiffusionTrainOptions, tmp_path, steps, **extra)
    train_diffusion(_dataset(8, 1, 16), config, options)


def _run_vae(tmp_path, steps: int, **extra) -> None:
    from gencanvas.models.vae.config import VAEConfig
    from gencanvas.models.vae.training import VAETrainOptions, train_vae

    data = _dataset(16, 1, 16)
    test = _dataset(8, 1, 16, seed=1)
    config = VAEConfig.from_preset("tiny", image_size=16, channels=1)
    options = _options(VAETrainOptions, tmp_path, steps, **extra)
    train_vae(data, test, config, options)


def _run_pix2pix(tmp_path, steps: int, **extra) -> None:
    from gencanvas.models.pix2pix.config import Pix2PixConfig
    from gencanvas.models.pix2pix.training import Pix2PixTrainOptions, train_pix2pix

    data = _disc_dataset()
    config = Pix2PixConfig.from_preset("tiny", image_size=16)
    options = _options(Pix2PixTrainOptions, tmp_path, steps, **extra)
    train_pix2pix(data, data, config, options)


def _run_stylegan(tmp_path, steps: int, **extra) -> None:
    from gencanvas.models.stylegan.config import StyleGANConfig
    from gencanvas.models.stylegan.training import StyleGANTrainOptions, train_stylegan

    config = StyleGANConfig.from_preset("tiny", image_size=16, r1_every=2)
    options = _options(StyleGANTrainOptions, tmp_path, steps, **extra)
    train_stylegan(_dataset(8, 3, 16), config, options)


RUNS = {"diffusion": _run_diffusion, "vae": _run_vae, "pix2pix": _run_pix2pix, "stylegan": _run_stylegan}
# Per step: the losses backpropagated (GANs: critic, then generator), and the sum of |w| of the exported weights.
EXPECTED: dict[str, tuple[list[float], float]] = {
    "diffusion": ([1.004094, 0.954121, 1.022841, 1.00072, 0.950117], 11881.7688),
    "vae": ([199.389374, 197.698532, 196.035843, 192.565414, 192.37326], 633.2245),
    "pix2pix": (
        [0.63321, 90.627518, 0.537157, 88.12619, 0.458374, 88.482681, 0.463551, 87.687141, 0.352613, 87.212532],
        618.132,
    ),
    "stylegan": (
        [1.55926, 0.70832, 1.379867, 0.549527, 1.487926, 0.690219, 1.453791, 0.560419, 1.300898, 0.615075],
        201560.0659,
    ),
}


@pytest.fixture
def one_thread():
    """One CPU thread: the same summation order on every machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("model", sorted(RUNS))
def test_same_seed_gives_the_recorded_losses(model, tmp_path, backward_losses, one_thread):
    from safetensors.torch import load_file

    RUNS[model](tmp_path, STEPS)
    RUNS[model](tmp_path, STEPS + 2)  # resumes from the checkpoint the first run left
    weights = load_file(tmp_path / "out" / "model.safetensors")
    total = sum(float(w.double().abs().sum()) for w in weights.values())
    losses, expected_total = EXPECTED[model]
    np.testing.assert_allclose(backward_losses, losses, rtol=1e-4, atol=1e-6)
    assert total == pytest.approx(expected_total, rel=1e-5)


@pytest.mark.parametrize("model", sorted(RUNS))
def test_init_from_an_export_carries_on_its_weights_and_steps(model, tmp_path, one_thread):
    """``--init-from``: a run whose checkpoints are gone continues from what it exported."""
    import json

    from safetensors.torch import load_file

    RUNS[model](tmp_path / "first", STEPS)
    source = tmp_path / "first" / "out"
    RUNS[model](tmp_path / "same", STEPS, init_from=source)  # nothing left to train: exports what it loaded
    before, after = load_file(source / "model.safetensors"), load_file(tmp_path / "same" / "out" / "model.safetensors")
    assert before.keys() == after.keys()
    assert all(torch.equal(before[name], after[name]) for name in before)

    RUNS[model](tmp_path / "more", STEPS + 2, init_from=source)
    record = json.loads((tmp_path / "more" / "out" / "training.json").read_text())
    state = json.loads((tmp_path / "more" / "run" / "checkpoint" / "state.json").read_text())
    assert record["steps"] == STEPS + 2
    assert state["optimiser_start"] == STEPS  # the learning-rate warm-up counts from here
    if model in ("diffusion", "vae", "pix2pix"):  # an AveragedModel EMA: it goes on from the export's average
        assert state["ema_updates"] == STEPS + 2
    changed = load_file(tmp_path / "more" / "out" / "model.safetensors")
    assert any(not torch.equal(before[name], changed[name]) for name in before)


def test_init_from_a_different_network_is_one_sentence(tmp_path):
    from gencanvas.models.diffusion.config import DiffusionConfig
    from gencanvas.models.diffusion.training import DiffusionTrainOptions, train_diffusion
    from gencanvas.models.training_args import IncompatibleModel

    _run_diffusion(tmp_path / "tiny", 1)
    config = DiffusionConfig.from_preset("small", image_size=16, channels=1)
    options = DiffusionTrainOptions(
        run_dir=tmp_path / "run",
        out_dir=tmp_path / "out",
        batch_size=4,
        max_steps=2,
        sample_every=0,
        init_from=tmp_path / "tiny" / "out",
    )
    with pytest.raises(IncompatibleModel, match="holds a different network") as caught:
        train_diffusion(_dataset(8, 1, 16), config, options)
    assert "\n" not in str(caught.value)


def test_train_command_refuses_a_folder_that_is_not_an_export(tmp_path, capsys):
    from gencanvas.models.train import main

    (tmp_path / "empty").mkdir()
    for folder, reason in [(tmp_path / "missing", "no such folder"), (tmp_path / "empty", "lacks config.json")]:
        with pytest.raises(SystemExit) as stopped:
            main(
                [
                    "diffusion",
                    "--data",
                    "fashion-mnist",
                    "--limit",
                    "8",
                    "--preset",
                    "tiny",
                    "--batch-size",
                    "4",
                    "--max-steps",
                    "1",
                    "--out",
                    str(tmp_path / "out"),
                    "--run-dir",
                    str(tmp_path / "run"),
                    "--init-from",
                    str(folder),
                ]
            )
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert reason in err and "Traceback" not in err


def test_init_from_a_vae_export_with_a_fitted_prior(tmp_path, one_thread):
    """A VAE export carries its fitted mixture prior, which the network in training lacks: the run
    starts from the rest of the weights and fits a prior again at its own export."""
    import json

    from safetensors.torch import load_file

    _run_vae(tmp_path / "first", STEPS, prior_components=2)
    source = tmp_path / "first" / "out"
    assert any(name.startswith("prior.") for name in load_file(source / "model.safetensors"))
    _run_vae(tmp_path / "more", STEPS + 2, init_from=source, prior_components=2)
    record = json.loads((tmp_path / "more" / "out" / "training.json").read_text())
    assert record["steps"] == STEPS + 2
    exported = load_file(tmp_path / "more" / "out" / "model.safetensors")
    assert exported["prior.means"].shape == load_file(source / "model.safetensors")["prior.means"].shape
