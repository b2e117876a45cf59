"""Real checkpoints, when the machine has some: set GENCANVAS_SD_MODELS to a models folder.

Skipped everywhere else (no SD weights ship with GenCanvas and none can be downloaded).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gencanvas.models.sd.scan import scan_models

FOLDER = os.environ.get("GENCANVAS_SD_MODELS")
pytestmark = pytest.mark.real_weights


@pytest.mark.skipif(not FOLDER, reason="GENCANVAS_SD_MODELS is not set")
def test_every_real_checkpoint_loads_offline_and_samples_two_steps():
    import torch

    from gencanvas.models.sd.generate import decode_latents, sample_latents
    from gencanvas.models.sd.loading import load_checkpoint

    configs = Path(__file__).resolve().parents[1] / "resources" / "sd_configs"
    checkpoints = [m for m in scan_models(Path(FOLDER)) if m.kind == "checkpoint" and not m.inpaint]
    assert checkpoints, f"no checkpoint in {FOLDER}"
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    for info in checkpoints:
        pipe = load_checkpoint(info, configs, dtype).to(device)
        call = {"prompt": "a red apple on a table", "num_inference_steps": 2, "height": 256, "width": 256}
        image = decode_latents(pipe, sample_latents(pipe, call, scheduler="dpm++", on_step=None))
        assert image.shape == (256, 256, 3) and image.std() > 1, info.name
        assert np.isfinite(image).all()
        del pipe
