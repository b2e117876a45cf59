"""A models folder of tiny random Stable Diffusion models, laid out as users' folders are.

Built once per test session: SD 1.5-shaped and SDXL-shaped pipelines as diffusers folders,
both also as single files in the original layout in ``checkpoints/`` (with an inpainting one),
a ControlNet in ``controlnet/``, a standalone VAE in ``vae/`` and a TAESD. Single files
load with a configs folder mirroring ``resources/sd_configs`` but holding the tiny
architectures.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BPE = (
    Path(__file__).resolve().parents[1] / "resources" / "sd_configs" / "clip_tokenizer" / "bpe_simple_vocab_16e6.txt.gz"
)


@dataclass
class TinySD:
    root: Path  # the models folder
    configs: Path  # stands in for resources/sd_configs
    pipes: dict[str, Any]  # the in-memory originals, to compare loaded weights against


def build_tiny_sd(base: Path) -> TinySD:
    from gencanvas.models.sd.random_init import (
        TINY_CONTROLNET,
        TINY_TAESD,
        random_model,
        random_pipeline,
        tiny_configs,
        write_configs,
    )
    from tests.sd_ldm_export import (
        save_ldm_checkpoint,
        save_ldm_controlnet,
        save_ldm_sdxl_checkpoint,
        save_ldm_vae,
    )

    root, configs, scratch = base / "models", base / "configs", base / "scratch"
    shutil.copytree(BPE.parent, configs / "clip_tokenizer")
    pipes: dict[str, Any] = {}
    for name, family, inpaint in (("sd15", "sd15", False), ("sd15-inpaint", "sd15", True), ("sdxl", "sdxl", False)):
        pipe = random_pipeline(write_configs(scratch / name, tiny_configs(family, inpaint)), family, BPE, tiny=True)
        pipes[name] = pipe
        pipe.save_pretrained(configs / name)  # the single-file config folder (weights there are never read)
    pipes["sd15"].save_pretrained(root / "a-tiny-sd15")
    pipes["sdxl"].save_pretrained(root / "diffusers" / "tiny-sdxl")
    (root / "checkpoints").mkdir(parents=True)
    save_ldm_checkpoint(pipes["sd15"], root / "checkpoints" / "tiny-sd15-single.safetensors")
    save_ldm_checkpoint(pipes["sd15-inpaint"], root / "checkpoints" / "tiny-sd15-inpainting.safetensors")
    save_ldm_sdxl_checkpoint(pipes["sdxl"], root / "checkpoints" / "tiny-sdxl-single.safetensors")
    controlnet = random_model(TINY_CONTROLNET, seed=1)
    controlnet.save_pretrained(root / "controlnet" / "tiny-scribble")
    save_ldm_controlnet(controlnet, root / "controlnet" / "tiny-scribble-single.safetensors")
    (root / "vae").mkdir()
    save_ldm_vae(pipes["sd15"].vae, root / "vae" / "tiny-vae.safetensors")
    random_model(TINY_TAESD, seed=2).save_pretrained(root / "vae_approx" / "taesd")
    for name, data in (
        ("controlnet-sd15", TINY_CONTROLNET),
        ("vae-sd", dict(pipes["sd15"].vae.config)),
        ("taesd", TINY_TAESD),
    ):
        write_configs(configs / name, {"config.json": data})
    pipes["controlnet"] = controlnet
    shutil.rmtree(scratch)
    return TinySD(root, configs, pipes)


@pytest.fixture(scope="session")
def tiny_sd_models(tmp_path_factory) -> TinySD:
    return build_tiny_sd(tmp_path_factory.mktemp("sd"))


@pytest.fixture
def tiny_sd(monkeypatch, tiny_sd_models) -> TinySD:
    """Point the SD plugins at the tiny models folder and configs."""
    from gencanvas.plugins import sd_settings

    monkeypatch.setattr(sd_settings, "models_folder", lambda: tiny_sd_models.root)
    monkeypatch.setattr(sd_settings, "configs_root", lambda: tiny_sd_models.configs)
    monkeypatch.setattr(sd_settings, "ckpt_allowed", lambda: False)
    return tiny_sd_models


@pytest.fixture
def no_network(monkeypatch) -> None:
    """Any attempt to open a connection fails the test: the SD paths must be offline by construction."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # offline by construction, not by the hub's switch
