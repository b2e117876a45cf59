"""gencanvas.models.domain: what a model folder says it knows, and which classifier judges its canvases."""

from __future__ import annotations

import json

import numpy as np

from gencanvas.models.domain import (
    DOMAIN_FILE,
    classifier_folder,
    domain_of,
    fit_domain_stats,
    model_summary,
    off_domain_message,
)


def test_a_narrower_domain_is_named_as_such_and_judged_by_its_parents_classifier(tmp_path) -> None:
    folder = tmp_path / "weights" / "stylegan-emoji-faces"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(
        json.dumps({"kind": "stylegan", "image_size": 64, "channels_out": 3, "channels": [64, 64, 32, 16, 8]})
    )
    assert domain_of(folder) == "emoji-faces"
    assert classifier_folder(folder) == tmp_path / "weights" / "emoji-classifier"
    assert classifier_folder(tmp_path / "weights" / "vae-fashion") == tmp_path / "weights" / "fashion-classifier"
    summary = model_summary(folder)
    assert summary is not None and summary.startswith("Knows: emoji faces")
    assert "64×64 RGB" in summary and "learned latent space" in summary


def test_a_photo_is_off_the_faces_domain_through_the_emoji_statistics(tmp_path) -> None:
    rng = np.random.default_rng(0)
    glyphs = np.full((40, 16, 16, 3), 255, np.uint8)  # white backgrounds with a yellow disc of varying size
    yy, xx = np.mgrid[:16, :16]
    for image, radius in zip(glyphs, rng.uniform(4, 7, len(glyphs)), strict=True):
        image[(yy - 7.5) ** 2 + (xx - 7.5) ** 2 < radius**2] = (250, 200, 40)
    emoji_classifier = tmp_path / "emoji-classifier"
    emoji_classifier.mkdir()
    (emoji_classifier / DOMAIN_FILE).write_text(json.dumps(fit_domain_stats(glyphs[:30], glyphs[30:])))
    faces = tmp_path / "stylegan-emoji-faces"
    assert off_domain_message(faces, glyphs[35]) is None
    photo = rng.integers(0, 120, (16, 16, 3), dtype=np.uint8)  # dark and textured, nothing like a glyph
    message = off_domain_message(faces, photo)
    assert message is not None and "emoji-faces model" in message and "Inpaint (classical)" in message
