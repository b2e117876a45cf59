"""GenerationMetadata: the summary other tools read and the JSON GenCanvas reads back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from gencanvas import __version__
from gencanvas.core.metadata import GenerationMetadata, decode_user_comment, encode_user_comment, format_summary


def make_metadata(**params: object) -> GenerationMetadata:
    base = {"prompt": "a red fox in snow", "negative_prompt": "blurry", "steps": 20, "seed": 42}
    return GenerationMetadata.create("builtin.txt2img", base | params, title="Text to image")


def test_summary_follows_the_a1111_parameters_layout() -> None:
    lines = make_metadata().summary.split("\n")

    assert lines[0] == "a red fox in snow"
    assert lines[1] == "Negative prompt: blurry"
    assert lines[2] == f"Steps: 20, Seed: 42, Plugin: builtin.txt2img, Version: GenCanvas {__version__}"


def test_summary_starts_with_the_title_when_there_is_no_prompt() -> None:
    summary = format_summary({"radius": 3}, title="Blur", plugin_id="builtin.blur")

    assert summary.split("\n") == ["Blur", f"Radius: 3, Plugin: builtin.blur, Version: GenCanvas {__version__}"]


def test_summary_quotes_values_that_would_break_the_settings_line() -> None:
    summary = format_summary({"style": "ink, wash", "cfg_scale": 7.5, "size": [512, 768]}, title="T")

    assert 'Style: "ink, wash"' in summary
    assert "Cfg scale: 7.5" in summary
    assert "Size: [512, 768]" in summary


def test_json_round_trip_gives_an_equal_record() -> None:
    original = make_metadata(strength=0.75, tiled=True, note=None)

    restored = GenerationMetadata.from_json(original.to_json())

    assert restored == original
    assert restored.app_version == __version__


def test_json_is_ascii_yet_keeps_non_ascii_prompts() -> None:
    original = make_metadata(prompt="雪の中の狐 🦊")

    text = original.to_json()

    assert text.isascii()
    assert GenerationMetadata.from_json(text).params["prompt"] == "雪の中の狐 🦊"


def test_json_stores_values_json_lacks_in_their_nearest_form() -> None:
    original = make_metadata(init=Path("/tmp/in.png"), size=(512, 512), scale=np.float32(0.5), count=np.int64(3))

    params = GenerationMetadata.from_json(original.to_json()).params

    assert params["init"] == str(Path("/tmp/in.png"))
    assert params["size"] == [512, 512]
    assert params["scale"] == 0.5
    assert params["count"] == 3


def test_json_records_a_format_version_for_future_migrations() -> None:
    assert json.loads(make_metadata().to_json())["format"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "must be a JSON object, not list"),
        ('{"plugin_id": "x", "params": {}}', "missing summary, app_version"),
        ('{"plugin_id": 1, "params": [], "summary": "s", "app_version": "v"}', "wrong type for plugin_id, params"),
    ],
)
def test_from_json_explains_what_is_wrong(text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        GenerationMetadata.from_json(text)


def test_from_json_ignores_unknown_keys_from_newer_versions() -> None:
    record = json.loads(make_metadata().to_json()) | {"future_field": {"x": 1}}

    assert GenerationMetadata.from_json(json.dumps(record)) == make_metadata()


def test_metadata_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_metadata().summary = "changed"  # type: ignore[misc]


def test_user_comment_encoding_round_trips_ascii_and_unicode() -> None:
    assert encode_user_comment("fox").startswith(b"ASCII\0\0\0")
    assert encode_user_comment("狐").startswith(b"UNICODE\0")
    assert decode_user_comment(encode_user_comment("狐, fox")) == "狐, fox"
    assert decode_user_comment(b"UNICODE\0" + "fox".encode("utf-16-le")) == "fox"
