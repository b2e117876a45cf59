"""Where plugins come from: the built-in table and the ``gencanvas.plugins`` entry points.

Built-ins are registered exactly like third-party plugins (by dotted name) and imported
only when first asked for, so listing plugins stays cheap and a broken third-party
plugin cannot stop the app from starting. Loading checks the class before anything may
run it: it must be a complete Plugin, written for a plugin API this app offers, with
defaults its own schema accepts. A plugin that fails any check is recorded in
``failures`` with a one-line reason, exactly like one that fails to import.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from gencanvas import __version__
from gencanvas.core.param_values import defaults_problem
from gencanvas.core.plugin_api import API_VERSION, Plugin, PluginError
from gencanvas.core.plugin_folder import register_folder_plugins
from gencanvas.core.settings import plugins_dir

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gencanvas.plugins"
BUILTIN_PACKAGE = "gencanvas"

BUILTIN_PLUGINS: dict[str, str] = {
    "inpaint-classical": "gencanvas.plugins.inpaint_classical:ClassicalInpaint",
    "diffusion-txt2img": "gencanvas.plugins.diffusion_txt2img:DiffusionTextToImage",
    "diffusion-inpaint": "gencanvas.plugins.diffusion_inpaint:DiffusionInpaint",
    "vae-interpolate": "gencanvas.plugins.vae_interpolate:VAEInterpolate",
    "vae-latent-grid": "gencanvas.plugins.vae_latent_grid:VAELatentGrid",
    "sketch-to-photo": "gencanvas.plugins.pix2pix_sketch:SketchToPhoto",
    "stylegan-edit": "gencanvas.plugins.stylegan_edit:StyleGANEdit",
    "sd-txt2img": "gencanvas.plugins.sd_txt2img:SDTextToImage",
    "sd-img2img": "gencanvas.plugins.sd_img2img:SDImageToImage",
    "sd-inpaint": "gencanvas.plugins.sd_inpaint:SDInpaint",
    "sd-controlnet": "gencanvas.plugins.sd_controlnet:SDControlNet",
    "upscale": "gencanvas.plugins.upscale:Upscale",
    "upscale-hires": "gencanvas.plugins.upscale_hires:HiresFix",
    "sd-live": "gencanvas.plugins.sd_live:SDLivePainting",
}


class PluginLoadError(PluginError):
    """A plugin that could not be imported or was refused; the message is one line for the user."""


def _parse_version(text: str) -> tuple[int, int] | None:
    parts = text.split(".") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def api_problem(required: str, offered: str = API_VERSION) -> str | None:
    """Why a plugin written for API ``required`` cannot run on ``offered``, or None.

    Compatible means the same major version and a minor version no newer than offered:
    minor releases only add, so a 1.0 plugin runs on 1.3, but a 1.3 plugin may use what 1.0 lacks.
    """
    wanted, have = _parse_version(required), _parse_version(offered)
    if wanted is None or have is None:
        return f"it declares plugin API version {required!r}, which is not MAJOR.MINOR such as {API_VERSION}"
    if wanted[0] < have[0]:
        return f"it needs plugin API {required}, but this GenCanvas offers {offered} (the plugin needs an update)"
    if wanted[0] > have[0] or wanted[1] > have[1]:
        return f"it needs plugin API {required}, but this GenCanvas offers {offered} (a newer GenCanvas runs it)"
    return None


def class_problem(target: Any) -> str | None:
    """Why ``target`` cannot be offered as a plugin, or None when it passes every load-time check."""
    if not (isinstance(target, type) and issubclass(target, Plugin)):
        return f"{target!r} is not a Plugin subclass"
    if inspect.isabstract(target):
        return f"{target.__name__} does not implement run()"
    missing = [name for name in ("id", "title") if not isinstance(getattr(target, name, None), str)]
    if missing:
        return f"{target.__name__} does not declare {' and '.join(missing)}"
    return api_problem(target.api_version) or defaults_problem(target)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _import_by_name(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin comes from: its ``module:Class`` and the distribution that provides it."""

    target: str
    package: str | None = None
    version: str | None = None


