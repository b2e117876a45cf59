"""A built bundle: size (total, five largest parts) and frozen launch → window shown (median of 5).

    build_scripts/build_linux.sh --no-tarball
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/frozen_startup.py dist/gencanvas

"Parts" are the entries of the bundle's ``_internal/`` folder (Python packages or single
libraries), which is what an exclude in build_scripts/bundle_contents.py can remove.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _report import report
from _scratch import scratch_home

RUNS = 5
MB = 1024 * 1024


def tree_size(path: Path) -> int:
    """Bytes on disk below ``path``, links not followed (like ``du -s --apparent-size``)."""
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(bundle: Path, count: int = 5) -> list[tuple[str, int]]:
    internal = bundle / "_internal"
    sizes = [(entry.name, tree_size(entry)) for entry in internal.iterdir()]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def time_to_window(executable: Path) -> float:
    """Seconds from spawn until the frozen app prints ``window-shown`` (``--exit-when-shown``)."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "GENCANVAS_HOME": scratch_home(),
    }
    started = time.perf_counter()
    proc = subprocess.Popen([str(executable), "--exit-when-shown"], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "window-shown":
            elapsed = time.perf_counter() - started
            proc.wait(60)
            return elapsed
    raise RuntimeError(f"{executable} exited with {proc.wait()} before showing its window")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, nargs="?", default=Path("dist/gencanvas"), help="one-folder bundle")
    args = parser.parse_args()
    executable = args.bundle / ("gencanvas.exe" if sys.platform == "win32" else "gencanvas")
    rows = [["bundle total", f"{tree_size(args.bundle) / MB:.0f} MB"]]
    rows += [[f"part: _internal/{name}", f"{size / MB:.0f} MB"] for name, size in largest_parts(args.bundle)]
    samples = [time_to_window(executable) for _ in range(RUNS)]
    rows.append([f"frozen launch → window shown (median of {RUNS})", f"{statistics.median(samples) * 1000:.0f} ms"])
    rows.append(["  min / max", f"{min(samples) * 1000:.0f} / {max(samples) * 1000:.0f} ms"])
    report("frozen_startup", ["what", "value"], rows, {"runs": RUNS, "samples_s": samples})


if __name__ == "__main__":
    main()
