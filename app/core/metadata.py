"""Generation metadata carried inside saved images.

Two forms travel together: ``summary`` is the A1111/ComfyUI-style "parameters" text that
other tools and image viewers already show, and ``to_json()`` is the exact record
GenCanvas reads back to restore a plugin and its settings. The summary is for people;
the JSON is the source of truth. ``encode_user_comment`` is the summary's EXIF form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ValidationError

from gencanvas import __version__

FORMAT_VERSION = 1  # bumped when the JSON layout changes, so old files stay readable
PROMPT_KEY = "prompt"
NEGATIVE_PROMPT_KEY = "negative_prompt"
_REQUIRED_FIELDS: dict[str, type] = {"plugin_id": str, "params": dict, "summary": str, "app_version": str}


@dataclass(frozen=True)
class GenerationMetadata:
    """Which plugin made an image and with which parameters."""

    plugin_id: str
    params: dict[str, Any]
    summary: str
    app_version: str = __version__

    @classmethod
    def create(
        cls, plugin_id: str, params: Mapping[str, Any], *, title: str | None = None, app_version: str = __version__
    ) -> GenerationMetadata:
        """Build metadata with a summary written from ``params`` (the usual way to make one)."""
        summary = format_summary(params, title=title or plugin_id, plugin_id=plugin_id, app_version=app_version)
        return cls(plugin_id=plugin_id, params=dict(params), summary=summary, app_version=app_version)

    def to_json(self) -> str:
        """ASCII-only JSON, so it survives EXIF's ASCII-only text fields unchanged.

        Values JSON lacks (tuples, paths, numpy scalars) are stored as their nearest JSON form.
        """
        record = {
            "format": FORMAT_VERSION,
            "plugin_id": self.plugin_id,
            "params": self.params,
            "summary": self.summary,
            "app_version": self.app_version,
        }
        return json.dumps(record, ensure_ascii=True, default=json_fallback)

    @classmethod
    def from_json(cls, text: str | bytes) -> GenerationMetadata:
        """Parse ``to_json()`` output; raise ``ValueError`` saying what is wrong with it."""
        try:
            record = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
            raise ValueError(f"Generation metadata is not valid JSON: {error}") from error
        if not isinstance(record, dict):
            raise ValueError(f"Generation metadata must be a JSON object, not {type(record).__name__}.")
        missing = [name for name in _REQUIRED_FIELDS if name not in record]
        if missing:
            raise ValueError(f"Generation metadata is missing {', '.join(missing)}.")
        wrong = [name for name, kind in _REQUIRED_FIELDS.items() if not isinstance(record[name], kind)]
        if wrong:
            raise ValueError(f"Generation metadata has the wrong type for {', '.join(wrong)}.")
        return cls(**{name: record[name] for name in _REQUIRED_FIELDS})


def restorable_params(model: type[BaseModel], values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Split stored parameters into those ``model`` accepts (validated, coerced) and the names it refuses.

    Metadata comes from files anyone can edit (``"steps": "abc"``, ``"prompt": 12345``):
    each known parameter is validated on its own, so one bad value costs only itself and
    *Restore parameters* can name what it left out. Unknown names (another version's
    parameters) are ignored, as before.
    """
    accepted: dict[str, Any] = {}
    refused: list[str] = []
    for name, value in values.items():
        if name not in model.model_fields:
            continue
        try:
            accepted[name] = getattr(model.model_validate({name: value}), name)
        except (ValidationError, TypeError, ValueError):
            refused.append(name)
    return accepted, refused


def refused_notice(refused: list[str]) -> str | None:
    """The sentence shown after a restore that left parameters out; None when all were restored."""
    if not refused:
        return None
    names = ", ".join(f"“{name}”" for name in refused)
    return f"Restored the parameters except {names}: the value stored in the image is not valid."


def format_summary(
    params: Mapping[str, Any], *, title: str, plugin_id: str = "", app_version: str = __version__
) -> str:
    """The "parameters" text other tools parse: prompt (or title), negative prompt, settings.

    Layout follows A1111: first line the prompt, then ``Negative prompt: …``, then one
    line of ``Key: value`` pairs, with values that contain separators JSON-quoted.
    """
    lines = [_text(params.get(PROMPT_KEY)) or title]
    negative = _text(params.get(NEGATIVE_PROMPT_KEY))
    if negative:
        lines.append(f"Negative prompt: {negative}")
    settings = {_label(key): value for key, value in params.items() if key not in (PROMPT_KEY, NEGATIVE_PROMPT_KEY)}
    if plugin_id:
        settings["Plugin"] = plugin_id
    settings["Version"] = f"GenCanvas {app_version}"
    lines.append(", ".join(f"{key}: {_setting_value(value)}" for key, value in settings.items()))
    return "\n".join(lines)


_RE_PARAM = re.compile(r'\s*(\w[\w \-/+]*):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')


def parse_parameters(text: str) -> tuple[str, str, dict[str, str]]:
    """(prompt, negative prompt, settings) from an A1111-style "parameters" text, as A1111 reads it.

    The last line holds the ``Key: value`` pairs when it has at least three; quoted values
    (written by ``format_summary`` or A1111 for values with commas) are unquoted.
    """
    lines = text.strip().split("\n")
    settings_line = lines[-1] if len(_RE_PARAM.findall(lines[-1])) >= 3 else ""
    if settings_line:
        lines = lines[:-1]
    prompt: list[str] = []
    negative: list[str] = []
    for line in lines:
        if line.startswith("Negative prompt:") or negative:
            negative.append(line.removeprefix("Negative prompt:").strip() if not negative else line)
        else:
            prompt.append(line)
    settings = {}
    for key, value in _RE_PARAM.findall(settings_line):
        if value.startswith('"') and value.endswith('"'):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = value[1:-1]
        settings[key.strip()] = str(value).strip()
    return "\n".join(prompt).strip(), "\n".join(negative).strip(), settings


def encode_user_comment(text: str) -> bytes:
    """EXIF UserComment: 8-byte charset tag then text (UTF-16 big-endian, as A1111 writes it)."""
    if text.isascii():
        return b"ASCII\0\0\0" + text.encode("ascii")
    return b"UNICODE\0" + text.encode("utf-16-be")


def decode_user_comment(data: bytes) -> str:
    """Inverse of ``encode_user_comment``; also reads other tools' little-endian UTF-16."""
    prefix, body = data[:8], data[8:]
    if prefix == b"UNICODE\0":
        looks_little_endian = body[:1] != b"\0" and body[1:2] == b"\0"  # "f\0o\0" rather than "\0f\0o"
        return body.decode("utf-16-le" if looks_little_endian else "utf-16-be", errors="replace")
    return body.decode("utf-8", errors="replace").rstrip("\0")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _label(key: str) -> str:
    """``cfg_scale`` → ``Cfg scale``: the capitalised words A1111-style readers expect."""
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _setting_value(value: Any) -> str:
    """One value on the settings line, quoted when it would break the ``a: b, c: d`` layout."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=json_fallback)
    text = str(value)
    if any(mark in text for mark in (",", ":", "\n", '"')):
        return json.dumps(text, ensure_ascii=False)
    return text


def json_fallback(value: Any) -> Any:
    """Nearest JSON form for values ``json`` refuses, so saving never fails on a parameter."""
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if hasattr(value, "tolist"):  # numpy scalars and small arrays
        return value.tolist()
    return str(value)
