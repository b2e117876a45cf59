"""Everything installs under one import package, ``gencanvas``, mapped from the card's folders."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build_scripts"))
import package_tree  # noqa: E402


def test_pyproject_lists_every_package_folder_and_nothing_else():
    listed = {path.resolve() for path in package_tree.package_dirs().values()}
    on_disk = {
        init.parent.resolve() for top in ("app", "models", "plugins") for init in (ROOT / top).rglob("__init__.py")
    }
    assert listed == on_disk


def test_package_tree_mirrors_the_mapping(tmp_path):
    tree = package_tree.build(tmp_path / "tree")
    assert (tree / "gencanvas" / "__init__.py").resolve() == (ROOT / "app" / "__init__.py").resolve()
    assert (tree / "gencanvas" / "models" / "vae" / "network.py").resolve() == (ROOT / "models" / "vae" / "network.py")
    assert (tree / "gencanvas" / "plugins" / "inpaint_classical.py").exists()
    assert sorted(p.name for p in tree.iterdir()) == ["gencanvas"]


def test_installed_modules_come_from_the_checkout():
    import gencanvas
    import gencanvas.models
    import gencanvas.plugins

    assert Path(gencanvas.__file__).resolve() == ROOT / "app" / "__init__.py"
    assert Path(gencanvas.models.__file__).resolve() == ROOT / "models" / "__init__.py"
    assert Path(gencanvas.plugins.__file__).resolve() == ROOT / "plugins" / "__init__.py"


@pytest.mark.slow
def test_wheel_has_one_top_level_package(tmp_path):
    """No generic `app`, `models` or `plugins` lands in site-packages beside other projects."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("gencanvas-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"gencanvas"}
    assert "gencanvas/plugins/README.md" in archive.namelist()
