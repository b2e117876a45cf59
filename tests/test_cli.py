"""`gencanvas generate`, `gencanvas plugins` and `gencanvas --self-test`, as a script would use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gencanvas.cli import main
from gencanvas.core.image_io import load_image, read_metadata

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def photo_and_mask(tmp_path):
    photo = np.full((40, 60, 3), (30, 160, 220), np.uint8)
    photo[10:20, 20:30] = 0
    mask = np.zeros((40, 60), np.uint8)
    mask[10:20, 20:30] = 255
    Image.fromarray(photo).save(tmp_path / "photo.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    return tmp_path / "photo.png", tmp_path / "mask.png"


def test_plugins_lists_ids_and_parameters(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "inpaint-classical" in out and "radius=5" in out and "[1..50]" in out


def test_plugins_json_is_machine_readable(capsys):
    assert main(["plugins", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["inpaint-classical"]["inputs"] == ["image", "mask"]
    assert listing["inpaint-classical"]["params"]["properties"]["method"]["enum"] == ["telea", "navier-stokes"]


def test_generate_writes_png_with_metadata(tmp_path, photo_and_mask, capsys):
    photo, mask = photo_and_mask
    out = tmp_path / "out.png"
    code = main(
        [
            "generate",
            "--plugin",
            "inpaint-classical",
            "--image",
            str(photo),
            "--mask",
            str(mask),
            "--param",
            "radius=7",
            "--param",
            "method=navier-stokes",
            "-q",
            "-o",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["frames_sent"] == 1
    result = load_image(out).rgb
    assert np.abs(result[12:18, 22:28].astype(int) - (30, 160, 220)).max() < 10
    metadata = read_metadata(out)
    assert metadata.plugin_id == "inpaint-classical"
    assert metadata.params == {"method": "navier-stokes", "radius": 7, "grow_mask": 2, "feather": 0}
    assert Image.open(out).info["parameters"].startswith("Inpaint (classical)")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "radius=500"], "less than or equal to 50"),
        (["--param", "colour=red"], "unknown parameter 'colour'"),
        (["--param", "radius"], "key=value"),
    ],
)
def test_bad_parameters_exit_2_with_a_message(tmp_path, photo_and_mask, capsys, extra, message):
    photo, mask = photo_and_mask
    code = main(
        [
            "generate",
            "--plugin",
            "inpaint-classical",
            "--image",
            str(photo),
            "--mask",
            str(mask),
            *extra,
            "-o",
            str(tmp_path / "o.png"),
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


def test_unknown_plugin_and_missing_mask(tmp_path, photo_and_mask, capsys):
    photo, _ = photo_and_mask
    assert main(["generate", "--plugin", "nope", "-o", str(tmp_path / "o.png")]) == 2
    assert "No plugin named 'nope'" in capsys.readouterr().err
    assert (
        main(["generate", "--plugin", "inpaint-classical", "--image", str(photo), "-o", str(tmp_path / "o.png")]) == 2
    )
    assert "Inpaint (classical) needs a mask: give one with --mask" in capsys.readouterr().err


def test_corrupt_input_image_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    assert main(["generate", "--plugin", "inpaint-classical", "--image", str(bad), "-o", str(tmp_path / "o.png")]) == 2
    assert "bad.png" in capsys.readouterr().err


@pytest.mark.slow
def test_self_test_runs_every_plugin_and_exits_0(tmp_path):
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "GENCANVAS_HOME": str(tmp_path)}
    env["TMPDIR"] = str(tmp_path)  # its images go to a fresh temporary folder: this test's, not the machine's
    proc = subprocess.run(
        [sys.executable, "-m", "gencanvas", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok   inpaint-classical" in proc.stdout and "self-test passed" in proc.stdout
    assert list(tmp_path.glob("gencanvas-selftest-*/inpaint-classical.png"))
