"""The StyleGAN-like model: modulated convolution, mapping/synthesis, mixing, truncation, augment, training."""

from __future__ import annotations

import json

import pytest
import torch

from gencanvas.models.augment import diff_augment
from gencanvas.models.stylegan.config import StyleGANConfig
from gencanvas.models.stylegan.layers import modulated_conv2d
from gencanvas.models.stylegan.network import Discriminator, Generator


def tiny(size: int = 16, channels: int = 3) -> Generator:
    torch.manual_seed(0)
    return Generator(StyleGANConfig.from_preset("tiny", image_size=size, channels_out=channels)).eval()


def test_fused_grouped_and_activation_scaled_modulation_agree():
    torch.manual_seed(0)
    x, weight, styles = torch.randn(3, 8, 6, 6), torch.randn(5, 8, 3, 3), torch.randn(3, 8)
    for demodulate in (True, False):
        plain = modulated_conv2d(x, weight, styles, demodulate=demodulate)
        fused = modulated_conv2d(x, weight, styles, demodulate=demodulate, fused=True)
        torch.testing.assert_close(plain, fused, rtol=1e-4, atol=1e-5)


def test_demodulation_makes_the_output_scale_independent_of_the_style_scale():
    torch.manual_seed(0)
    x, weight, styles = torch.randn(2, 8, 6, 6), torch.randn(5, 8, 3, 3), torch.rand(2, 8) + 0.5
    torch.testing.assert_close(modulated_conv2d(x, weight, styles), modulated_conv2d(x, weight, styles * 7.0))


def test_generator_shapes_and_style_layer_count():
    G = tiny(32, channels=1)
    assert G.num_ws == 8 and G.config.channels == (32, 32, 16, 16)
    with torch.no_grad():
        images = G(torch.randn(3, G.config.z_dim))
    assert images.shape == (3, 1, 32, 32) and torch.isfinite(images).all()
    with pytest.raises(ValueError, match="image_size"):
        StyleGANConfig(image_size=48, channels=(8, 8, 8))


def test_truncation_zero_gives_the_average_w_and_one_keeps_w():
    G = tiny()
    G.mapping.w_avg.normal_()
    z = torch.randn(4, G.config.z_dim)
    with torch.no_grad():
        ws0 = G.ws_from_z(z, psi=0.0)
        ws1 = G.ws_from_z(z, psi=1.0)
    torch.testing.assert_close(ws0, G.mapping.w_avg.expand_as(ws0))
    torch.testing.assert_close(ws1[:, 0], G.mapping(z))


def test_style_mixing_takes_later_layers_from_the_second_code():
    G = tiny()
    z1, z2 = torch.randn(2, G.config.z_dim), torch.randn(2, G.config.z_dim)
    with torch.no_grad():
        ws = G.ws_from_z(z1, mix_z=z2, mix_from=3)
        torch.testing.assert_close(ws[:, :3], G.mapping(z1)[:, None].expand(-1, 3, -1))
        torch.testing.assert_close(ws[:, 3:], G.mapping(z2)[:, None].expand(-1, G.num_ws - 3, -1))


def test_w_avg_tracks_the_mapping_output_during_training():
    G = tiny()
    before = G.mapping.w_avg.clone()
    G.mapping(torch.randn(8, G.config.z_dim), update_w_avg=True)
    assert not torch.equal(before, G.mapping.w_avg)


def test_constant_noise_is_deterministic_and_random_noise_is_not():
    G = tiny()
    for conv in G.synthesis.convs:
        conv.noise_strength.data.fill_(0.5)
    ws = G.ws_from_z(torch.randn(1, G.config.z_dim))
    with torch.no_grad():
        assert torch.equal(G.synthesis(ws, "const"), G.synthesis(ws, "const"))
        assert not torch.equal(G.synthesis(ws, "random"), G.synthesis(ws, "random"))


def test_diffaugment_keeps_shape_passes_gradients_and_rejects_unknown_policies():
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    out = diff_augment(x, "color,translation,cutout")
    assert out.shape == x.shape
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert torch.equal(diff_augment(x, "none"), x)
    with pytest.raises(ValueError, match="unknown augmentation"):
        diff_augment(x, "rotate")


def test_flip_and_shift_move_pixels_without_adding_a_border():
    torch.manual_seed(0)
    x = torch.rand(64, 3, 16, 16) * 2 - 1
    flipped = diff_augment(x, "flip")
    same = [torch.equal(a, b) for a, b in zip(flipped, x, strict=True)]
    mirrored = [torch.equal(a, b.flip(-1)) for a, b in zip(flipped, x, strict=True)]
    assert all(s or m for s, m in zip(same, mirrored, strict=True)) and 10 < sum(mirrored) < 54
    white = torch.ones(8, 3, 16, 16)
    assert torch.equal(diff_augment(white, "shift"), white)  # edges repeated: a white page stays white
    shifted = diff_augment(x, "shift")
    assert shifted.shape == x.shape and not torch.equal(shifted, x)


