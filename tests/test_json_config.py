"""config.json: one save/load base with a ``kind``, and one function that tells model folders apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gencanvas.models.diffusion.config import DiffusionConfig
from gencanvas.models.json_config import model_folders, model_kind
from gencanvas.models.pix2pix.config import Pix2PixConfig
from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.vae.config import VAEConfig

WEIGHTS = Path(__file__).resolve().parents[1] / "resources" / "weights"
CONFIGS = {
    "diffusion": DiffusionConfig.from_preset("tiny", image_size=16, captions=["a", "b"]),
    "vae": VAEConfig.from_preset("tiny", image_size=16),
    "pix2pix": Pix2PixConfig.from_preset("tiny", image_size=16),
    "stylegan": StyleGANConfig.from_preset("tiny", image_size=16),
}


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_every_config_round_trips_and_names_its_kind(kind, tmp_path):
    config = CONFIGS[kind]
    config.save(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["kind"] == kind
    assert model_kind(tmp_path) == kind
    assert type(config).load(tmp_path) == config  # tuples come back as tuples, not lists


@pytest.mark.parametrize("kind", ["diffusion", "pix2pix", "stylegan"])  # VAE configs always had ``kind``
def test_a_config_saved_before_kind_existed_is_still_recognised_and_loads(kind, tmp_path):
    config = CONFIGS[kind]
    data = config.to_json()
    del data["kind"]
    if kind == "stylegan":
        data["architecture"] = "stylegan"  # what older versions wrote instead
    (tmp_path / "config.json").write_text(json.dumps(data))
    assert model_kind(tmp_path) == kind
    assert type(config).load(tmp_path) == config


def test_a_folder_of_another_kind_is_refused_by_name(tmp_path):
    CONFIGS["stylegan"].save(tmp_path)
    with pytest.raises(ValueError, match="holds a stylegan model, not a vae"):
        VAEConfig.load(tmp_path)


def test_folders_without_a_model_config_have_no_kind(tmp_path):
    assert model_kind(tmp_path) is None  # no config.json
    (tmp_path / "config.json").write_text("[1, 2]")
    assert model_kind(tmp_path) is None
    (tmp_path / "config.json").write_text('{"num_classes": 10}')  # a classifier: not a generative model
    assert model_kind(tmp_path) is None


def test_the_shipped_weights_are_found_by_kind_and_load():
    assert [f.name for f in model_folders(WEIGHTS, "diffusion")] == ["emoji", "fashion"]
    assert [f.name for f in model_folders(WEIGHTS, "vae")] == ["vae-emoji", "vae-fashion"]
    assert [f.name for f in model_folders(WEIGHTS, "pix2pix")] == ["pix2pix-emoji"]
    assert [f.name for f in model_folders(WEIGHTS, "stylegan")] == ["stylegan-emoji-faces", "stylegan-fashion"]
    for config_type in (DiffusionConfig, VAEConfig, Pix2PixConfig, StyleGANConfig):
        for folder in model_folders(WEIGHTS, config_type.kind):
            assert isinstance(config_type.load(folder), config_type)