@dataclass
class PluginRegistry:
    """Maps plugin ids to dotted names and caches the classes once imported and checked."""

    targets: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    sources: dict[str, PluginSource] = field(default_factory=dict)
    refused: dict[str, type[Plugin[Any]]] = field(default_factory=dict)  # imported, but failed a check
    _given: dict[str, type[Plugin[Any]]] = field(default_factory=dict)
    _classes: dict[str, type[Plugin[Any]]] = field(default_factory=dict)

    def register(
        self,
        plugin_id: str,
        target: str | type[Plugin[Any]],
        *,
        package: str | None = None,
        version: str | None = None,
    ) -> None:
        """Add a plugin by dotted name ``module:Class`` or by class (tests, scripts).

        Nothing is imported or checked here; that happens on the first :meth:`get`.
        """
        self._classes.pop(plugin_id, None)
        self._given.pop(plugin_id, None)
        self.failures.pop(plugin_id, None)
        self.refused.pop(plugin_id, None)
        if isinstance(target, str):
            name = target
        else:
            name = f"{target.__module__}:{target.__qualname__}"
            self._given[plugin_id] = target
        self.targets[plugin_id] = name
        self.sources[plugin_id] = PluginSource(name, package, version)

    def ids(self) -> list[str]:
        return list(self.targets)

    def source(self, plugin_id: str) -> PluginSource:
        return self.sources.get(plugin_id, PluginSource(self.targets[plugin_id]))

    def get(self, plugin_id: str) -> type[Plugin[Any]]:
        """The checked plugin class; raises KeyError for an unknown id and PluginLoadError for a broken one."""
        if plugin_id not in self.targets:
            raise KeyError(f"No plugin named {plugin_id!r}. Available: {', '.join(self.targets) or 'none'}")
        if plugin_id not in self._classes and plugin_id not in self.failures:
            target: Any = None
            try:
                target = self._given.get(plugin_id) or _import_by_name(self.targets[plugin_id])
                problem = class_problem(target)
            except Exception as exc:  # a third-party plugin must not take the app down
                problem = _one_line(exc)
            if problem is None:
                self._classes[plugin_id] = target
            else:
                if isinstance(target, type) and issubclass(target, Plugin):
                    self.refused[plugin_id] = target  # so a listing can still show what it declared
                self.failures[plugin_id] = problem
                log.warning("plugin %s failed to load: %s", plugin_id, problem)
        if plugin_id in self.failures:
            raise PluginLoadError(f"The plugin {plugin_id!r} failed to load: {self.failures[plugin_id]}")
        return self._classes[plugin_id]

    def load_all(self) -> dict[str, type[Plugin[Any]]]:
        """Import every plugin, keeping the ones that load and recording why others did not."""
        loaded: dict[str, type[Plugin[Any]]] = {}
        for plugin_id in self.ids():
            with contextlib.suppress(PluginLoadError):  # recorded in failures
                loaded[plugin_id] = self.get(plugin_id)
        return loaded


def default_registry() -> PluginRegistry:
    """Built-ins, every installed ``gencanvas.plugins`` entry point, then the user's plugins folder."""
    registry = PluginRegistry()
    for plugin_id, target in BUILTIN_PLUGINS.items():
        registry.register(plugin_id, target, package=BUILTIN_PACKAGE, version=__version__)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in registry.targets:
            log.warning("entry point %s ignored: a built-in plugin has that id", ep.name)
            continue
        dist = getattr(ep, "dist", None)
        registry.register(
            ep.name,
            ep.value,
            package=dist.name if dist is not None else None,
            version=dist.version if dist is not None else None,
        )
    register_folder_plugins(registry, plugins_dir(), ENTRY_POINT_GROUP)
    return registry
