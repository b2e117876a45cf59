"""Honest domains through the real window: what a model knows, prompts it does not, canvases it cannot paint."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from gencanvas.core.resources import resource_path
from gencanvas.qt.canvas import Layer
from gencanvas.qt.image_convert import qimage_from_array

JOB_MS = 120_000  # loads MiniLM and a bundled model on a shared CPU
WEIGHTS = resource_path("weights")
needs_bundled = pytest.mark.skipif(
    not all((WEIGHTS / name / "model.safetensors").exists() for name in ("emoji", "fashion", "emoji-classifier")),
    reason="needs the bundled diffusion models",
)


def generate_and_wait(qtbot, window):
    with qtbot.waitSignal(window.generation.resultCommitted, timeout=JOB_MS) as blocker:
        qtbot.mouseClick(window.panel.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


@needs_bundled
def test_the_panel_says_what_the_chosen_model_knows_and_completes_its_captions(window):
    window.panel.set_plugin("diffusion-txt2img")
    assert "emoji" in window.panel.summary.text() and "64×64" in window.panel.summary.text()
    combo = window.panel.current_form().editor("model").widget
    combo.setCurrentIndex(combo.findData("fashion"))  # as the artist picks it
    summary = window.panel.summary.text()
    assert "Fashion-MNIST" in summary and "32×32 greyscale" in summary and "10 known prompts" in summary
    completer = window.panel.current_form().editor("prompt").widget.property("completer")
    completer.setCompletionPrefix("boo")
    assert completer.currentCompletion() == "ankle boot"  # matches inside the caption, not only its start
    window.panel.set_plugin("stylegan-edit")
    combo = window.panel.current_form().editor("model").widget
    combo.setCurrentIndex(combo.findData("stylegan-fashion"))
    assert "32×32 greyscale" in window.panel.summary.text()  # not its feature-map list read as colour channels
    combo = window.panel.current_form().editor("model").widget  # the form was rebuilt for fashion's sliders
    combo.setCurrentIndex(combo.findData("stylegan-emoji-faces"))
    assert window.panel.summary.text().startswith("Knows: emoji faces") and "64×64 RGB" in window.panel.summary.text()
    window.panel.set_plugin("inpaint-classical")
    assert not window.panel.summary.isVisibleTo(window.panel)  # plugins without a model show no line


@needs_bundled
def test_a_prompt_outside_the_vocabulary_gets_a_notice_naming_known_prompts_and_still_runs(qtbot, window):
    window.panel.restore(
        "diffusion-txt2img", {"model": "fashion", "prompt": "a red sports car", "steps": 2, "batch": 1}
    )
    entry = generate_and_wait(qtbot, window)
    assert entry.metadata.plugin_id == "diffusion-txt2img"
    status = window.status.message.text()
    assert "“a red sports car” is far from everything the fashion model was trained on" in status
    assert status.count("”, “") == 2  # three nearest known prompts
    window.panel.restore("diffusion-txt2img", {"model": "fashion", "prompt": "sneaker", "steps": 2, "batch": 1})
    generate_and_wait(qtbot, window)
    assert "far from everything" not in window.status.message.text()


@needs_bundled
def test_inpaint_diffusion_on_a_photo_warns_that_the_canvas_is_out_of_domain(qtbot, window):
    photo = np.array(Image.open(resource_path("samples") / "astronaut.png").convert("RGB").resize((128, 128)))
    window.new_document(128, 128)
    window.canvas.replace_photo(qimage_from_array(np.ascontiguousarray(photo)))
    window.canvas.paint_stroke(Layer.MASK, [QPointF(40, 64), QPointF(90, 64)], 16, QColor("white"))
    params = {"model": "emoji", "steps": 5, "resamples": 1, "jump_length": 1, "prompt": ""}
    window.panel.restore("diffusion-inpaint", params)
    generate_and_wait(qtbot, window)
    status = window.status.message.text()
    assert "looks unlike anything the emoji model knows" in status and "Inpaint (classical)" in status
    emoji = np.full((128, 128, 3), 255, np.uint8)  # a white page: what emoji glyphs sit on
    window.canvas.replace_photo(qimage_from_array(emoji))
    generate_and_wait(qtbot, window)
    assert "looks unlike" not in window.status.message.text()
