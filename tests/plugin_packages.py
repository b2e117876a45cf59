"""Small third-party plugin packages written by tests: as a wheel, a project folder or a bare package.

The wheel is laid out by hand (``zipfile``), as a wheel built by pip would be, so the tests
and the frozen-bundle test need no build backend and no network.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

PLUGIN_SOURCE = '''\
"""A third-party test plugin: imports only the public API."""
import numpy as np

from gencanvas.plugin_api import ParamsBase, Plugin, seed, slider


class Params(ParamsBase):
    level: int = slider(200, ge=0, le=255)
    seed: int = seed(0)


class Fill(Plugin):
    id = "{plugin_id}"
    title = "Fill ({plugin_id})"
    api_version = "1.0"
    Params = Params

    def run(self, inputs, params, ctx):
        out = np.full((inputs.height, inputs.width, 3), params.level, np.uint8)
        out[..., 0] = ctx.rng.integers(0, 256)
        ctx.emit(out, 1, 1)
        return out
'''

BROKEN_SOURCE = 'raise ImportError("this plugin needs a library that is not installed")\n'


def entry_points_txt(entries: dict[str, str]) -> str:
    return "[gencanvas.plugins]\n" + "".join(f"{name} = {target}\n" for name, target in entries.items())


def write_wheel(folder: Path, module: str, plugin_id: str, source: str | None = None) -> Path:
    """``<module>-0.1-py3-none-any.whl`` with one plugin module and its entry point."""
    dist_info = f"{module}-0.1.dist-info"
    files = {
        f"{module}/__init__.py": "",
        f"{module}/plugin.py": source if source is not None else PLUGIN_SOURCE.format(plugin_id=plugin_id),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\nRequires-Dist: gencanvas\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist_info}/entry_points.txt": entry_points_txt({plugin_id: f"{module}.plugin:Fill"}),
    }
    files[f"{dist_info}/RECORD"] = "".join(f"{name},,\n" for name in [*files, f"{dist_info}/RECORD"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{module}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def write_project(folder: Path, module: str, plugin_id: str) -> Path:
    """A project folder, src layout, with the entry point in its pyproject.toml."""
    project = folder / module
    (project / "src" / module).mkdir(parents=True)
    (project / "src" / module / "__init__.py").write_text("", encoding="utf-8")
    (project / "src" / module / "plugin.py").write_text(PLUGIN_SOURCE.format(plugin_id=plugin_id), encoding="utf-8")
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "{module}"\nversion = "0.2"\ndependencies = ["gencanvas"]\n\n'
        f'[project.entry-points."gencanvas.plugins"]\n{plugin_id} = "{module}.plugin:Fill"\n',
        encoding="utf-8",
    )
    return project


def write_package(folder: Path, module: str, plugin_id: str) -> Path:
    """A bare package folder with an ``entry_points.txt`` beside its ``__init__.py``."""
    package = folder / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "plugin.py").write_text(PLUGIN_SOURCE.format(plugin_id=plugin_id), encoding="utf-8")
    (package / "entry_points.txt").write_text(entry_points_txt({plugin_id: f"{module}.plugin:Fill"}), encoding="utf-8")
    return package
