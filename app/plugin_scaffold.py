"""``gencanvas plugin new NAME``: write a ready plugin package, so a first plugin starts from working code.

The package is what plugins/README.md describes, and nothing more: a ``pyproject.toml``
that depends on ``gencanvas`` and declares the ``gencanvas.plugins`` entry point, one
plugin module that imports only the public ``gencanvas.plugin_api``, and a test that runs
the contract checks from ``gencanvas.testing``. It works three ways unchanged: ``pip
install -e .`` for development, ``pytest`` in its folder, and dropped as a folder (or as
the wheel ``pip wheel .`` builds) into the per-user plugins folder of an installed app.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from string import Template

from gencanvas.plugin_api import API_VERSION

NAME_PATTERN = r"[a-z][a-z0-9]*(-[a-z0-9]+)*"

PYPROJECT = Template("""\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "$title: a GenCanvas plugin"
requires-python = ">=3.10"
dependencies = ["gencanvas", "numpy"]  # plugin API $api_version: see $module.plugin.$cls.api_version

[project.optional-dependencies]
test = ["pytest>=8"]

# How GenCanvas finds the plugin: installed (pip), or dropped into its plugins folder.
[project.entry-points."gencanvas.plugins"]
$name = "$module.plugin:$cls"

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
testpaths = ["tests"]
""")

PLUGIN = Template('''\
"""$title: a GenCanvas plugin. Imports only the public API, gencanvas.plugin_api."""

from __future__ import annotations

import numpy as np

from gencanvas.plugin_api import InputKind, ParamsBase, Plugin, PluginInputs, RunContext, seed, slider


class ${cls}Params(ParamsBase):
    """The panel form, the CLI's --param and the PNG metadata all come from this schema."""

    strength: float = slider(0.5, ge=0.0, le=1.0, step=0.05, description="How much grain to add")
    seed: int = seed(0)


class $cls(Plugin):
    """Adds seeded film grain to the photo, streaming it band by band."""

    id = "$name"
    title = "$title"
    description = "Film grain over the photo: a starting point for your own plugin."
    api_version = "$api_version"  # the gencanvas.plugin_api version this plugin is written against
    inputs = frozenset({InputKind.IMAGE})
    Params = ${cls}Params
    interactive = True  # cheap enough to re-run live while the slider moves

    def run(self, inputs: PluginInputs, params: ${cls}Params, ctx: RunContext) -> np.ndarray:
        image = inputs.require(InputKind.IMAGE).astype(np.float32)
        grain = ctx.rng.normal(0.0, 64.0 * params.strength, image.shape[:2])[..., None]
        out = image.copy()
        bands = np.array_split(np.arange(image.shape[0]), 4)
        for step, rows in enumerate(bands, start=1):  # ctx.emit streams a frame and checks for Cancel
            out[rows] = image[rows] + grain[rows]
            ctx.emit(out.clip(0, 255).astype(np.uint8), step, len(bands))
        return out.clip(0, 255).astype(np.uint8)
''')

TEST = Template('''\
"""The contract every GenCanvas plugin passes (gencanvas.testing), plus this plugin's own behaviour."""

import numpy as np

from gencanvas.testing import ContractCase, contract_tests, run_plugin, tiny_inputs
from $module.plugin import $cls

# One line: frames in order, cancel within one emit, same seed same image, valid defaults, no thread left.
TestContract = contract_tests($cls)


def test_no_strength_leaves_the_photo_unchanged():
    result, frames = run_plugin(ContractCase.of($cls, {"strength": 0.0}))
    assert len(frames) == 4
    np.testing.assert_array_equal(result, tiny_inputs($cls).image)
''')

README = Template("""\
# $dist

$title, a GenCanvas plugin (plugin id `$name`). Edit `src/$module/plugin.py`.

    pip install -e ".[test]"   # into the environment that has gencanvas
    pytest                     # the plugin contract from gencanvas.testing, and your tests
    gencanvas plugins          # lists $name
    gencanvas generate --plugin $name --image photo.png -o out.png
    gencanvas                  # the app, with $name in the panel

For the installed app (no pip): drop this folder, or the wheel from `pip wheel --no-deps .`,
into the plugins folder shown in GenCanvas's *Settings*, and restart the app.
""")


def package_names(name: str) -> dict[str, str]:
    """Plugin id ``my-filter`` → distribution ``gencanvas-my-filter``, module ``gencanvas_my_filter``, class."""
    parts = name.split("-")
    return {
        "name": name,
        "dist": f"gencanvas-{name}",
        "module": "gencanvas_" + "_".join(parts),
        "cls": "".join(part.capitalize() for part in parts),
        "title": " ".join(parts).capitalize(),
        "api_version": API_VERSION,
    }


def write_plugin_package(name: str, dest: Path) -> Path:
    """Write the package for plugin id ``name`` into ``dest/gencanvas-<name>``; returns that folder."""
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValueError(f"{name!r} is not a plugin id: use lowercase letters, digits and hyphens, like my-filter")
    names = package_names(name)
    root = dest / names["dist"]
    if root.exists():
        raise FileExistsError(f"{root} already exists; choose another name or folder")
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"src/{names['module']}/__init__.py": Template('"""$title: a GenCanvas plugin."""\n'),
        f"src/{names['module']}/plugin.py": PLUGIN,
        "tests/test_plugin.py": TEST,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.substitute(names), encoding="utf-8")
    return root


def cmd_plugin(argv: list[str]) -> int:
    """``gencanvas plugin new NAME [--dest DIR]``; exit 2 with one line for a bad name or folder."""
    parser = argparse.ArgumentParser(prog="gencanvas plugin", description="Tools for plugin authors.")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="write a ready plugin package: pyproject, plugin module, test")
    new.add_argument("name", help="plugin id, lowercase with hyphens, e.g. my-filter")
    new.add_argument("--dest", type=Path, default=Path(), help="folder to create the package in (default: here)")
    args = parser.parse_args(argv)
    try:
        root = write_plugin_package(args.name, args.dest)
    except (ValueError, OSError) as exc:
        print(f"gencanvas: {exc}", file=sys.stderr)
        return 2
    print(root)
    return 0
