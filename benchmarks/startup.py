"""Launch → window shown, and the whole --self-test, each the median of 5 fresh processes."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _report import report
from _scratch import scratch_home

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


def _env() -> dict[str, str]:
    home = scratch_home()  # the self-test's images go there too (TMPDIR), and it is gone at exit
    return {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "GENCANVAS_HOME": home,
        "TMPDIR": home,
    }


def time_until_line(args: list[str], line: str) -> float:
    """Seconds from process spawn until it prints ``line`` (then it is left to exit)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=_env(), stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for out in proc.stdout:
        if out.strip() == line:
            elapsed = time.perf_counter() - started
            proc.wait(60)
            return elapsed
    raise RuntimeError(f"{args} exited with {proc.wait()} before printing {line!r}")


def time_to_exit(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    measures = {
        "python -c pass (interpreter floor)": lambda: time_to_exit(["-c", "pass"]),
        "gencanvas → window shown": lambda: time_until_line(["-m", "gencanvas", "--exit-when-shown"], "window-shown"),
        "python -c 'import torch' (for scale)": lambda: time_to_exit(["-c", "import torch"]),
        "gencanvas --self-test (all plugins)": lambda: time_to_exit(["-m", "gencanvas", "--self-test"]),
    }
    rows = []
    for name, measure in measures.items():
        samples = [measure() for _ in range(RUNS)]
        rows.append(
            [
                name,
                f"{statistics.median(samples) * 1000:.0f}",
                f"{min(samples) * 1000:.0f}",
                f"{max(samples) * 1000:.0f}",
            ]
        )
    report("startup", ["what", "median ms", "min ms", "max ms"], rows, {"runs": RUNS})


if __name__ == "__main__":
    main()
