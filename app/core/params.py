"""Helpers to declare plugin parameters so the panel can pick the right widget.

A plugin's ``Params`` is an ordinary pydantic model; these helpers only add a ``widget``
hint to the field's JSON schema. The hint is a suggestion: an ``int`` with bounds is a
slider, ``Literal`` or ``choice`` is a drop-down, ``bool`` a check box, whatever the hint.
``choice``/``model_choice`` carry their options in the schema (``enum``), so options found
at run time (the installed models) need no ``Literal`` built at run time, which no type
checker accepts; :class:`~gencanvas.core.plugin_api.ParamsBase` checks them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonDict, JsonValue

SEED_MAX = 2**31 - 1


def slider(default: float, *, ge: float, le: float, step: float | None = None, description: str = "") -> Any:
    """A bounded number shown as a labelled slider."""
    extra: JsonDict = {"widget": "slider"} | ({"step": step} if step is not None else {})
    return Field(default, ge=ge, le=le, description=description, json_schema_extra=extra)


def spin(default: float, *, ge: float, le: float, step: float | None = None, description: str = "") -> Any:
    """A bounded number shown as a spin box (for values typed rather than dragged)."""
    extra: JsonDict = {"widget": "spin"} | ({"step": step} if step is not None else {})
    return Field(default, ge=ge, le=le, description=description, json_schema_extra=extra)


def prompt(default: str = "", *, description: str = "", max_length: int = 2000) -> Any:
    """Multi-line text: prompts and negative prompts."""
    return Field(default, max_length=max_length, description=description, json_schema_extra={"widget": "prompt"})


def seed(default: int = 0, *, description: str = "Random seed; lock it to repeat a result") -> Any:
    """The seed: a spin box with lock and re-roll. Unlocked seeds are re-rolled per Generate."""
    return Field(default, ge=0, le=SEED_MAX, description=description, json_schema_extra={"widget": "seed"})


def choice(default: str, options: Iterable[str], *, description: str = "", widget: str = "choice") -> Any:
    """One of ``options`` (known at run time), shown as a drop-down; annotate the field ``str``."""
    names: list[JsonValue] = list(options)
    return Field(default, description=description, json_schema_extra={"widget": widget, "enum": names})


def model_choice(default: str, options: Iterable[str] | None = None, *, description: str = "") -> Any:
    """Which weights to use, from ``options`` (e.g. the installed models); annotate the field ``str``.

    Without ``options`` the annotation must be a ``Literal`` of the names (API 1.0 style).
    """
    if options is None:
        return Field(default, description=description, json_schema_extra={"widget": "model"})
    return choice(default, options, description=description, widget="model")


def _extra(info: FieldInfo) -> Mapping[str, Any]:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def widget_hint(info: FieldInfo) -> str | None:
    hint = _extra(info).get("widget")
    return hint if isinstance(hint, str) else None


def field_choices(info: FieldInfo) -> list[Any] | None:
    """The options of a ``Literal`` or ``choice`` field, or None for other fields."""
    import typing

    if typing.get_origin(info.annotation) is typing.Literal:
        return list(typing.get_args(info.annotation))
    options = _extra(info).get("enum")
    return list(options) if isinstance(options, list) else None


EDITABLE_TYPES = (bool, int, float, str, Path)  # what the form has widgets for, besides choices


def has_editor(info: FieldInfo) -> bool:
    """Whether the form can show this field (the checks ``ParamForm`` makes, without Qt)."""
    return widget_hint(info) == "seed" or field_choices(info) is not None or info.annotation in EDITABLE_TYPES


def field_step(info: FieldInfo) -> float | None:
    step = _extra(info).get("step")
    return float(step) if isinstance(step, int | float) else None


def defaults_of(schema: type[BaseModel]) -> dict[str, Any]:
    """Every field's default (factories called): what a fresh form shows. Required fields are left out."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in schema.model_fields.items()
        if not info.is_required()
    }


def field_bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """(ge, le) from a field's annotated-types metadata."""
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high


def seed_field_name(params_type: type[BaseModel]) -> str | None:
    for name, info in params_type.model_fields.items():
        if widget_hint(info) == "seed":
            return name
    return None


def reroll_seed() -> int:
    return random.SystemRandom().randint(0, SEED_MAX)


def parse_cli_pairs(pairs: list[str]) -> dict[str, str]:
    """Turn ``k=v`` strings into a dict pydantic can validate (it converts the types)."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects key=value, got {pair!r}")
        values[key] = value
    return values


def check_known(params_type: type[BaseModel], values: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first key the schema lacks, with the known ones."""
    for key in values:
        if key not in params_type.model_fields:
            known = ", ".join(params_type.model_fields) or "none"
            raise ValueError(f"unknown parameter {key!r} (known: {known})")


def parse_cli_params(params_type: type[BaseModel], pairs: list[str]) -> dict[str, Any]:
    """``parse_cli_pairs`` checked against a fixed schema."""
    values = parse_cli_pairs(pairs)
    check_known(params_type, values)
    return values
