"""Built-in generators, one module each: written against gencanvas.plugin_api like any third-party
plugin, plus gencanvas.models and their own support modules (and app resources/settings that only
built-ins have)."""
