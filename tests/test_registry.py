"""Plugins are found by dotted name and entry point; a broken one never stops the app."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from gencanvas.core import registry as registry_module
from gencanvas.core.registry import PluginRegistry, default_registry
from gencanvas.plugins.inpaint_classical import ClassicalInpaint


def test_builtins_are_registered_lazily_by_dotted_name():
    reg = default_registry()
    assert reg.targets["inpaint-classical"] == "gencanvas.plugins.inpaint_classical:ClassicalInpaint"
    assert reg.get("inpaint-classical") is ClassicalInpaint


def test_entry_point_plugins_are_added(monkeypatch):
    ep = EntryPoint(
        name="third-party", value="gencanvas.plugins.inpaint_classical:ClassicalInpaint", group="gencanvas.plugins"
    )
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [ep] if group == "gencanvas.plugins" else [])
    reg = default_registry()
    assert "third-party" in reg.ids()
    assert reg.get("third-party") is ClassicalInpaint


def test_broken_plugin_is_reported_not_fatal():
    reg = PluginRegistry()
    reg.register("good", "gencanvas.plugins.inpaint_classical:ClassicalInpaint")
    reg.register("broken", "no_such_module_anywhere:Plugin")
    loaded = reg.load_all()
    assert list(loaded) == ["good"]
    assert "ModuleNotFoundError" in reg.failures["broken"]


def test_unknown_plugin_message_lists_the_available_ones():
    with pytest.raises(KeyError, match="inpaint-classical"):
        default_registry().get("nope")
