"""Shared output for the benchmark scripts: a Markdown table on stdout plus a JSON file."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(name: str, headers: list[str], rows: list[list[object]], extra: dict | None = None) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps({"machine": machine(), "headers": headers, "rows": rows, **(extra or {})}, indent=2),
        encoding="utf-8",
    )
    print(f"machine: {machine()}")
    print("| " + " | ".join(headers) + " |")
    print("|" + " --- |" * len(headers))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
