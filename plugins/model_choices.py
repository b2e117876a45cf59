"""Parameter schemas whose model drop-downs list what the folders hold now, not at start.

A plugin's ``Params`` is built when it is loaded, with the models there were then. Its
``params_for`` returns :func:`with_choices` of that class and the current names: the same
class while nothing changed (so the panel rebuilds nothing), a subclass with the new
options after a model was added or removed (so the panel rebuilds the form in place).
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from pydantic import BaseModel, create_model

from gencanvas.plugin_api import choice

M = TypeVar("M", bound=BaseModel)

Choices = tuple[tuple[str, tuple[str, ...]], ...]  # (field name, its options), in a fixed order


@functools.lru_cache(maxsize=128)
def with_choices(base: type[M], choices: Choices) -> type[M]:
    """``base`` with each named choice field listing ``options``; ``base`` itself when none differ.

    Fields ``base`` lacks are ignored, so one list of choices serves every plugin. Cached
    per (class, names): the same folder contents always give the identical class.
    """
    fields: dict[str, Any] = {}
    for name, options in choices:
        info = base.model_fields.get(name)
        extra = info.json_schema_extra if info is not None else None
        if info is None or not isinstance(extra, dict):
            continue  # not a field of this schema, or not a choice
        listed, widget = extra.get("enum"), extra.get("widget")
        if not isinstance(listed, list) or tuple(listed) == options:
            continue  # not a choice, or already listing these options
        fields[name] = (
            str,
            choice(
                info.default,
                options,
                description=info.description or "",
                widget=widget if isinstance(widget, str) else "choice",
            ),
        )
    if not fields:
        return base
    schema: type[M] = create_model(base.__name__, __base__=base, __module__=base.__module__, **fields)
    schema.__doc__ = base.__doc__
    return schema
