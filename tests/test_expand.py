"""Expand canvas: every layer grows, old pixels stay exact, the mask is exactly the new area."""

from __future__ import annotations

import numpy as np
import pytest

from gencanvas.core.expand import MAX_SIDE, Margins, check_size, expand_canvas, margins_for_aspect
from gencanvas.core.plugin_api import PluginError


def layers(height=30, width=40):
    rng = np.random.default_rng(0)
    return {
        "image": rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
        "sketch": rng.integers(0, 256, (height, width, 4), dtype=np.uint8),
        "mask": rng.random((height, width)) > 0.5,
    }


@pytest.mark.parametrize("margins", [Margins(5, 7, 11, 3), Margins(right=64), Margins(top=1), Margins()])
def test_old_pixels_exact_and_mask_exactly_the_new_area(margins):
    old = layers()
    expanded = expand_canvas(old, margins, {"image": "edge"})
    new_h, new_w = 30 + margins.top + margins.bottom, 40 + margins.left + margins.right
    inner = (slice(margins.top, margins.top + 30), slice(margins.left, margins.left + 40))
    for name, layer in expanded.layers.items():
        assert layer.shape[:2] == (new_h, new_w) and layer.dtype == old[name].dtype
        np.testing.assert_array_equal(layer[inner], old[name])
    expected = np.ones((new_h, new_w), bool)
    expected[inner] = False
    np.testing.assert_array_equal(expanded.mask, expected)
    sketch, photo = expanded.layers["sketch"], expanded.layers["image"]
    assert (sketch[expanded.mask] == 0).all()  # new sketch area is transparent
    if margins.right:  # the photo's new area repeats its border, a better start for a fill than a flat colour
        np.testing.assert_array_equal(photo[margins.top : margins.top + 30, -1], old["image"][:, -1])


def test_white_fill():
    (grown,) = expand_canvas({"image": layers()["image"]}, Margins(left=3), {"image": "white"}).layers.values()
    assert (grown[:, :3] == 255).all()


@pytest.mark.parametrize(
    ("size", "aspect", "anchor", "expected"),
    [
        ((100, 100), (16, 9), "center", Margins(39, 0, 39, 0)),
        ((160, 90), (1, 1), "center", Margins(0, 35, 0, 35)),
        ((160, 90), (1, 1), "top", Margins(0, 0, 0, 70)),
        ((101, 100), (2, 1), "left", Margins(0, 0, 99, 0)),
        ((200, 100), (2, 1), "center", Margins()),
        ((512, 512), (3, 2), "right", Margins(256, 0, 0, 0)),
    ],
)
def test_aspect_presets_grow_the_short_side_only(size, aspect, anchor, expected):
    margins = margins_for_aspect(*size, *aspect, anchor=anchor)
    assert margins == expected
    new_w, new_h = margins.new_size(*size)
    assert new_w >= size[0] and new_h >= size[1]
    assert abs(new_w / new_h - aspect[0] / aspect[1]) < 1 / min(new_w, new_h)


def test_beyond_the_limit_is_one_sentence_before_any_allocation():
    with pytest.raises(PluginError, match=rf"Expanding 8000×600 px to 8200×600 px goes beyond the {MAX_SIDE} px limit"):
        check_size(8000, 600, Margins(left=100, right=100))
    with pytest.raises(PluginError, match="beyond the 8192 px limit"):
        expand_canvas(layers(), Margins(bottom=9000), {})
    assert check_size(8000, 600, Margins(right=192)) == (8192, 600)


def test_bad_requests_are_sentences():
    with pytest.raises(PluginError, match="cannot be given a negative amount"):
        Margins(left=-1)
    with pytest.raises(PluginError, match="two positive numbers"):
        margins_for_aspect(10, 10, 0, 1)
    with pytest.raises(PluginError, match="must match"):
        expand_canvas({"a": np.zeros((2, 2)), "b": np.zeros((3, 2))}, Margins(top=1), {})


def test_cli_expand_grows_the_photo_masks_the_new_area_and_fills_it(tmp_path, capsys):
    from PIL import Image

    from gencanvas.cli import main
    from gencanvas.core.image_io import load_image

    photo = np.zeros((40, 60, 3), np.uint8)
    photo[:, :, 0] = np.arange(60, dtype=np.uint8)[None, :] * 4
    photo[:, :, 1] = 90
    Image.fromarray(photo).save(tmp_path / "photo.png")
    out = tmp_path / "out.png"
    argv = ["generate", "--plugin", "inpaint-classical", "--image", str(tmp_path / "photo.png"), "-q"]
    assert main([*argv, "--expand", "0,8,24,0", "-o", str(out)]) == 0
    result = load_image(out).rgb
    assert result.shape == (48, 84, 3)
    np.testing.assert_array_equal(result[8 + 4 :, : 60 - 4], photo[4:, :56])  # old pixels away from the seam
    assert np.abs(result[30, 70:].astype(int) - (236, 90, 0)).max() <= 12  # the border's colour carried on
    assert main([*argv, "--expand", "0,8,24", "-o", str(out)]) == 2
    assert "--expand expects four pixel counts" in capsys.readouterr().err
    assert main([*argv, "--expand", "0,0,9000,0", "-o", str(out)]) == 2
    assert "8192 px limit" in capsys.readouterr().err


def test_expand_inputs_joins_a_given_mask_to_the_new_area():
    from gencanvas.core.expand import expand_inputs, parse_margins
    from gencanvas.core.plugin_api import PluginInputs

    old = layers()
    hole = np.zeros((30, 40), bool)
    hole[10:12, 10:12] = True
    grown = expand_inputs(PluginInputs(40, 30, old["image"], None, hole), parse_margins("2,0,0,3"))
    assert (grown.width, grown.height) == (42, 33) and grown.sketch is None
    expected = np.ones((33, 42), bool)
    expected[0:30, 2:42] = hole
    np.testing.assert_array_equal(grown.mask, expected)
    np.testing.assert_array_equal(grown.image[0:30, 2:42], old["image"])


def test_expand_inputs_keeps_soft_coverage_and_grows_regions_uncovered():
    from gencanvas.core.expand import expand_inputs
    from gencanvas.core.plugin_api import PluginInputs, Region

    alpha = np.zeros((30, 40), np.float32)
    alpha[10:20, 10:20] = 0.25  # a soft brush's partial coverage
    region = np.ones((30, 40), np.float32)
    inputs = PluginInputs(40, 30, mask=alpha > 0, mask_alpha=alpha, regions=(Region("a fox", region),))
    grown = expand_inputs(inputs, Margins(left=4, bottom=2))
    assert grown.mask_alpha is not None and grown.regions is not None
    assert grown.mask_alpha.shape == (32, 44)
    np.testing.assert_array_equal(grown.mask_alpha[:30, 4:], alpha)  # old coverage exact, not made hard
    assert np.all(grown.mask_alpha[:, :4] == 1) and np.all(grown.mask_alpha[30:, :] == 1)  # the new area
    np.testing.assert_array_equal(grown.mask, grown.mask_alpha > 0)
    (fox,) = grown.regions
    assert fox.prompt == "a fox" and fox.mask.shape == (32, 44)
    assert np.all(fox.mask[:30, 4:] == 1) and not fox.mask[:, :4].any() and not fox.mask[30:].any()
