"""How a plugin's parameter values are completed: one mechanism for the panel and the CLI.

A user edit may change other fields (``Plugin.linked_values``, e.g. a model's own default
guidance) and the schema itself (``Plugin.params_for``, e.g. the chosen model's sliders).
The panel runs :func:`after_edit` on every edit; ``gencanvas generate`` runs it for every
``--param`` given, in order, so both end at the same values. Validation at registration
(:func:`defaults_problem`) refuses a plugin whose defaults its own schema rejects, so the
CLI never runs with a value the form would show differently.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from gencanvas.core.params import check_known, defaults_of, has_editor
from gencanvas.core.plugin_api import ParamsBase, Plugin, PluginError


def problems_of(exc: ValidationError) -> str:
    """Pydantic's errors as one line: ``field: message; field: message``."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in exc.errors())


def after_edit(
    plugin_type: type[Plugin[Any]],
    values: Mapping[str, Any],
    edited: str,
    keep: Collection[str] = (),
) -> tuple[type[ParamsBase], dict[str, Any]]:
    """The schema and values after the user edited ``edited``: linked values applied (except to
    the fields in ``keep``), fields the new schema lacks dropped, new ones at their default."""
    linked = {k: v for k, v in plugin_type.linked_values(edited, dict(values)).items() if k not in keep}
    merged = {**values, **linked}
    schema = plugin_type.params_for(merged)
    return schema, defaults_of(schema) | {k: v for k, v in merged.items() if k in schema.model_fields}


def validate_values(plugin_type: type[Plugin[Any]], values: Mapping[str, Any]) -> ParamsBase:
    """The parameters for ``values`` in the schema those values select, or a PluginError listing every bad field."""
    try:
        return plugin_type.params_for(values).model_validate(dict(values))
    except ValidationError as exc:
        raise PluginError(f"Invalid parameters for {plugin_type.title}: {problems_of(exc)}") from exc


def resolve_values(plugin_type: type[Plugin[Any]], given: Mapping[str, Any]) -> dict[str, Any]:
    """Complete ``given`` (e.g. ``--param`` strings) as the panel would after those edits.

    Raises ValueError for a key the selected schema lacks and PluginError for a bad value.
    """
    schema = plugin_type.params_for(given)
    check_known(schema, given)
    values = validate_values(plugin_type, defaults_of(schema) | dict(given)).model_dump()
    for name in given:
        schema, values = after_edit(plugin_type, values, name, keep=given.keys())
    return values


def defaults_problem(plugin_type: type[Plugin[Any]]) -> str | None:
    """Why the plugin's defaults are invalid under its own schema, or None when they validate."""
    for schema in dict.fromkeys((plugin_type.Params, plugin_type.params_for({}))):
        if not (isinstance(schema, type) and issubclass(schema, ParamsBase)):
            return f"its parameters ({schema!r}) are not a ParamsBase subclass"
        try:
            schema.model_validate(defaults_of(schema))
            schema.model_validate(defaults_of(schema) | plugin_type.self_test_values)
            schema.model_json_schema()  # what ``plugins --json`` and the metadata show
        except ValidationError as exc:
            return f"invalid default parameters: {problems_of(exc)}"
        except Exception as exc:
            return f"its parameters have no JSON schema: {type(exc).__name__}: {exc}"
        shown = [name for name, info in schema.model_fields.items() if not has_editor(info)]
        if shown:
            return f"the form has no widget for the type of {', '.join(shown)} (use bool, int, float, str or a choice)"
    return None
