"""Plugins for the installed app: wheels and folders dropped into the per-user plugins folder.

A frozen bundle has no site-packages, so ``pip install`` cannot add a plugin to it. Instead
a plugin package is dropped into the plugins folder (``settings.plugins_dir()``) as

* a wheel (``.whl``) of a pure-Python package: put on ``sys.path`` as is (Python imports
  from zip files), its entry points read from the wheel's ``*.dist-info``;
* a project folder with a ``pyproject.toml`` declaring ``[project.entry-points."gencanvas.plugins"]``
  (what ``gencanvas plugin new`` writes); its ``src/`` (or the folder itself) goes on ``sys.path``;
* a folder holding installed packages and their ``*.dist-info`` (``pip install --target``);
* a bare package folder with an ``entry_points.txt`` beside its ``__init__.py``, in the
  same format as a wheel's.

Reading an entry means reading one small metadata file: nothing is imported, so building
the registry stays cheap and a broken plugin only fails when it is loaded. The entry
points join the same registry as installed ones and load and fail the same way; an entry
that cannot be read is reported under its file name like a plugin that fails to import.
Folder paths are appended to ``sys.path``, so a plugin cannot shadow the app's modules.
"""

from __future__ import annotations

import configparser
import logging
import sys
from dataclasses import dataclass, field
from importlib.metadata import distributions
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class PluginRegistry(Protocol):
    """What this module needs of the registry (gencanvas.core.registry imports this module, not back)."""

    targets: dict[str, str]
    failures: dict[str, str]

    def register(self, plugin_id: str, target: str, *, package: str | None, version: str | None) -> None: ...


@dataclass(frozen=True)
class FolderEntry:
    """One wheel or folder in the plugins folder: what it adds to ``sys.path`` and its plugins."""

    source: Path
    import_path: Path | None = None
    plugins: dict[str, str] = field(default_factory=dict)  # plugin id -> "module:Class"
    distribution: str | None = None
    version: str | None = None
    error: str | None = None


def scan(folder: Path, group: str) -> list[FolderEntry]:
    """Every plugin package in ``folder`` (sorted by name); unreadable ones carry an ``error``."""
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or not (path.is_dir() or path.suffix == ".whl"):
            continue  # hidden files, __pycache__, a README beside the plugins
        try:
            entry = _read_entry(path, group)
        except Exception as exc:  # a broken archive or metadata file must not stop the app
            entry = FolderEntry(path, error=f"{path.name} could not be read: {type(exc).__name__}: {exc}")
        if not entry.error and not entry.plugins:
            entry = FolderEntry(path, error=f"{path.name} declares no {group!r} entry point")
        entries.append(entry)
    return entries


def _read_entry(path: Path, group: str) -> FolderEntry:
    if path.suffix == ".whl" or any(path.glob("*.dist-info")):
        return _from_dist_info(path, group)
    if (path / "pyproject.toml").is_file():
        return _from_pyproject(path, group)
    if (path / "entry_points.txt").is_file():
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # ids keep their case
        parser.read(path / "entry_points.txt", encoding="utf-8")
        plugins = dict(parser[group]) if parser.has_section(group) else {}
        return FolderEntry(path, path.parent, plugins, distribution=path.name)
    return FolderEntry(
        path, error=f"{path.name} has no plugin metadata (a pyproject.toml, a *.dist-info or an entry_points.txt)"
    )


def _from_dist_info(path: Path, group: str) -> FolderEntry:
    """A wheel or a ``pip install --target`` folder: importlib.metadata reads both in place."""
    dists = list(distributions(path=[str(path)]))
    if not dists:
        return FolderEntry(path, error=f"{path.name} has no *.dist-info metadata")
    plugins = {ep.name: ep.value for dist in dists for ep in dist.entry_points.select(group=group)}
    dist = dists[0]
    return FolderEntry(path, path, plugins, dist.metadata["Name"], dist.version)


def _from_pyproject(path: Path, group: str) -> FolderEntry:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # tomllib's original, a dependency on Python 3.10 only
        import tomli as tomllib
    project = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    plugins = dict(project.get("entry-points", {}).get(group, {}))
    import_path = path / "src" if (path / "src").is_dir() else path
    return FolderEntry(path, import_path, plugins, project.get("name"), project.get("version"))


def register_folder_plugins(registry: PluginRegistry, folder: Path, group: str) -> list[FolderEntry]:
    """Add the folder's plugins to ``registry`` (unimported) and their paths to ``sys.path``."""
    entries = scan(folder, group)
    for entry in entries:
        if entry.error:
            registry.failures[entry.source.name] = entry.error
            log.warning("plugin folder entry %s: %s", entry.source, entry.error)
            continue
        if entry.import_path is not None and str(entry.import_path) not in sys.path:
            sys.path.append(str(entry.import_path))
        for plugin_id, target in entry.plugins.items():
            if registry.targets.get(plugin_id) == target:
                continue  # already found as an installed entry point (a wheel on sys.path is one)
            if plugin_id in registry.targets:
                why = f"plugin id {plugin_id!r} from {entry.source.name} is taken by {registry.targets[plugin_id]}"
                registry.failures[f"{plugin_id} ({entry.source.name})"] = why
                log.warning("%s", why)
                continue
            registry.register(plugin_id, target, package=entry.distribution, version=entry.version)
    return entries