def test_discriminator_scores_each_image():
    config = StyleGANConfig.from_preset("tiny", image_size=16)
    assert Discriminator(config)(torch.randn(6, 3, 16, 16)).shape == (6,)


def test_training_exports_checkpoints_and_resumes(tmp_path):
    from gencanvas.models.data import ImageCaptionDataset
    from gencanvas.models.stylegan.files import load_generator
    from gencanvas.models.stylegan.training import StyleGANTrainOptions, train_stylegan

    images = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8)
    dataset = ImageCaptionDataset(images, [f"img {i}" for i in range(8)], name="emoji-test")
    config = StyleGANConfig.from_preset("tiny", image_size=16, r1_every=2)
    options = StyleGANTrainOptions(
        run_dir=tmp_path / "run", out_dir=tmp_path / "out", batch_size=4, max_steps=3, sample_every=2, command="test"
    )
    train_stylegan(dataset, config, options)
    assert {"config.json", "model.safetensors", "MODEL_CARD.md", "training.json", "samples.png"} <= {
        p.name for p in (tmp_path / "out").iterdir()
    }
    assert (tmp_path / "run" / "samples-000002.png").exists()
    options.max_steps = 5
    train_stylegan(dataset, StyleGANConfig.from_preset("tiny", image_size=16, r1_every=2), options)
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    assert record["steps"] == 5 and record["images_seen"] == 20
    G = load_generator(tmp_path / "out")
    assert G(torch.randn(1, G.config.z_dim)).shape == (1, 3, 16, 16)
    assert "SIL Open Font License" in (tmp_path / "out" / "MODEL_CARD.md").read_text()


def test_training_cli_runs_a_few_fashion_mnist_steps(tmp_path):
    from gencanvas.models.data import DEFAULT_FASHION_ROOT
    from gencanvas.models.train import main

    if not DEFAULT_FASHION_ROOT.exists():
        pytest.skip("Fashion-MNIST is not installed")
    out = tmp_path / "fashion"
    assert (
        main(
            [
                "stylegan",
                "--data",
                "fashion-mnist",
                "--limit",
                "16",
                "--preset",
                "tiny",
                "--channels",
                "16,16,8,4",
                "--batch-size",
                "4",
                "--max-steps",
                "2",
                "--out",
                str(out),
                "--run-dir",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
    config = StyleGANConfig.load(out)
    assert config.image_size == 32 and config.channels_out == 1
    assert config.channels == (16, 16, 8, 4)  # the flag, not the preset's (32, 32, 16, 16)


def test_training_cli_says_in_one_line_when_the_channels_do_not_fit_the_size(tmp_path, capsys):
    from gencanvas.models.data import DEFAULT_FASHION_ROOT
    from gencanvas.models.train import main

    if not DEFAULT_FASHION_ROOT.exists():
        pytest.skip("Fashion-MNIST is not installed")
    args = ["stylegan", "--data", "fashion-mnist", "--limit", "4", "--channels", "16,8,8", "--out", str(tmp_path / "o")]
    assert main(args) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("error: 3 channel entries give 16 px, not 32") and "\n" not in message
    assert not (tmp_path / "o").exists()
    with pytest.raises(SystemExit):
        main([*args[:-3], "16,x", "--out", str(tmp_path / "o")])
    assert "not a comma-separated list" in capsys.readouterr().err


def test_preset_channels_are_cut_to_the_size_and_explicit_channels_kept():
    assert StyleGANConfig.from_preset("small", image_size=32).channels == (128, 128, 64, 32)
    assert StyleGANConfig.from_preset("small", image_size=32, channels=(64, 64, 32, 16)).channels == (64, 64, 32, 16)
    with pytest.raises(ValueError, match="5 channel entries"):
        StyleGANConfig.from_preset("small", image_size=32, channels=(64, 64, 32, 16, 8))


def test_training_keeps_the_evaluation_hold_out_unseen_and_says_so(tmp_path):
    """Like every other trainer: the images the evaluation compares with are not trained on."""
    from PIL import Image

    from gencanvas.models.train import main

    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(10):
        Image.new("RGB", (16, 16), (20 * i, 100, 200)).save(folder / f"{i:02d}.png")
    out = tmp_path / "out"
    args = ["stylegan", "--data", str(folder), "--size", "16", "--preset", "tiny", "--channels", "16,8,8"]
    assert (
        main([*args, "--batch-size", "2", "--max-steps", "1", "--out", str(out), "--run-dir", str(tmp_path / "r")]) == 0
    )
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "(8 training images)" in card
    assert "- **Held out for evaluation**: a fixed random hold-out of 2 of 10 images" in card
