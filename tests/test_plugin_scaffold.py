"""``gencanvas plugin new`` writes a package whose own test passes and whose plugin the app loads."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from gencanvas.cli import main
from gencanvas.core.registry import default_registry
from gencanvas.core.settings import plugins_dir
from gencanvas.plugin_api import API_VERSION
from gencanvas.testing import check_plugin


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENCANVAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield tmp_path / "home"
    for name in set(sys.modules) - before:
        if name.startswith("gencanvas_"):
            del sys.modules[name]


def test_writes_pyproject_plugin_module_and_test(tmp_path, capsys):
    assert main(["plugin", "new", "film-grain", "--dest", str(tmp_path)]) == 0
    root = tmp_path / "gencanvas-film-grain"
    assert capsys.readouterr().out.strip() == str(root)
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "gencanvas-film-grain" and "gencanvas" in project["dependencies"]
    assert project["entry-points"]["gencanvas.plugins"] == {"film-grain": "gencanvas_film_grain.plugin:FilmGrain"}
    source = (root / "src" / "gencanvas_film_grain" / "plugin.py").read_text(encoding="utf-8")
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert {m for m in imported if m.startswith("gencanvas")} == {"gencanvas.plugin_api"}
    assert f'api_version = "{API_VERSION}"' in source
    assert "contract_tests(FilmGrain)" in (root / "tests" / "test_plugin.py").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_generated_test_passes_with_the_kit(tmp_path):
    root = tmp_path / "gencanvas-film-grain"
    assert main(["plugin", "new", "film-grain", "--dest", str(tmp_path)]) == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "6 passed" in proc.stdout  # five contract checks and the package's own test


def test_the_package_dropped_into_the_plugins_folder_loads_through_the_registry(home):
    assert main(["plugin", "new", "film-grain", "--dest", str(plugins_dir())]) == 0
    registry = default_registry()
    assert registry.targets["film-grain"] == "gencanvas_film_grain.plugin:FilmGrain"
    assert registry.get("film-grain").title == "Film grain" and not registry.failures
    check_plugin("film-grain", {"strength": 0.3})


@pytest.mark.parametrize(
    ("name", "complaint"), [("Film_Grain", "is not a plugin id"), ("film-grain", "already exists")]
)
def test_a_bad_name_or_an_existing_folder_is_one_line_and_exit_2(tmp_path, capsys, name, complaint):
    (tmp_path / "gencanvas-film-grain").mkdir()
    assert main(["plugin", "new", name, "--dest", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert complaint in err and err.count("\n") == 1


@pytest.mark.slow
def test_the_wheel_pip_builds_from_it_loads_from_the_plugins_folder(home, tmp_path):
    """What the generated README tells installer users: pip wheel, then drop the .whl in."""
    assert main(["plugin", "new", "film-grain", "--dest", str(tmp_path)]) == 0
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(plugins_dir()),
            str(tmp_path / "gencanvas-film-grain"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = plugins_dir().glob("gencanvas_film_grain-*.whl")
    plugin_type = default_registry().get("film-grain")
    assert plugin_type.__module__ == "gencanvas_film_grain.plugin"
    assert sys.modules["gencanvas_film_grain"].__file__.startswith(str(wheel))  # imported from the zip as is
    check_plugin("film-grain")
