"""Helpers to declare plugin parameters so the panel can pick the right widget.

A plugin's ``Params`` is an ordinary pydantic model; these helpers only add a ``widget``
hint to the field's JSON schema. The hint is a suggestion: an ``int`` with bounds is a
slider, ``Literal`` is a drop-down, ``bool`` a check box, whatever the hint.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field
from pydantic.fields import FieldInfo

SEED_MAX = 2**31 - 1


def slider(default: float, *, ge: float, le: float, step: float | None = None, description: str = "") -> Any:
    """A bounded number shown as a labelled slider."""
    extra = {"widget": "slider"} | ({"step": step} if step is not None else {})
    return Field(default, ge=ge, le=le, description=description, json_schema_extra=extra)


def spin(default: float, *, ge: float, le: float, step: float | None = None, description: str = "") -> Any:
    """A bounded number shown as a spin box (for values typed rather than dragged)."""
    extra = {"widget": "spin"} | ({"step": step} if step is not None else {})
    return Field(default, ge=ge, le=le, description=description, json_schema_extra=extra)


def prompt(default: str = "", *, description: str = "", max_length: int = 2000) -> Any:
    """Multi-line text: prompts and negative prompts."""
    return Field(default, max_length=max_length, description=description, json_schema_extra={"widget": "prompt"})


def seed(default: int = 0, *, description: str = "Random seed; lock it to repeat a result") -> Any:
    """The seed: a spin box with lock and re-roll. Unlocked seeds are re-rolled per Generate."""
    return Field(default, ge=0, le=SEED_MAX, description=description, json_schema_extra={"widget": "seed"})


def model_choice(default: str, *, description: str = "") -> Any:
    """Which weights to use; the annotation is a ``Literal`` of the available names."""
    return Field(default, description=description, json_schema_extra={"widget": "model"})


def widget_hint(info: FieldInfo) -> str | None:
    extra = info.json_schema_extra
    return extra.get("widget") if isinstance(extra, dict) else None  # type: ignore[return-value]


def field_bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """(ge, le) from a field's annotated-types metadata."""
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high


def seed_field_name(params_type: type) -> str | None:
    for name, info in params_type.model_fields.items():
        if widget_hint(info) == "seed":
            return name
    return None


def reroll_seed() -> int:
    return random.SystemRandom().randint(0, SEED_MAX)


def parse_cli_params(params_type: type, pairs: list[str]) -> dict[str, Any]:
    """Turn ``k=v`` strings into a dict pydantic can validate (it converts the types)."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects key=value, got {pair!r}")
        if key not in params_type.model_fields:
            known = ", ".join(params_type.model_fields) or "none"
            raise ValueError(f"unknown parameter {key!r} (known: {known})")
        values[key] = value
    return values
