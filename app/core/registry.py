"""Where plugins come from: the built-in table and the ``gencanvas.plugins`` entry points.

Built-ins are registered exactly like third-party plugins (by dotted name) and imported
only when first asked for, so listing plugins stays cheap and a broken third-party
plugin cannot stop the app from starting.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from gencanvas.core.plugin_api import Plugin
from gencanvas.core.plugin_folder import register_folder_plugins
from gencanvas.core.settings import plugins_dir

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gencanvas.plugins"

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
}


def _import_by_name(target: str) -> type[Plugin]:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


@dataclass
class PluginRegistry:
    """Maps plugin ids to dotted names and caches the classes once imported."""

    targets: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    _classes: dict[str, type[Plugin]] = field(default_factory=dict)

    def register(self, plugin_id: str, target: str | type[Plugin]) -> None:
        """Add a plugin by dotted name ``module:Class`` or by class (tests, scripts)."""
        if isinstance(target, str):
            self.targets[plugin_id] = target
            self._classes.pop(plugin_id, None)
        else:
            self.targets[plugin_id] = f"{target.__module__}:{target.__qualname__}"
            self._classes[plugin_id] = target

    def ids(self) -> list[str]:
        return list(self.targets)

    def get(self, plugin_id: str) -> type[Plugin]:
        if plugin_id not in self.targets:
            raise KeyError(f"No plugin named {plugin_id!r}. Available: {', '.join(self.targets) or 'none'}")
        if plugin_id not in self._classes:
            self._classes[plugin_id] = _import_by_name(self.targets[plugin_id])
        return self._classes[plugin_id]

    def load_all(self) -> dict[str, type[Plugin]]:
        """Import every plugin, keeping the ones that load and recording why others did not."""
        loaded: dict[str, type[Plugin]] = {}
        for plugin_id in self.ids():
            try:
                loaded[plugin_id] = self.get(plugin_id)
            except Exception as exc:  # a third-party plugin must not take the app down
                self.failures[plugin_id] = f"{type(exc).__name__}: {exc}"
                log.warning("plugin %s failed to load: %s", plugin_id, exc)
        return loaded


def default_registry() -> PluginRegistry:
    """Built-ins, every installed ``gencanvas.plugins`` entry point, then the user's plugins folder."""
    registry = PluginRegistry()
    for plugin_id, target in BUILTIN_PLUGINS.items():
        registry.register(plugin_id, target)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in registry.targets:
            log.warning("entry point %s ignored: a built-in plugin has that id", ep.name)
            continue
        registry.register(ep.name, ep.value)
    register_folder_plugins(registry, plugins_dir(), ENTRY_POINT_GROUP)
    return registry
