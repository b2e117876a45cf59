"""A plugin whose dependency is not installed: importing it fails."""

from __future__ import annotations

import gencanvas_dependency_that_is_not_installed  # noqa: F401
